# shellcheck shell=bash
# The project-local PostgreSQL cluster, for every script that needs one: ops/run, ops/test (its binaries) and
# the benchmarks. Most scripts need only pg_use_local_database and pg_stop_if_started; the smaller helpers
# need PG_DATA (cluster directory) and PG_PORT, and set PG_BIN, PG_PASSWORD and DATABASE_URL.

pg_find_bin() {
  local dir
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    PG_BIN=$(pg_config --bindir)
    return 0
  fi
  for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then PG_BIN=$dir; return 0; fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    PG_BIN=$(dirname "$(command -v initdb)")
    return 0
  fi
  cat >&2 <<'MSG'
PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found.
Install them, for example on Debian or Ubuntu:  sudo apt-get install postgresql
or point the service at a server you already have:  export ConnectionStrings__Postgres='Host=...;Database=...;Username=...;Password=...'
MSG
  return 1
}

# PostgreSQL refuses to run as root; as root, its commands run as the unprivileged postgres user.
pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# The cluster directory must be reachable by the user that owns it. When the project sits under a
# directory the postgres user cannot enter (a root-only home or temp folder), keep the cluster in
# /var/tmp and leave a symlink at PG_DATA.
pg_prepare_dir() {
  mkdir -p "$(dirname "$PG_DATA")"
  if [ "$(id -u)" != 0 ]; then
    return 0
  fi
  if [ -L "$PG_DATA" ] || runuser -u postgres -- test -x "$(dirname "$PG_DATA")"; then
    return 0
  fi
  local outside
  outside=/var/tmp/minimal-backend-postgres-$(printf '%s' "$PWD" | sha256sum | cut -c1-12)
  echo "The postgres user cannot enter $(dirname "$PG_DATA"); keeping the cluster in $outside" >&2
  mkdir -p "$outside"
  chown postgres: "$outside"
  ln -sfn "$outside" "$PG_DATA"
}

pg_init_if_missing() {
  local password_file="$PG_DATA.password"
  if [ ! -s "$password_file" ]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$password_file")
  fi
  PG_PASSWORD=$(cat "$password_file")
  if [ -f "$PG_DATA/PG_VERSION" ]; then
    return 0
  fi
  echo "Creating a PostgreSQL cluster in $PG_DATA (first run)" >&2
  mkdir -p "$PG_DATA"
  [ "$(id -u)" = 0 ] && chown postgres: "$PG_DATA" "$(readlink -f "$PG_DATA")"
  chmod 700 "$PG_DATA"
  local pwfile
  pwfile=$(mktemp)
  printf '%s\n' "$PG_PASSWORD" > "$pwfile"
  [ "$(id -u)" = 0 ] && chown postgres: "$pwfile"
  pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=scram-sha-256 --pwfile="$pwfile" \
    --encoding=UTF8 --locale=C.UTF-8 --no-instructions >/dev/null
  rm -f "$pwfile"
}

pg_is_running() {
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

pg_start() {
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=''" start >/dev/null
}

pg_stop() {
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
}

pg_create_database() {
  local name=$1 output
  if ! output=$(PGPASSWORD=$PG_PASSWORD "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$name" 2>&1); then
    case "$output" in
      *"already exists"*) ;;
      *) echo "$output" >&2; return 1 ;;
    esac
  fi
  DATABASE_URL="Host=127.0.0.1;Port=$PG_PORT;Database=$name;Username=postgres;Password=$PG_PASSWORD"
}

# pg_use_local_database DIRECTORY PORT NAME [fresh]: the cluster in DIRECTORY (created on the first run),
# started on 127.0.0.1:PORT unless it already runs there, and its database NAME (dropped first when the
# fourth argument is "fresh"); exports ConnectionStrings__Postgres for it. PG_STARTED says whether this
# call started the cluster, so that pg_stop_if_started leaves a cluster someone else started alone.
pg_use_local_database() {
  PG_DATA=$1
  PG_PORT=$2
  local name=$3 fresh=${4:-}
  pg_find_bin
  pg_prepare_dir
  pg_init_if_missing
  if pg_is_running; then
    echo "PostgreSQL is already running from $PG_DATA; reusing it" >&2
  else
    echo "Starting PostgreSQL on 127.0.0.1:$PG_PORT" >&2
    pg_start
    PG_STARTED=true
  fi
  if [ "$fresh" = fresh ]; then
    PGPASSWORD=$PG_PASSWORD PGOPTIONS="-c client_min_messages=warning" \
      "$PG_BIN/dropdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres --if-exists "$name"
  fi
  pg_create_database "$name"
  export ConnectionStrings__Postgres=$DATABASE_URL
}

PG_STARTED=false

pg_stop_if_started() {
  if [ "$PG_STARTED" = true ]; then
    echo "Stopping PostgreSQL" >&2
    pg_stop
    PG_STARTED=false
  fi
}
