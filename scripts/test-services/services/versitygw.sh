# shellcheck shell=bash
# versitygw: Versity S3 gateway with the posix backend (buckets are
# directories in $SVC_DIR/versitygw/data), single-account mode, root
# credentials random per run. It checks SigV4 signatures.

SPT_VERSITYGW_MODULE=github.com/versity/versitygw/cmd/versitygw@v1.8.0

install_versitygw() {
  go_install_bin versitygw "$SPT_VERSITYGW_MODULE"
}

start_versitygw() {
  local d port ak sk
  d=$(svc_dir versitygw)
  mkdir -p "$d/data"
  port=$(free_port)
  ak=spt-vgw-admin
  sk=$(secret)
  spawn versitygw "$d/versitygw.log" env ROOT_ACCESS_KEY="$ak" ROOT_SECRET_KEY="$sk" \
    versitygw --port "127.0.0.1:$port" --quiet posix "$d/data"
  # Unsigned requests get 403: any HTTP answer means it is serving.
  wait_until --pid "$SPAWNED_PID" 30 versitygw curl -s -o /dev/null "http://127.0.0.1:$port/"
  emit SPT_VERSITYGW_ENDPOINT "http://127.0.0.1:$port"
  emit SPT_VERSITYGW_ACCESS_KEY "$ak"
  emit SPT_VERSITYGW_SECRET_KEY "$sk"
}
