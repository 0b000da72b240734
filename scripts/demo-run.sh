#!/usr/bin/env bash
# Runs inside scripts/test-services/run.sh (SPT_* variables are set).
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A dedicated database owned by the demo's superuser.
psql "$SPT_PG17_URL" -qc 'CREATE DATABASE spacelift' >/dev/null
db_url=${SPT_PG17_URL/\/postgres\?/\/spacelift?}

# Ten buckets on MinIO, created with curl's SigV4 signing.
buckets=(deliveries large-queue-messages metadata modules policy-inputs run-logs states uploads user-uploaded-workspaces workspace)
for b in "${buckets[@]}"; do
  curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user "$SPT_MINIO_ACCESS_KEY:$SPT_MINIO_SECRET_KEY" \
    -X PUT "http://$SPT_MINIO_ENDPOINT/spacelift-$b" >/dev/null
done
# States must be versioned.
versioning='<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>'
# curl signs a request body only when given its SHA-256; MinIO wants Content-MD5.
curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user "$SPT_MINIO_ACCESS_KEY:$SPT_MINIO_SECRET_KEY" -X PUT \
  -H "x-amz-content-sha256: $(printf %s "$versioning" | sha256sum | cut -d' ' -f1)" \
  -H "Content-MD5: $(printf %s "$versioning" | openssl md5 -binary | base64)" \
  --data "$versioning" "http://$SPT_MINIO_ENDPOINT/spacelift-states?versioning=" >/dev/null

# A fresh RSA key, exactly as the Spacelift docs generate it.
openssl genrsa 4096 2>/dev/null | openssl pkcs8 -topk8 -nocrypt >"$work/spacelift.key"

env_file=$work/spacelift.env
{
  # MinIO allows CORS from one origin (see the harness); use it as the domain.
  echo "SERVER_DOMAIN=${SPT_MINIO_CORS_ORIGIN#https://}"
  echo "DATABASE_URL=$db_url"
  echo "LICENSE_TYPE=jwt"
  echo "LICENSE_TOKEN=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJl"
  echo "OBJECT_STORAGE_TYPE=minio"
  echo "OBJECT_STORAGE_MINIO_ENDPOINT=$SPT_MINIO_ENDPOINT"
  echo "OBJECT_STORAGE_MINIO_ACCESS_KEY_ID=$SPT_MINIO_ACCESS_KEY"
  echo "OBJECT_STORAGE_MINIO_SECRET_ACCESS_KEY=$SPT_MINIO_SECRET_KEY"
  echo "OBJECT_STORAGE_MINIO_USE_SSL=false"
  echo "OBJECT_STORAGE_BUCKET_UPLOADS_URL=http://$SPT_MINIO_ENDPOINT"
  for b in "${buckets[@]}"; do
    v=${b^^}
    echo "OBJECT_STORAGE_BUCKET_${v//-/_}=spacelift-$b"
  done
  echo "ENCRYPTION_TYPE=rsa"
  echo "ENCRYPTION_RSA_PRIVATE_KEY=$(base64 -w 0 "$work/spacelift.key")"
  echo "MESSAGE_QUEUE_TYPE=postgres"
  echo "MQTT_BROKER_TYPE=builtin"
  echo "MQTT_BROKER_ENDPOINT=tls://localhost:${SPT_MQTT_TLS_ADDR##*:}"
  echo "SPACECTL_PREFLIGHT_MQTT_USERNAME=$SPT_MQTT_USER"
  echo "SPACECTL_PREFLIGHT_MQTT_PASSWORD=$SPT_MQTT_PASS"
  echo "SPACECTL_PREFLIGHT_MQTT_CA_FILE=$SPT_CA_FILE"
  echo "OBSERVABILITY_VENDOR=Disabled"
} >"$env_file"

if [[ ${SERVE:-} == 1 ]]; then
  # make demo SERVE=1: keep checking the sandbox until Ctrl-C (run.sh then
  # sends SIGTERM: serve cancels its run and exits 0, and the servers stop).
  addr=127.0.0.1:${DEMO_PORT:-9464}
  echo "== spacectl-preflight serve --env-file spacelift.env --listen $addr --interval 1m" >&2
  echo "== open http://$addr/ (metrics: http://$addr/metrics, JSON: http://$addr/results.json); Ctrl-C stops it" >&2
  trap 'exit 0' INT TERM
  bin/spacectl-preflight serve --env-file "$env_file" --listen "$addr" --interval 1m -q
  exit 0
fi

echo "== spacectl-preflight check --env-file spacelift.env" >&2
rc=0
bin/spacectl-preflight check --env-file "$env_file" || rc=$?
echo "== exit code $rc" >&2
echo "== spacectl-preflight bundle --env-file spacelift.env" >&2
bundle=spacectl-preflight-demo-bundle.tar.gz
bin/spacectl-preflight bundle --env-file "$env_file" -q -o "$bundle" >/dev/null || true
if [[ -f $bundle ]]; then
  echo "support bundle written: $PWD/$bundle" >&2
fi
