#!/usr/bin/env bash
# Start the test services on random 127.0.0.1 ports.
# Usage: start.sh [service...]   (default: all; deps such as certs are added)
# Run dir: $SPT_RUN_DIR if set (must be empty or missing), else a new
# mktemp -d; chmod 755 so the postgres/mosquitto users can traverse it.
# Writes $SVC_DIR/services.env (shell syntax, single-quoted values) and
# prints its path as the last line on stdout. On any failure it prints the
# failing service's log tail, stops everything it started, and exits 1.
# Services start in parallel as soon as their deps (SVC_DEPS) are up.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
umask 022

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
svc_load_all

SVC_DIR=${SPT_RUN_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/spt-svc.XXXXXX")}
mkdir -p "$SVC_DIR"
if [[ -n $(ls -A "$SVC_DIR") ]]; then
  die "run dir $SVC_DIR is not empty (stale data dirs would clash); use a new one"
fi
SVC_DIR=$(cd "$SVC_DIR" && pwd)
chmod 755 "$SVC_DIR"
export SVC_DIR
mkdir -p "$SVC_DIR/logs" "$SVC_DIR/env.d" "$SVC_DIR/pids"

if (($#)); then requested=("$@"); else mapfile -t requested < <(svc_list); fi
services_list=$(svc_with_deps "${requested[@]}") || exit 1
mapfile -t services <<<"$services_list"
((${#services[@]})) || die "no services"

fail() {
  log "$1"
  log "stopping what was started in $SVC_DIR"
  "$here/stop.sh" "$SVC_DIR" || true
  exit 1
}
trap 'fail "interrupted"' INT TERM

show_logs() {
  local s=$1 f
  for f in "$SVC_DIR/logs/$s.log" "$SVC_DIR/$s"/*.log "$SVC_DIR/$s"/*/*.log; do
    [[ -s $f ]] || continue
    printf '\n----- %s (last 30 lines) -----\n' "$f" >&2
    tail -n 30 "$f" >&2 || true
  done
}

total_start=$(now_ms)
declare -A state=() pid_of=() start_of=()
for s in "${services[@]}"; do state[$s]=pending; done
failed=()

launch_ready() {
  local s d ok
  for s in "${services[@]}"; do
    [[ ${state[$s]} == pending ]] || continue
    ok=1
    for d in ${SVC_DEPS[$s]:-}; do
      [[ ${state[$d]:-} == up ]] || ok=0
    done
    ((ok)) || continue
    state[$s]=starting
    start_of[$s]=$(now_ms)
    (
      export SVC_ENV_FILE=$SVC_DIR/env.d/$s.env
      : >"$SVC_ENV_FILE"
      "start_$s"
    ) >"$SVC_DIR/logs/$s.log" 2>&1 &
    pid_of[$s]=$!
  done
}

launch_ready
while ((${#pid_of[@]})); do
  done_pid=
  rc=0
  wait -n -p done_pid "${pid_of[@]}" || rc=$?
  for s in "${!pid_of[@]}"; do
    [[ ${pid_of[$s]} == "$done_pid" ]] || continue
    unset "pid_of[$s]"
    if ((rc == 0)); then
      state[$s]=up
      log "start $s: up in $(elapsed "${start_of[$s]}")"
    else
      state[$s]=failed
      failed+=("$s")
      log "start $s: FAILED (rc=$rc) after $(elapsed "${start_of[$s]}")"
      show_logs "$s"
    fi
  done
  # After a failure, start nothing new; let in-flight starts finish so that
  # every pid they spawn is recorded before stop.sh runs.
  ((${#failed[@]})) || launch_ready
done

((${#failed[@]} == 0)) || fail "failed to start: ${failed[*]}"
for s in "${services[@]}"; do
  [[ ${state[$s]} == up ]] || fail "service $s was never started (dependency failed?)"
done

env_file=$SVC_DIR/services.env
{
  printf '# test services started %(%F %T)T; stop with: %s %s\n' -1 "$here/stop.sh" "$SVC_DIR"
  printf "SPT_SERVICES_DIR='%s'\n" "$SVC_DIR"
  for s in "${services[@]}"; do cat "$SVC_DIR/env.d/$s.env"; done
} >"$env_file.tmp"
mv "$env_file.tmp" "$env_file"
chmod 644 "$env_file"
trap - INT TERM
log "start: ${services[*]} up in $(elapsed "$total_start")"
printf '%s\n' "$env_file"
