# shellcheck shell=bash
# Shared helpers for the integration-test service harness.
# Sourced by install.sh, start.sh, stop.sh, run.sh and every services/<name>.sh.
# Nothing here starts anything by itself.

# Directory of this file, the repo root and the cache.
SPT_HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034 # used by services/*.sh
SPT_REPO_ROOT=$(cd "$SPT_HARNESS_DIR/../.." && pwd)
SPT_CACHE=${SPT_CACHE:-$HOME/.cache/spacectl-preflight/testsvc}
export SPT_CACHE

# Go may not be on PATH in a bare CI shell.
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  PATH=$PATH:/usr/local/go/bin
fi
PATH=$SPT_CACHE/bin:$PATH
export PATH

# Dependencies between services: SVC_DEPS[name]="dep1 dep2". A service file
# sets its own entry; start.sh starts a service only after its deps are up.
declare -gA SVC_DEPS=()

# svc_deps NAME DEP...: declare that NAME needs DEP... started first.
svc_deps() {
  SVC_DEPS[$1]="${*:2}"
}

# ---------------------------------------------------------------- logging

log() {
  printf '[testsvc %(%H:%M:%S)T] %s\n' -1 "$*" >&2
}

die() {
  log "ERROR: $*"
  exit 1
}

# now_ms: milliseconds since the epoch (for timings).
now_ms() {
  local s=${EPOCHREALTIME/./}
  printf '%s\n' "${s:0:-3}"
}

# elapsed START_MS: "1.23s" since START_MS.
elapsed() {
  local d=$(($(now_ms) - $1))
  printf '%d.%02ds' $((d / 1000)) $((d % 1000 / 10))
}

# ---------------------------------------------------------------- services

# svc_list: every service name, one per line, in file-name order.
svc_list() {
  local f
  for f in "$SPT_HARNESS_DIR"/services/*.sh; do
    f=${f##*/}
    printf '%s\n' "${f%.sh}"
  done
}

# svc_load_all: source every services/<name>.sh.
svc_load_all() {
  local f
  for f in "$SPT_HARNESS_DIR"/services/*.sh; do
    # shellcheck source=/dev/null
    . "$f"
  done
}

# svc_exists NAME
svc_exists() {
  [[ -f $SPT_HARNESS_DIR/services/$1.sh ]]
}

# svc_with_deps NAME...: the names plus their deps (recursively), deps first,
# each once.
svc_with_deps() {
  local -A seen=()
  local -a out=()
  _svc_visit() {
    local n=$1 d
    [[ -n ${seen[$n]:-} ]] && return 0
    seen[$n]=1
    svc_exists "$n" || die "unknown service: $n (have: $(svc_list | tr '\n' ' '))"
    for d in ${SVC_DEPS[$n]:-}; do _svc_visit "$d"; done
    out+=("$n")
  }
  local n
  for n in "$@"; do _svc_visit "$n"; done
  printf '%s\n' "${out[@]}"
}

# ---------------------------------------------------------------- run dir

# svc_dir NAME: create and print $SVC_DIR/NAME (the service's working dir;
# every *.log in it is shown when the service fails to start).
svc_dir() {
  local d=$SVC_DIR/$1
  mkdir -p "$d"
  chmod 755 "$d"
  printf '%s\n' "$d"
}

# emit VAR VALUE: append VAR='VALUE' to the services env file
# ($SVC_ENV_FILE; start.sh points it at a per-service fragment and merges
# them into $SVC_DIR/services.env). Values are single-quoted so the file can
# be sourced by sh/bash even when they hold '&' or ';'.
emit() {
  local var=$1 val=$2
  [[ $var =~ ^[A-Z_][A-Z0-9_]*$ ]] || die "emit: bad variable name: $var"
  [[ -n ${SVC_ENV_FILE:-} ]] || die "emit: SVC_ENV_FILE is not set"
  printf "%s='%s'\n" "$var" "${val//\'/\'\\\'\'}" >>"$SVC_ENV_FILE"
}

# secret: a random hex string, safe in URLs and env files.
secret() {
  openssl rand -hex "${1:-12}"
}

# ---------------------------------------------------------------- ports

# free_port: print a free 127.0.0.1 TCP port. Ports handed out in this run
# are remembered in $SVC_DIR/.ports so parallel starts never get the same one.
free_port() {
  local p i py
  # Prefer the system python: a pyenv shim costs ~100 ms per call.
  py=$(command -v /usr/bin/python3 || command -v python3 || true)
  for ((i = 0; i < 50; i++)); do
    if [[ -n $py ]]; then
      p=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    else
      p=$((20000 + RANDOM % 40000))
      # Something answers there: taken.
      if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then continue; fi
    fi
    if [[ -n ${SVC_DIR:-} ]]; then
      (
        flock 9
        if grep -qx "$p" "$SVC_DIR/.ports" 2>/dev/null; then exit 1; fi
        printf '%s\n' "$p" >>"$SVC_DIR/.ports"
      ) 9>>"$SVC_DIR/.ports.lock" || continue
    fi
    printf '%s\n' "$p"
    return 0
  done
  die "free_port: no free port found"
}

# port_open PORT: true when something accepts TCP on 127.0.0.1:PORT.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# ---------------------------------------------------------------- waiting

# wait_until [--pid PID] TIMEOUT_SECONDS DESCRIPTION CMD...
# Run CMD every 50 ms until it succeeds. Fails after the timeout, or at once
# when PID (the server being waited for) has exited.
wait_until() {
  local pid=
  if [[ $1 == --pid ]]; then
    pid=$2
    shift 2
  fi
  local timeout=$1 desc=$2
  shift 2
  local start deadline
  start=$(now_ms)
  deadline=$((start + timeout * 1000))
  while ! "$@" >/dev/null 2>&1; do
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      log "$desc: process $pid exited before it was ready"
      return 1
    fi
    if (($(now_ms) > deadline)); then
      log "$desc: not ready after ${timeout}s"
      return 1
    fi
    sleep 0.05
  done
  log "$desc: ready in $(elapsed "$start")"
}

# ---------------------------------------------------------------- processes

# proc_start_time PID: the process start time (field 22 of /proc/PID/stat),
# used to make sure a pidfile still names the process we started. Fails
# when the process is gone or a zombie.
proc_start_time() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  # After "comm) " the fields start at field 3; start time is field 22.
  local -a f
  read -r -a f <<<"$stat"
  # A zombie has exited already: treat it as gone.
  [[ ${f[0]} != Z ]] || return 1
  printf '%s\n' "${f[19]}"
}

# record_pid NAME PID: write $SVC_DIR/pids/NAME.pid ("PID STARTTIME").
record_pid() {
  local name=$1 pid=$2 st
  mkdir -p "$SVC_DIR/pids"
  st=$(proc_start_time "$pid") || st=0
  printf '%s %s\n' "$pid" "$st" >"$SVC_DIR/pids/$name.pid"
}

# pid_alive_as_recorded PIDFILE: print the pid when that process is still
# the one that was recorded.
pid_alive_as_recorded() {
  local pid st cur
  read -r pid st <"$1" 2>/dev/null || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  cur=$(proc_start_time "$pid") || return 1
  [[ $st == 0 || $cur == "$st" ]] || return 1
  printf '%s\n' "$pid"
}

# spawn NAME LOGFILE CMD...: start CMD in the background in its own session
# (so stop.sh can signal its whole process group), with cwd $SVC_DIR/NAME when
# that exists, stdout+stderr to LOGFILE; record its pid. Sets SPAWNED_PID.
spawn() {
  local name=$1 logfile=$2 cwd=$SVC_DIR
  shift 2
  [[ -d $SVC_DIR/$name ]] && cwd=$SVC_DIR/$name
  (cd "$cwd" && exec setsid "$@") </dev/null >>"$logfile" 2>&1 &
  SPAWNED_PID=$!
  record_pid "$name" "$SPAWNED_PID"
  log "$name: started pid $SPAWNED_PID"
}

# ---------------------------------------------------------------- install helpers

# with_lock NAME CMD...: run CMD holding $SPT_CACHE/.NAME.lock.
with_lock() {
  local name=$1
  shift
  mkdir -p "$SPT_CACHE"
  (
    flock 8
    "$@"
  ) 8>"$SPT_CACHE/.$name.lock"
}

# apt_ensure PKG...: install the Debian packages that are missing; only then
# run apt-get update (once per install.sh run). Serialised across services.
apt_ensure() {
  local -a missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  with_lock apt _apt_install "${missing[@]}"
}

_apt_install() {
  local stamp=$SPT_CACHE/.apt-updated.${SPT_INSTALL_ID:-$$}
  if [[ ! -e $stamp ]]; then
    log "apt: apt-get update (missing: $*)"
    apt-get update -qq
    : >"$stamp"
  fi
  log "apt: installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# go_install_bin BIN MODULE@VERSION: go install into $SPT_CACHE/bin unless
# $SPT_CACHE/bin/BIN.version already says MODULE@VERSION. Go builds are
# serialised (2 cores).
go_install_bin() {
  local bin=$1 modver=$2
  local stamp=$SPT_CACHE/bin/$bin.version
  if [[ -x $SPT_CACHE/bin/$bin && "$(cat "$stamp" 2>/dev/null)" == "$modver" ]]; then
    log "go: $bin is up to date ($modver)"
    return 0
  fi
  with_lock go _go_install "$bin" "$modver"
}

_go_install() {
  local bin=$1 modver=$2 start
  start=$(now_ms)
  mkdir -p "$SPT_CACHE/bin"
  log "go: go install $modver"
  rm -f "$SPT_CACHE/bin/$bin.version"
  (cd "$SPT_CACHE" && GOBIN=$SPT_CACHE/bin GOFLAGS=-buildvcs=false go install "$modver")
  printf '%s\n' "$modver" >"$SPT_CACHE/bin/$bin.version"
  log "go: built $bin in $(elapsed "$start")"
}

# go_build_local BIN DIR: go build the module in DIR (inside this repo) into
# $SPT_CACHE/bin/BIN; the stamp is a hash of DIR's go.mod, go.sum and *.go.
go_build_local() {
  local bin=$1 dir=$2 hash
  hash=$(cd "$dir" && cat go.mod go.sum ./*.go | sha256sum | cut -c1-16)
  if [[ -x $SPT_CACHE/bin/$bin && "$(cat "$SPT_CACHE/bin/$bin.version" 2>/dev/null)" == "local-$hash" ]]; then
    log "go: $bin is up to date (local-$hash)"
    return 0
  fi
  with_lock go _go_build_local "$bin" "$dir" "$hash"
}

_go_build_local() {
  local bin=$1 dir=$2 hash=$3 start
  start=$(now_ms)
  mkdir -p "$SPT_CACHE/bin"
  log "go: go build $dir"
  rm -f "$SPT_CACHE/bin/$bin.version"
  (cd "$dir" && GOFLAGS=-buildvcs=false go build -trimpath -o "$SPT_CACHE/bin/$bin" .)
  printf 'local-%s\n' "$hash" >"$SPT_CACHE/bin/$bin.version"
  log "go: built $bin in $(elapsed "$start")"
}

# npm_ensure NAME PACKAGE_JSON: keep an npm tree in
# $SPT_CACHE/npm/NAME whose package.json is exactly PACKAGE_JSON. Reinstalls
# only when package.json changes or node_modules is missing.
npm_ensure() {
  local name=$1 pkg=$2
  local dir=$SPT_CACHE/npm/$name
  mkdir -p "$dir"
  if [[ -d $dir/node_modules && -f $dir/.installed && "$(cat "$dir/.installed")" == "$pkg" ]]; then
    log "npm: $name is up to date"
    return 0
  fi
  local start
  start=$(now_ms)
  log "npm: installing $name"
  rm -f "$dir/.installed"
  printf '%s\n' "$pkg" >"$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --no-update-notifier --loglevel=error >/dev/null)
  printf '%s\n' "$pkg" >"$dir/.installed"
  log "npm: installed $name in $(elapsed "$start")"
}

# ensure_traversable USER PATH: make every directory from / down to PATH
# searchable (x) by USER. Uses an ACL for USER when setfacl works, else o+x.
# Needed because the cache defaults to root's 0700 $HOME and Postgres must
# run as the postgres user.
ensure_traversable() {
  local user=$1 path=$2 d=
  local -a parts
  IFS=/ read -r -a parts <<<"${path#/}"
  local p
  for p in "${parts[@]}"; do
    d=$d/$p
    [[ -d $d ]] || break
    if ! runuser -u "$user" -- test -x "$d" 2>/dev/null; then
      if command -v setfacl >/dev/null 2>&1 && setfacl -m "u:$user:x" "$d" 2>/dev/null; then
        log "granted $user search access to $d (ACL)"
      else
        chmod o+x "$d"
        log "granted search access (o+x) to $d so $user can reach it"
      fi
    fi
  done
}
