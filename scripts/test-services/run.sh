#!/usr/bin/env bash
# Install, start the test services, run a command against them, stop them.
# Usage: run.sh [-s service[,service...]]... [--] CMD [ARG...]
#   e.g. run.sh -- go test -count=1 ./...
#        run.sh -s postgres -s minio -- go test ./internal/checks/...
# CMD sees every variable of services.env plus SPT_REQUIRE_SERVICES=1, and
# run.sh exits with CMD's exit code. The services are always stopped (EXIT,
# INT, TERM). The run dir is removed when CMD succeeds, kept (path printed)
# when it fails; SPT_KEEP_RUN_DIR=1 always keeps it.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

services=()
while (($#)); do
  case $1 in
    -s | --service)
      [[ $# -ge 2 ]] || die "run.sh: $1 needs a service name"
      IFS=, read -r -a more <<<"$2"
      services+=("${more[@]}")
      shift 2
      ;;
    -h | --help)
      sed -n '2,10p' "$0"
      exit 0
      ;;
    --)
      shift
      break
      ;;
    *) break ;;
  esac
done
(($#)) || die "usage: run.sh [-s service]... -- CMD [ARG...]"

"$here/install.sh" "${services[@]}"

SVC_DIR=${SPT_RUN_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/spt-svc.XXXXXX")}
made_dir=${SPT_RUN_DIR:+0}
made_dir=${made_dir:-1}
rc=1
child=
signalled=0

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  ((signalled || rc != 1 || status == 0)) || rc=$status
  if [[ -n $child ]] && kill -0 "$child" 2>/dev/null; then
    kill -KILL -- "-$child" 2>/dev/null || true
  fi
  "$here/stop.sh" "$SVC_DIR" || true
  if [[ $made_dir == 1 && $rc == 0 && ${SPT_KEEP_RUN_DIR:-0} != 1 ]]; then
    rm -rf "$SVC_DIR"
  else
    log "run dir kept: $SVC_DIR"
  fi
  exit "$rc"
}

# shellcheck disable=SC2317 # called from the INT/TERM traps
on_signal() {
  rc=$1
  signalled=$((signalled + 1))
  if [[ -z $child ]]; then
    exit "$rc" # still starting up: the EXIT trap stops what is running
  fi
  # The command runs in its own process group (set -m below): signal all
  # of it, e.g. both `go test` and the test binaries it spawned. A second
  # signal kills it outright.
  if ((signalled == 1)); then
    log "run: signal received; stopping the command"
    kill -TERM -- "-$child" 2>/dev/null || true
  else
    kill -KILL -- "-$child" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

env_file=$(SPT_RUN_DIR=$SVC_DIR "$here/start.sh" "${services[@]}" | tail -n 1)
[[ -f $env_file ]] || die "start.sh did not produce services.env"

set -a
# shellcheck source=/dev/null
. "$env_file"
set +a
export SPT_REQUIRE_SERVICES=1

log "run: $*"
# Run the command as a background job with job control on, so it gets its
# own process group and this shell can react to INT/TERM at once (a
# foreground child would delay the traps until it exits).
set +e
set -m
"$@" &
child=$!
set +m
while :; do
  wait "$child"
  status=$?
  # wait returns early (status > 128) when a trap ran; keep waiting.
  kill -0 "$child" 2>/dev/null || break
done
set -e
((signalled)) || rc=$status
log "run: command exited with $status"
exit "$rc"
