# shellcheck shell=bash
# localkms: nsmithuk/local-kms behind the loopback wrapper in tools/localkms
# (its own go.mod). Fresh LevelDB data dir per run, so aliases never clash.

SPT_KMS_REGION=eu-west-2
SPT_KMS_ACCOUNT=111122223333

install_localkms() {
  go_build_local local-kms-loopback "$SPT_REPO_ROOT/tools/localkms"
}

start_localkms() {
  local d addr=
  d=$(svc_dir localkms)
  spawn localkms "$d/localkms.log" local-kms-loopback -addr 127.0.0.1:0 \
    -region "$SPT_KMS_REGION" -account "$SPT_KMS_ACCOUNT" -data "$d/data"
  _localkms_addr() {
    addr=$(sed -n 's#^local-kms listening on \(http://127\.0\.0\.1:[0-9]*\)$#\1#p' "$d/localkms.log")
    [[ -n $addr ]]
  }
  wait_until --pid "$SPAWNED_PID" 30 "localkms address" _localkms_addr
  _localkms_addr
  # An unsigned GET answers 405: the HTTP server is serving.
  wait_until --pid "$SPAWNED_PID" 30 localkms curl -s -o /dev/null "$addr/"
  emit SPT_KMS_ENDPOINT "$addr"
  emit SPT_KMS_REGION "$SPT_KMS_REGION"
  emit SPT_KMS_ACCOUNT "$SPT_KMS_ACCOUNT"
}
