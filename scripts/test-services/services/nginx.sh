# shellcheck shell=bash
# nginx: Debian's nginx as the ingress in front of Spacelift's server, two
# TLS listeners on 127.0.0.1 (the harness's server certificate) answering
# GET /health with 200 and everything else with 404:
#   limited    client_max_body_size 1m, ingress-nginx's default: a larger
#              request body gets 413 before any location runs;
#   unlimited  client_max_body_size 0, what the Helm chart's
#              proxy-body-size: "0" annotation sets.
# The package's own service is never started (policy-rc.d, or no init).

svc_deps nginx certs

install_nginx() {
  apt_ensure nginx
}

start_nginx() {
  local d limited unlimited
  d=$(svc_dir nginx)
  limited=$(free_port)
  unlimited=$(free_port)
  mkdir -p "$d/tmp"
  cp "$SVC_DIR/certs/server.crt" "$SVC_DIR/certs/server.key" "$d/"
  cat >"$d/nginx.conf" <<CONF
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $d/tmp/body;
  proxy_temp_path $d/tmp/proxy;
  fastcgi_temp_path $d/tmp/fastcgi;
  uwsgi_temp_path $d/tmp/uwsgi;
  scgi_temp_path $d/tmp/scgi;
  ssl_certificate $d/server.crt;
  ssl_certificate_key $d/server.key;
  server {
    listen 127.0.0.1:$limited ssl;
    client_max_body_size 1m;
    location = /health { return 200 "ok"; }
    location / { return 404; }
  }
  server {
    listen 127.0.0.1:$unlimited ssl;
    client_max_body_size 0;
    location = /health { return 200 "ok"; }
    location / { return 404; }
  }
}
CONF
  spawn nginx "$d/nginx.stdout.log" nginx -p "$d" -c "$d/nginx.conf" -g 'daemon off;'
  # shellcheck disable=SC2317 # called via wait_until
  _nginx_ready() { port_open "$limited" && port_open "$unlimited"; }
  wait_until --pid "$SPAWNED_PID" 20 nginx _nginx_ready
  emit SPT_NGINX_LIMITED_ADDR "127.0.0.1:$limited"
  emit SPT_NGINX_UNLIMITED_ADDR "127.0.0.1:$unlimited"
}
