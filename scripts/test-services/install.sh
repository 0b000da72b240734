#!/usr/bin/env bash
# Install (or confirm cached) everything the test services need.
# Usage: install.sh [service...]   (default: all services)
# Idempotent: a second run with nothing to do takes about a second.
# Cache: ${SPT_CACHE:-$HOME/.cache/spacectl-preflight/testsvc} (npm trees in
# npm/<service>, Go binaries in bin/ with a <bin>.version stamp each).
# Every service's install_<name> runs in parallel; apt and Go builds are
# serialised by locks inside lib.sh (apt has one dpkg lock; 2 cores for Go).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
umask 022

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
svc_load_all

mkdir -p "$SPT_CACHE"
exec 7>"$SPT_CACHE/.install.lock"
flock 7

SPT_INSTALL_ID=$$
export SPT_INSTALL_ID

if (($#)); then requested=("$@"); else mapfile -t requested < <(svc_list); fi
services_list=$(svc_with_deps "${requested[@]}") || exit 1
mapfile -t services <<<"$services_list"
((${#services[@]})) || die "no services"

logdir=$SPT_CACHE/install-logs
mkdir -p "$logdir"
total_start=$(now_ms)
declare -A pid_of=() start_of=()
for s in "${services[@]}"; do
  start_of[$s]=$(now_ms)
  ("install_$s") >"$logdir/$s.log" 2>&1 &
  pid_of[$s]=$!
done

failed=()
while ((${#pid_of[@]})); do
  done_pid=
  rc=0
  wait -n -p done_pid "${pid_of[@]}" || rc=$?
  for s in "${!pid_of[@]}"; do
    [[ ${pid_of[$s]} == "$done_pid" ]] || continue
    unset "pid_of[$s]"
    if ((rc == 0)); then
      log "install $s: ok in $(elapsed "${start_of[$s]}")"
    else
      log "install $s: FAILED (rc=$rc) after $(elapsed "${start_of[$s]}"); last lines of $logdir/$s.log:"
      tail -n 30 "$logdir/$s.log" >&2 || true
      failed+=("$s")
    fi
  done
done
rm -f "$SPT_CACHE/.apt-updated.$SPT_INSTALL_ID"

((${#failed[@]} == 0)) || die "install failed for: ${failed[*]} (total $(elapsed "$total_start"))"
log "install: all done in $(elapsed "$total_start") (${services[*]})"
