# shellcheck shell=bash
# certs: a throwaway test CA, a server cert for localhost/127.0.0.1, a client
# cert, and a second unrelated ("wrong") CA. ECDSA P-256 keys: fast to make.
# Files (in $SVC_DIR/certs): ca.crt ca.key server.crt server.key client.crt
# client.key wrong-ca.crt wrong-ca.key. Keys are 0644: they are test material,
# and other services copy what they need with their own owner/mode.
# Valid 365 days: mqtt.connect warns when a certificate expires within 30.

install_certs() {
  command -v openssl >/dev/null 2>&1 || apt_ensure openssl
}

start_certs() {
  local d
  d=$(svc_dir certs)
  (
    cd "$d" || exit 1
    _certs_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
    _certs_key ca.key
    openssl req -x509 -new -key ca.key -days 365 -subj "/CN=spacectl-preflight test CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -out ca.crt
    _certs_key wrong-ca.key
    openssl req -x509 -new -key wrong-ca.key -days 365 -subj "/CN=spacectl-preflight WRONG test CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -out wrong-ca.crt

    _certs_key server.key
    openssl req -new -key server.key -subj "/CN=localhost" -out server.csr
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" \
      -days 365 -extfile server.ext -out server.crt 2>/dev/null

    _certs_key client.key
    openssl req -new -key client.key -subj "/CN=client1" -out client.csr
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=clientAuth" >client.ext
    openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" \
      -days 365 -extfile client.ext -out client.crt 2>/dev/null

    rm -f ./*.csr ./*.ext
    chmod 644 ./*.crt ./*.key
    openssl verify -CAfile ca.crt server.crt client.crt >/dev/null
  )
  emit SPT_CA_FILE "$d/ca.crt"
  emit SPT_WRONG_CA_FILE "$d/wrong-ca.crt"
  emit SPT_SERVER_CERT "$d/server.crt"
  emit SPT_SERVER_KEY "$d/server.key"
  emit SPT_CLIENT_CERT "$d/client.crt"
  emit SPT_CLIENT_KEY "$d/client.key"
}
