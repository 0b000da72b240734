#!/usr/bin/env bash
# Smoke-test the running test services with command-line clients only
# (psql, mosquitto_pub/sub, curl --aws-sigv4). Run it through the harness:
#   scripts/test-services/run.sh -- scripts/test-services/smoke.sh
# A service whose variables are absent (not started) is skipped.
set -euo pipefail

fails=0
ok() { printf 'ok    %s\n' "$*"; }
bad() {
  printf 'FAIL  %s\n' "$*"
  fails=$((fails + 1))
}
check() { # check DESC CMD...
  local desc=$1
  shift
  if "$@" >/dev/null 2>&1; then ok "$desc"; else bad "$desc"; fi
}
check_not() { # check_not DESC CMD...: CMD must fail
  local desc=$1
  shift
  if "$@" >/dev/null 2>&1; then bad "$desc"; else ok "$desc"; fi
}
have() { [[ -n ${!1:-} ]]; }

# --- Postgres
for v in 13 14 15 16 17 18; do
  u=SPT_PG${v}_URL
  have "$u" || continue
  got=$(psql "${!u}" -Atc "select current_setting('server_version_num')::int / 10000" 2>&1) || true
  if [[ $got == "$v" ]]; then ok "postgres $v (server_version_num/10000=$got)"; else bad "postgres $v: $got"; fi
done
if have SPT_PG_TLS_URL; then
  got=$(psql "$SPT_PG_TLS_URL" -Atc "select ssl from pg_stat_ssl where pid = pg_backend_pid()" 2>&1) || true
  if [[ $got == t ]]; then ok "postgres TLS verify-full via localhost"; else bad "postgres TLS: $got"; fi
  check_not "postgres TLS rejects the wrong CA" psql "${SPT_PG_TLS_URL/%ca.crt/wrong-ca.crt}" -Atc "select 1"
fi
if have SPT_PG_STANDBY_URL; then
  got=$(psql "$SPT_PG_STANDBY_URL" -Atc "select pg_is_in_recovery()" 2>&1) || true
  if [[ $got == t ]]; then ok "postgres standby in recovery"; else bad "postgres standby: $got"; fi
fi

# --- MQTT
if have SPT_MQTT_PLAIN_ADDR; then
  pub=(mosquitto_pub -V mqttv5 -h 127.0.0.1 -t spt/smoke -m x)
  check "mqtt plain + password" "${pub[@]}" -p "${SPT_MQTT_PLAIN_ADDR##*:}" -u "$SPT_MQTT_USER" -P "$SPT_MQTT_PASS"
  check_not "mqtt plain rejects a wrong password" "${pub[@]}" -p "${SPT_MQTT_PLAIN_ADDR##*:}" -u "$SPT_MQTT_USER" -P wrong
  check "mqtt TLS + password" "${pub[@]}" -p "${SPT_MQTT_TLS_ADDR##*:}" --cafile "$SPT_CA_FILE" -u "$SPT_MQTT_USER" -P "$SPT_MQTT_PASS"
  check_not "mqtt TLS rejects the wrong CA" "${pub[@]}" -p "${SPT_MQTT_TLS_ADDR##*:}" --cafile "$SPT_WRONG_CA_FILE" -u "$SPT_MQTT_USER" -P "$SPT_MQTT_PASS"
  check "mqtt mTLS with client cert" "${pub[@]}" -p "${SPT_MQTT_MTLS_ADDR##*:}" --cafile "$SPT_CA_FILE" --cert "$SPT_CLIENT_CERT" --key "$SPT_CLIENT_KEY"
  check_not "mqtt mTLS rejects no client cert" "${pub[@]}" -p "${SPT_MQTT_MTLS_ADDR##*:}" --cafile "$SPT_CA_FILE"
  out=$(mktemp)
  mosquitto_sub -V mqttv5 -h 127.0.0.1 -p "${SPT_MQTT_MTLS_ADDR##*:}" --cafile "$SPT_CA_FILE" --cert "$SPT_CLIENT_CERT" \
    --key "$SPT_CLIENT_KEY" -t spt/rt -q 1 -C 1 -W 5 >"$out" 2>&1 &
  sub=$!
  sleep 0.5
  mosquitto_pub -V mqttv5 -h 127.0.0.1 -p "${SPT_MQTT_PLAIN_ADDR##*:}" -u "$SPT_MQTT_USER" -P "$SPT_MQTT_PASS" -t spt/rt -q 1 -m ping || true
  wait "$sub" || true
  if [[ $(cat "$out") == ping ]]; then ok "mqtt round trip plain -> mTLS"; else bad "mqtt round trip: $(cat "$out")"; fi
  rm -f "$out"
fi

# --- S3 (MinIO, versitygw): make bucket, put, get; wrong secret refused
s3() { # s3 ENDPOINT AK SK CURL_ARGS...
  local ak=$2 sk=$3
  shift 3
  curl -sS --fail-with-body --aws-sigv4 "aws:amz:us-east-1:s3" --user "$ak:$sk" \
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@"
}
s3_probe() { # s3_probe NAME ENDPOINT AK SK
  local name=$1 ep=$2 ak=$3 sk=$4 b=spt-smoke-$RANDOM got
  got=$(s3 "$ep" "$ak" "$sk" -X PUT "$ep/$b" && s3 "$ep" "$ak" "$sk" -X PUT --data-binary hello "$ep/$b/k" &&
    s3 "$ep" "$ak" "$sk" "$ep/$b/k" 2>&1) || true
  if [[ $got == hello ]]; then ok "$name put/get with signed requests"; else bad "$name put/get: $got"; fi
  got=$(s3 "$ep" "$ak" wrong-secret "$ep/$b/k" 2>&1) || true
  if [[ $got == *SignatureDoesNotMatch* || $got == *AccessDenied* ]]; then ok "$name rejects a wrong secret"; else bad "$name wrong secret: $got"; fi
}
if have SPT_MINIO_ENDPOINT; then
  check "minio /minio/health/ready" curl -sf "http://$SPT_MINIO_ENDPOINT/minio/health/ready"
  s3_probe minio "http://$SPT_MINIO_ENDPOINT" "$SPT_MINIO_ACCESS_KEY" "$SPT_MINIO_SECRET_KEY"
fi
if have SPT_VERSITYGW_ENDPOINT; then
  s3_probe versitygw "$SPT_VERSITYGW_ENDPOINT" "$SPT_VERSITYGW_ACCESS_KEY" "$SPT_VERSITYGW_SECRET_KEY"
fi

# --- GCS: create bucket, upload (JSON API), read back over the XML path
if have SPT_GCS_EMULATOR_HOST; then
  g=http://$SPT_GCS_EMULATOR_HOST
  got=$(curl -sf -X POST -H 'Content-Type: application/json' -d '{"name":"spt-smoke"}' "$g/storage/v1/b?project=p" >/dev/null &&
    curl -sf -X POST --data-binary hello "$g/upload/storage/v1/b/spt-smoke/o?uploadType=media&name=o" >/dev/null &&
    curl -sf "$g/spt-smoke/o") || true
  if [[ $got == hello ]]; then ok "fake-gcs bucket/object round trip (XML read)"; else bad "fake-gcs: $got"; fi
fi

# --- Azurite: unauthenticated list is refused with 403 (the server is up and checks auth)
if have SPT_AZURITE_BLOB_URL; then
  code=$(curl -s -o /dev/null -w '%{http_code}' "$SPT_AZURITE_BLOB_URL?comp=list") || true
  if [[ $code == 403 ]]; then ok "azurite answers (unsigned list -> 403)"; else bad "azurite: HTTP $code"; fi
fi

# --- KMS: CreateKey + Encrypt + Decrypt through the JSON protocol
if have SPT_KMS_ENDPOINT; then
  kms() { curl -sf -X POST -H 'Content-Type: application/x-amz-json-1.1' -H "X-Amz-Target: TrentService.$1" -d "$2" "$SPT_KMS_ENDPOINT/"; }
  got=$(kms CreateKey '{}') || got=
  kid=$(sed -n 's/.*"KeyId":"\([^"]*\)".*/\1/p' <<<"$got")
  blob=$(kms Encrypt "{\"KeyId\":\"$kid\",\"Plaintext\":\"aGVsbG8=\"}" | sed -n 's/.*"CiphertextBlob":"\([^"]*\)".*/\1/p') || blob=
  got=$(kms Decrypt "{\"CiphertextBlob\":\"$blob\"}") || got=
  if [[ -n $kid && $got == *'"Plaintext":"aGVsbG8="'* ]]; then ok "local-kms CreateKey/Encrypt/Decrypt"; else bad "local-kms: $got"; fi
  got=$(kms DescribeKey "{\"KeyId\":\"$kid\"}") || got=
  if [[ $got == *"arn:aws:kms:$SPT_KMS_REGION:$SPT_KMS_ACCOUNT:"* ]]; then ok "local-kms region/account in ARNs"; else bad "local-kms ARN: $got"; fi
fi

# --- SQS: CreateQueue, SendMessage, ReceiveMessage (JSON protocol)
if have SPT_SQS_ENDPOINT; then
  sqs() { curl -sf -X POST -H 'Content-Type: application/x-amz-json-1.0' -H "X-Amz-Target: AmazonSQS.$1" -d "$2" "$SPT_SQS_ENDPOINT/"; }
  qurl=$(sqs CreateQueue '{"QueueName":"spt-smoke"}' | sed -n 's/.*"QueueUrl":"\([^"]*\)".*/\1/p') || qurl=
  got=$(sqs SendMessage "{\"QueueUrl\":\"$qurl\",\"MessageBody\":\"hello\"}" >/dev/null &&
    sqs ReceiveMessage "{\"QueueUrl\":\"$qurl\",\"MaxNumberOfMessages\":1,\"WaitTimeSeconds\":2}") || got=
  if [[ $got == *'"Body":"hello"'* ]]; then ok "local-aws-sqs create/send/receive"; else bad "sqs: $got"; fi
fi

# --- Prometheus: ready, scrapes SPT_PROMETHEUS_TARGET (down until a test serves there), promtool runs
if have SPT_PROMETHEUS_URL; then
  check "prometheus /-/ready" curl -sf "$SPT_PROMETHEUS_URL/-/ready"
  got=
  for _ in $(seq 50); do
    got=$(curl -sf "$SPT_PROMETHEUS_URL/api/v1/targets") || got=
    [[ $got == *"$SPT_PROMETHEUS_TARGET"* ]] && break
    sleep 0.2
  done
  if [[ $got == *"\"scrapeUrl\":\"http://$SPT_PROMETHEUS_TARGET/metrics\""* ]]; then
    ok "prometheus scrapes http://$SPT_PROMETHEUS_TARGET/metrics"
  else bad "prometheus targets: $got"; fi
  check "promtool check metrics" bash -c "printf '# HELP x_total A counter.\n# TYPE x_total counter\nx_total 1\n' | '$SPT_PROMTOOL' check metrics"
fi

# --- Registry: anonymous /v2/ answers 200, push a blob; htpasswd wants Basic; token wants Bearer at the realm
if have SPT_REGISTRY_ADDR; then
  code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
  if [[ $(code "http://$SPT_REGISTRY_ADDR/v2/") == 200 ]]; then ok "registry anonymous /v2/ 200"; else bad "registry anonymous /v2/"; fi
  loc=$(curl -s -D - -o /dev/null -X POST "http://$SPT_REGISTRY_ADDR/v2/spt/smoke/blobs/uploads/" | tr -d '\r' | awk -F': ' 'tolower($1)=="location"{print $2}')
  digest=sha256:$(printf smoke | sha256sum | cut -d' ' -f1)
  sep='?'
  [[ $loc == *\?* ]] && sep='&'
  [[ $loc == http* ]] || loc="http://$SPT_REGISTRY_ADDR$loc"
  if [[ $(code -X PUT -H 'Content-Type: application/octet-stream' --data-binary smoke "$loc${sep}digest=$digest") == 201 ]] &&
    [[ $(code -I "http://$SPT_REGISTRY_ADDR/v2/spt/smoke/blobs/$digest") == 200 ]]; then
    ok "registry anonymous blob push and HEAD"
  else bad "registry anonymous blob push"; fi
  if [[ $(code "http://$SPT_REGISTRY_AUTH_ADDR/v2/") == 401 ]]; then ok "registry auth wants credentials"; else bad "registry auth without credentials"; fi
  if [[ $(code -u "$SPT_REGISTRY_USER:$SPT_REGISTRY_PASS" "http://$SPT_REGISTRY_AUTH_ADDR/v2/") == 200 ]]; then ok "registry auth accepts the htpasswd user"; else bad "registry auth with credentials"; fi
  if [[ $(code -u "$SPT_REGISTRY_USER:wrong" "http://$SPT_REGISTRY_AUTH_ADDR/v2/") == 401 ]]; then ok "registry auth rejects a wrong password"; else bad "registry auth wrong password"; fi
  got=$(curl -s -D - -o /dev/null "http://$SPT_REGISTRY_TOKEN_ADDR/v2/" | tr -d '\r' | grep -i '^www-authenticate:' || true)
  if [[ $got == *"Bearer realm=\"$SPT_REGISTRY_TOKEN_REALM\""* && $got == *"service=\"$SPT_REGISTRY_TOKEN_SERVICE\""* ]]; then
    ok "registry token challenges with Bearer at $SPT_REGISTRY_TOKEN_REALM"
  else bad "registry token challenge: $got"; fi
  check "registry token signer key and certificate match" bash -c \
    "[[ \$(openssl pkey -in '$SPT_REGISTRY_TOKEN_KEY' -pubout) == \$(openssl x509 -in '$SPT_REGISTRY_TOKEN_CERT' -noout -pubkey) ]]"
fi

# --- nginx: the limited listener answers a 1.5 MiB body with 413, the unlimited one lets it through
if have SPT_NGINX_LIMITED_ADDR; then
  big() { head -c 1600000 /dev/zero | curl -s -o /dev/null -w '%{http_code}' --cacert "$SPT_CA_FILE" -X POST --data-binary @- "https://localhost:${1##*:}/"; }
  if [[ $(curl -s -o /dev/null -w '%{http_code}' --cacert "$SPT_CA_FILE" "https://localhost:${SPT_NGINX_LIMITED_ADDR##*:}/health") == 200 ]]; then ok "nginx /health 200 over TLS"; else bad "nginx /health"; fi
  if [[ $(big "$SPT_NGINX_LIMITED_ADDR") == 413 ]]; then ok "nginx limited: 413 for a large body"; else bad "nginx limited listener"; fi
  if [[ $(big "$SPT_NGINX_UNLIMITED_ADDR") == 404 ]]; then ok "nginx unlimited: a large body passes"; else bad "nginx unlimited listener"; fi
fi

# --- Everything bound to loopback only
if command -v ss >/dev/null 2>&1 && have SPT_SERVICES_DIR; then
  pids=$(cat "$SPT_SERVICES_DIR"/pids/*.pid 2>/dev/null | cut -d' ' -f1 | tr '\n' '|')
  pids=${pids%|}
  wide=$(ss -Hltnp 2>/dev/null | grep -E "pid=(${pids:-none}),|pid=(${pids:-none})\)" | awk '{print $4}' |
    grep -Ev '^(127\.0\.0\.1|\[::1\]):' || true)
  if [[ -z $wide ]]; then ok "every service listens on loopback only"; else bad "non-loopback listeners: $wide"; fi
fi

if ((fails)); then
  printf '%d check(s) FAILED\n' "$fails"
  exit 1
fi
printf 'all checks passed\n'
