# shellcheck shell=bash
# registry: the CNCF distribution registry 2.8 (Debian's docker-registry),
# three instances on 127.0.0.1, plain HTTP, each with its own storage under
# the run dir (they start empty: tests push what they pull):
#   anonymous      no authentication;
#   auth           htpasswd (bcrypt) users: a Basic challenge;
#   token          Docker token authentication: a Bearer challenge naming a
#                  realm on SPT_REGISTRY_TOKEN_REALM, where nothing listens
#                  until a test serves tokens there, signed with
#                  SPT_REGISTRY_TOKEN_KEY (x5c: SPT_REGISTRY_TOKEN_CERT, the
#                  registry's only trusted signer). One test at a time may
#                  serve the realm.
# The package's own service (systemd unit, init script) is never started.

install_registry() {
  apt_ensure docker-registry apache2-utils
}

# _registry_config FILE PORT DATA_DIR [AUTH_YAML]
_registry_config() {
  cat >"$1" <<CONF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $3
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$2
  secret: $(secret)
health:
  storagedriver:
    enabled: false
${4:-}
CONF
}

start_registry() {
  local d p_anon p_auth p_token p_realm user=spt-registry pass service=spt-registry issuer=spt-token-issuer
  d=$(svc_dir registry)
  pass=$(secret)
  p_anon=$(free_port)
  p_auth=$(free_port)
  p_token=$(free_port)
  p_realm=$(free_port)
  htpasswd -Bbc "$d/htpasswd" "$user" "$pass" 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/token.key" -out "$d/token.crt" -days 7 \
    -subj "/CN=spacectl-preflight registry token signer" 2>/dev/null
  _registry_config "$d/anonymous.yml" "$p_anon" "$d/anonymous"
  _registry_config "$d/auth.yml" "$p_auth" "$d/auth" "auth:
  htpasswd:
    realm: spt-registry
    path: $d/htpasswd"
  _registry_config "$d/token.yml" "$p_token" "$d/token" "auth:
  token:
    realm: http://127.0.0.1:$p_realm/token
    service: $service
    issuer: $issuer
    rootcertbundle: $d/token.crt"
  local pid_anon pid_auth pid_token
  spawn registry-anonymous "$d/anonymous.log" docker-registry serve "$d/anonymous.yml"
  pid_anon=$SPAWNED_PID
  spawn registry-auth "$d/auth.log" docker-registry serve "$d/auth.yml"
  pid_auth=$SPAWNED_PID
  spawn registry-token "$d/token.log" docker-registry serve "$d/token.yml"
  pid_token=$SPAWNED_PID
  # shellcheck disable=SC2317 # called via wait_until
  _registry_status() { [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/v2/") == "$2" ]]; }
  wait_until --pid "$pid_anon" 30 registry-anonymous _registry_status "$p_anon" 200
  wait_until --pid "$pid_auth" 30 registry-auth _registry_status "$p_auth" 401
  wait_until --pid "$pid_token" 30 registry-token _registry_status "$p_token" 401
  emit SPT_REGISTRY_ADDR "127.0.0.1:$p_anon"
  emit SPT_REGISTRY_AUTH_ADDR "127.0.0.1:$p_auth"
  emit SPT_REGISTRY_USER "$user"
  emit SPT_REGISTRY_PASS "$pass"
  emit SPT_REGISTRY_TOKEN_ADDR "127.0.0.1:$p_token"
  emit SPT_REGISTRY_TOKEN_REALM "http://127.0.0.1:$p_realm/token"
  emit SPT_REGISTRY_TOKEN_SERVICE "$service"
  emit SPT_REGISTRY_TOKEN_ISSUER "$issuer"
  emit SPT_REGISTRY_TOKEN_KEY "$d/token.key"
  emit SPT_REGISTRY_TOKEN_CERT "$d/token.crt"
}
