# shellcheck shell=bash
# minio: MinIO server (AGPLv3; only run by the tests, never linked), single
# drive in $SVC_DIR/minio/data, root credentials random per run.
# MinIO has no per-bucket CORS (PutBucketCors is a no-op): its one
# server-wide allowed origin is fixed here so the storage.cors tests can
# see both an allowed origin (SPT_MINIO_CORS_ORIGIN) and a refused one.
# The site region is explicit (SPT_MINIO_REGION) so that MinIO, like S3,
# refuses requests signed for another region.

SPT_MINIO_MODULE=github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c
SPT_MINIO_CORS_ORIGIN=https://cors-allowed.spt.example
SPT_MINIO_REGION=us-east-1

install_minio() {
  go_install_bin minio "$SPT_MINIO_MODULE"
}

start_minio() {
  local d port cport user pass
  d=$(svc_dir minio)
  mkdir -p "$d/data"
  port=$(free_port)
  cport=$(free_port)
  user=spt-minio-admin
  pass=$(secret)
  spawn minio "$d/minio.log" env MINIO_ROOT_USER="$user" MINIO_ROOT_PASSWORD="$pass" \
    MINIO_API_CORS_ALLOW_ORIGIN="$SPT_MINIO_CORS_ORIGIN" MINIO_SITE_REGION="$SPT_MINIO_REGION" \
    MINIO_BROWSER=off MINIO_UPDATE=off MINIO_CALLHOME_ENABLE=off \
    minio server "$d/data" --address "127.0.0.1:$port" --console-address "127.0.0.1:$cport" --quiet
  wait_until --pid "$SPAWNED_PID" 60 minio curl -sf "http://127.0.0.1:$port/minio/health/ready"
  # /health/ready can answer before the object layer is initialised (then
  # S3 calls fail with XMinioServerNotInitialized); wait for a signed
  # ListBuckets to succeed too.
  wait_until --pid "$SPAWNED_PID" 60 "minio s3" curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" \
    --user "$user:$pass" "http://127.0.0.1:$port/"
  emit SPT_MINIO_ENDPOINT "127.0.0.1:$port"
  emit SPT_MINIO_ACCESS_KEY "$user"
  emit SPT_MINIO_SECRET_KEY "$pass"
  emit SPT_MINIO_CORS_ORIGIN "$SPT_MINIO_CORS_ORIGIN"
  emit SPT_MINIO_REGION "$SPT_MINIO_REGION"
}
