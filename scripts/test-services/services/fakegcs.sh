# shellcheck shell=bash
# fakegcs: fake-gcs-server with the in-memory backend. -public-host is set so
# that the Go client's XML-API object reads work without WithJSONReads().

SPT_FAKEGCS_MODULE=github.com/fsouza/fake-gcs-server@v1.56.1

install_fakegcs() {
  go_install_bin fake-gcs-server "$SPT_FAKEGCS_MODULE"
}

start_fakegcs() {
  local d port
  d=$(svc_dir fakegcs)
  port=$(free_port)
  spawn fakegcs "$d/fakegcs.log" fake-gcs-server -host 127.0.0.1 -port "$port" -scheme http \
    -backend memory -public-host "127.0.0.1:$port" -log-level warn
  wait_until --pid "$SPAWNED_PID" 30 fakegcs curl -sf "http://127.0.0.1:$port/storage/v1/b"
  emit SPT_GCS_EMULATOR_HOST "127.0.0.1:$port"
}
