# shellcheck shell=bash
# mosquitto: one broker, three listeners on 127.0.0.1:
#   plain TCP + username/password, TLS + username/password, and mTLS
#   (require_certificate; the client cert CN becomes the username).
# mosquitto starts as root and drops to user "mosquitto", so its config,
# passwd, certs and log live in $SVC_DIR/mosquitto owned by that user.

svc_deps mosquitto certs

install_mosquitto() {
  apt_ensure mosquitto mosquitto-clients
}

start_mosquitto() {
  local d p1 p2 p3 user=spt-mqtt pass
  d=$(svc_dir mosquitto)
  pass=$(secret)
  p1=$(free_port)
  p2=$(free_port)
  p3=$(free_port)
  cp "$SVC_DIR/certs/ca.crt" "$SVC_DIR/certs/server.crt" "$SVC_DIR/certs/server.key" "$d/"
  rm -f "$d/passwd"
  mosquitto_passwd -b -c "$d/passwd" "$user" "$pass" 2>/dev/null
  : >"$d/mosquitto.log"
  cat >"$d/mosquitto.conf" <<CONF
per_listener_settings false
allow_anonymous false
password_file $d/passwd
persistence false
log_dest file $d/mosquitto.log
log_type error
log_type warning
log_type notice
# plain + password
listener $p1 127.0.0.1
# TLS + password
listener $p2 127.0.0.1
cafile $d/ca.crt
certfile $d/server.crt
keyfile $d/server.key
# mutual TLS
listener $p3 127.0.0.1
cafile $d/ca.crt
certfile $d/server.crt
keyfile $d/server.key
require_certificate true
use_identity_as_username true
CONF
  chown -R mosquitto: "$d"
  chmod 600 "$d/server.key" "$d/passwd"
  spawn mosquitto "$d/mosquitto.stdout.log" mosquitto -c "$d/mosquitto.conf"
  # shellcheck disable=SC2317 # called via wait_until
  _mqtt_ready() { port_open "$p1" && port_open "$p2" && port_open "$p3"; }
  wait_until --pid "$SPAWNED_PID" 20 mosquitto _mqtt_ready
  emit SPT_MQTT_PLAIN_ADDR "127.0.0.1:$p1"
  emit SPT_MQTT_TLS_ADDR "127.0.0.1:$p2"
  emit SPT_MQTT_MTLS_ADDR "127.0.0.1:$p3"
  emit SPT_MQTT_USER "$user"
  emit SPT_MQTT_PASS "$pass"
}
