#!/usr/bin/env bash
# Stop every test service started in a run dir. Never fails.
# Usage: stop.sh SVC_DIR
# 1. each service's stop_<name> hook, if it has one (Postgres: pg_ctl -m fast);
# 2. SIGTERM to every recorded pid (its process group when it leads one);
# 3. SIGKILL to whatever is still alive 2 s later.
# A pidfile holds "PID STARTTIME"; a pid whose start time no longer matches
# (reused by some other process) is left alone.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh" || exit 0

SVC_DIR=${1:-${SVC_DIR:-}}
if [[ -z $SVC_DIR || ! -d $SVC_DIR ]]; then
  log "stop: no run dir given or it does not exist: '${SVC_DIR}'"
  exit 0
fi
export SVC_DIR

svc_load_all || true
for s in $(svc_list); do
  if declare -F "stop_$s" >/dev/null; then
    "stop_$s" || log "stop: stop_$s failed (continuing)"
  fi
done

# _signal SIG PID: signal the process group if PID leads one, else the pid.
_signal() {
  local sig=$1 pid=$2 pgid
  pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ') || pgid=
  if [[ $pgid == "$pid" ]]; then
    kill "-$sig" -- "-$pid" 2>/dev/null || true
  else
    kill "-$sig" "$pid" 2>/dev/null || true
  fi
}

alive=()
for f in "$SVC_DIR"/pids/*.pid; do
  [[ -f $f ]] || continue
  if pid=$(pid_alive_as_recorded "$f"); then
    _signal TERM "$pid"
    alive+=("$f")
  fi
done

if ((${#alive[@]})); then
  for _ in $(seq 20); do
    still=()
    for f in "${alive[@]}"; do
      pid_alive_as_recorded "$f" >/dev/null && still+=("$f")
    done
    alive=("${still[@]}")
    ((${#alive[@]})) || break
    sleep 0.1
  done
  for f in "${alive[@]}"; do
    if pid=$(pid_alive_as_recorded "$f"); then
      log "stop: $(basename "$f" .pid) (pid $pid) ignored SIGTERM; SIGKILL"
      _signal KILL "$pid"
    fi
  done
fi
log "stop: services in $SVC_DIR stopped"
exit 0
