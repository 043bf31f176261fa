#!/usr/bin/env bash
# Run a project-private PostgreSQL and Redis on loopback for tests and local production runs.
#   scripts/services.sh         install from Debian when missing, start both, print their URLs
#   scripts/services.sh stop    stop both (their data under .services/ stays)
#   scripts/services.sh env     print the URLs only, as `export` lines for `eval`
# Data lives under .services/ (git-ignored). Ports: NOMOS_PG_PORT (default 55432) and
# NOMOS_REDIS_PORT (default 56379), both far from the defaults so a system server can run beside.
# As root, both servers run as Debian's `postgres` user, because PostgreSQL refuses to run as root.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
SERVICES=$ROOT/.services
PG_PORT=${NOMOS_PG_PORT:-55432}
REDIS_PORT=${NOMOS_REDIS_PORT:-56379}
PASSWORD_FILE=$SERVICES/postgres.password
SERVICE_USER=postgres

log() { printf 'services: %s\n' "$*" >&2; }
fail() {
    printf 'services: %s\n' "$*" >&2
    exit 1
}

as_service_user() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u "$SERVICE_USER" -- "$@"
    else
        "$@"
    fi
}

pg_bin() {
    # Debian installs one folder per major version; take the newest.
    local dir
    dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
    [[ -n $dir ]] || fail "PostgreSQL is not installed under /usr/lib/postgresql"
    printf '%s/%s' "$dir" "$1"
}

install_missing() {
    local packages=()
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || packages+=(postgresql)
    command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
    [[ ${#packages[@]} -eq 0 ]] && return
    if [[ $(id -u) -ne 0 ]]; then
        fail "${packages[*]} missing; install as root: apt-get update && apt-get install -y ${packages[*]}"
    fi
    log "installing ${packages[*]} from Debian"
    # No questions (no terminal in CI), and wait up to 5 minutes for another apt or dpkg run to finish.
    local apt_options=(-qq -o DPkg::Lock::Timeout=300)
    DEBIAN_FRONTEND=noninteractive apt-get "${apt_options[@]}" update
    DEBIAN_FRONTEND=noninteractive apt-get "${apt_options[@]}" install -y --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${packages[@]}" >/dev/null
}

prepare_folder() {
    # The service user needs its own folders; only the owner may read the cluster.
    mkdir -p "$1"
    if [[ $(id -u) -eq 0 ]]; then
        chown "$SERVICE_USER:" "$1"
    fi
    chmod 700 "$1"
}

pg_password() {
    if [[ ! -s $PASSWORD_FILE ]]; then
        (umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$PASSWORD_FILE")
    fi
    cat "$PASSWORD_FILE"
}

start_postgres() {
    if [[ ! -f $PG_DATA/PG_VERSION ]]; then
        log "creating the PostgreSQL cluster in $PG_DATA"
        prepare_folder "$PG_DATA"
        local pwfile
        pwfile=$(mktemp)
        pg_password >"$pwfile"
        [[ $(id -u) -eq 0 ]] && chown "$SERVICE_USER:" "$pwfile"
        as_service_user "$(pg_bin initdb)" --pgdata="$PG_DATA" --username=nomos --pwfile="$pwfile" \
            --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$SERVICES/initdb.log"
        rm -f "$pwfile"
    fi
    if as_service_user "$(pg_bin pg_ctl)" status --pgdata="$PG_DATA" >/dev/null 2>&1; then
        log "PostgreSQL already runs on 127.0.0.1:$PG_PORT"
        return
    fi
    # TCP on loopback only, and no Unix socket, so nothing depends on /var/run/postgresql.
    as_service_user "$(pg_bin pg_ctl)" start --pgdata="$PG_DATA" --wait --log="$PG_DATA/server.log" \
        --options="-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories='' -c fsync=off" \
        >/dev/null || fail "PostgreSQL did not start; see $PG_DATA/server.log"
    log "PostgreSQL started on 127.0.0.1:$PG_PORT"
}

redis_ping() {
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG
}

start_redis() {
    if redis_ping; then
        log "Redis already runs on 127.0.0.1:$REDIS_PORT"
        return
    fi
    prepare_folder "$REDIS_DIR"
    # Redis keeps only the tabs' UI state, so nothing is saved to disk and a restart of Redis drops it.
    as_service_user redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
        --daemonize yes --dir "$REDIS_DIR" --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log"
    for _ in $(seq 50); do
        redis_ping && break
        sleep 0.1
    done
    redis_ping || fail "Redis did not start; see $REDIS_DIR/redis.log"
    log "Redis started on 127.0.0.1:$REDIS_PORT"
}

print_env() {
    local url
    url="postgresql+psycopg://nomos:$(pg_password)@127.0.0.1:$PG_PORT"
    # The test suite creates and drops its own databases through TEST_DATABASE_URL.
    printf 'export DATABASE_URL=%s/nomos\n' "$url"
    printf 'export TEST_DATABASE_URL=%s/nomos\n' "$url"
    printf 'export REDIS_URL=redis://127.0.0.1:%s/0\n' "$REDIS_PORT"
    printf 'export TEST_REDIS_URL=redis://127.0.0.1:%s/1\n' "$REDIS_PORT"
}

create_portal_database() {
    # `nomos` is the database for a local production run; tests use databases of their own.
    local exists
    exists=$(PGPASSWORD=$(pg_password) psql -h 127.0.0.1 -p "$PG_PORT" -U nomos -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'nomos'")
    if [[ $exists != 1 ]]; then
        PGPASSWORD=$(pg_password) psql -h 127.0.0.1 -p "$PG_PORT" -U nomos -d postgres -qc "CREATE DATABASE nomos"
    fi
}

stop_all() {
    if [[ -f $PG_DATA/PG_VERSION ]] &&
        as_service_user "$(pg_bin pg_ctl)" status --pgdata="$PG_DATA" >/dev/null 2>&1; then
        as_service_user "$(pg_bin pg_ctl)" stop --pgdata="$PG_DATA" --mode=fast --wait >/dev/null
        log "PostgreSQL stopped"
    fi
    if redis_ping; then
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
        log "Redis stopped"
    fi
}

choose_data_home() {
    # The service user must be able to enter the checkout. It cannot enter a clone inside a private
    # folder (mode 700), so then the server data goes to a folder of its own under /var/tmp.
    DATA_HOME=$SERVICES
    if [[ $(id -u) -eq 0 ]] && id "$SERVICE_USER" >/dev/null 2>&1 && ! runuser -u "$SERVICE_USER" -- test -x "$ROOT"; then
        DATA_HOME=/var/tmp/nomos_portal-services-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)
        log "$SERVICE_USER cannot enter $ROOT; keeping the server data in $DATA_HOME"
    fi
    PG_DATA=$DATA_HOME/postgres
    REDIS_DIR=$DATA_HOME/redis
    mkdir -p "$SERVICES" "$DATA_HOME"
}

case "${1:-start}" in
    start)
        install_missing
        choose_data_home
        start_postgres
        create_portal_database
        start_redis
        print_env
        ;;
    stop)
        choose_data_home
        stop_all
        ;;
    env) print_env ;;
    *) fail "unknown mode '$1'; use start (default), stop or env" ;;
esac
