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

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  ((rc != 1 || status == 0)) || rc=$status
  "$here/stop.sh" "$SVC_DIR" || true
  if [[ $made_dir == 1 && $rc == 0 && ${SPT_KEEP_RUN_DIR:-0} != 1 ]]; then
    rm -rf "$SVC_DIR"
  else
    log "run dir kept: $SVC_DIR"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'rc=130; exit 130' INT
trap 'rc=143; exit 143' TERM

env_file=$(SPT_RUN_DIR=$SVC_DIR "$here/start.sh" "${services[@]}" | tail -n 1)
[[ -f $env_file ]] || die "start.sh did not produce services.env"

set -a
# shellcheck source=/dev/null
. "$env_file"
set +a
export SPT_REQUIRE_SERVICES=1

log "run: $*"
set +e
"$@"
rc=$?
set -e
log "run: command exited with $rc"
exit "$rc"
