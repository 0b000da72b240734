# shellcheck shell=bash
# prometheus: Debian's Prometheus 2.42 (with promtool) on 127.0.0.1, scraping
# one fixed target every second. The target, SPT_PROMETHEUS_TARGET, is a free
# 127.0.0.1 port on which nothing listens until a test starts `serve` there
# (so only one test at a time may use it).

install_prometheus() {
  # The package's init script is not started: policy-rc.d, or no init system,
  # in the containers this runs in. Nothing here depends on it either way.
  apt_ensure prometheus
}

start_prometheus() {
  local d port target
  d=$(svc_dir prometheus)
  port=$(free_port)
  target=$(free_port)
  cat >"$d/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: spacectl-preflight
    static_configs:
      - targets: ['127.0.0.1:$target']
CONF
  spawn prometheus "$d/prometheus.log" prometheus --config.file="$d/prometheus.yml" \
    --storage.tsdb.path="$d/data" --storage.tsdb.retention.time=1h \
    --web.listen-address="127.0.0.1:$port" --log.level=warn
  wait_until --pid "$SPAWNED_PID" 30 prometheus curl -sf "http://127.0.0.1:$port/-/ready"
  emit SPT_PROMETHEUS_URL "http://127.0.0.1:$port"
  emit SPT_PROMETHEUS_TARGET "127.0.0.1:$target"
  emit SPT_PROMTOOL "$(command -v promtool)"
}
