#!/usr/bin/env bash
# Start or stop the portal in production mode: several instances on loopback ports behind a reverse
# proxy, each serving the built frontend, the websocket and the portal's routes on its port.
#   scripts/serve-production.sh                migrate, build the frontend once, start the instances
#   scripts/serve-production.sh restart PORT   replace one instance's worker processes with new ones
#   scripts/serve-production.sh stop [PORT]    stop the instances this script started, or one of them
# A restart keeps the code and build, so a new release needs stop and start. A stopping worker closes
# its websockets over NOMOS_DRAIN_SECONDS (10 s by default in production), so its browser tabs move
# to the other instances a few at a time.
# Reads the portal's settings from the environment (NOMOS_ENV=production, DATABASE_URL, REDIS_URL, ...)
# and these variables:
#   SERVE_INSTANCES    number of instances (default 2)
#   SERVE_FIRST_PORT   port of the first instance; the others follow (default 8001)
#   SERVE_PUBLIC_PORT  port of a plain-HTTP proxy in front, e.g. 8080, which the pages use for their
#                      websocket; leave it empty behind HTTPS on port 443 or HTTP on port 80
#   GRANIAN_WORKERS    worker processes per instance (default 1)
# All instances serve one build in .web-prod/build: two builds of the same code name their JavaScript
# files differently, so a page from one instance could not load its files from another. Logs and
# process ids go to .run/.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh

INSTANCES=${SERVE_INSTANCES:-2}
FIRST_PORT=${SERVE_FIRST_PORT:-8001}
PUBLIC_PORT=${SERVE_PUBLIC_PORT:-}
WORKERS=${GRANIAN_WORKERS:-1}
BUILD_DIR=.web-prod/build
RUN_DIR=.run
START_TIMEOUT_SECONDS=120

log() { printf 'serve-production: %s\n' "$*" >&2; }
fail() {
    printf 'serve-production: %s\n' "$*" >&2
    exit 1
}

# The built frontend opens its websocket on the page's own host name, at this port.
api_url() {
    printf '%s' "${REFLEX_API_URL:-http://localhost${PUBLIC_PORT:+:$PUBLIC_PORT}}"
}

is_running() {
    local pid_file=$RUN_DIR/portal-$1.pid
    [[ -e $pid_file ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

port_in_use() {
    (: </dev/tcp/127.0.0.1/"$1") 2>/dev/null
}

# Seconds a stopping instance may take beyond its drain before it is killed.
STOP_GRACE_SECONDS=15

stop_timeout() {
    local drain=${NOMOS_DRAIN_SECONDS:-10}
    printf '%s' $((${drain%.*} + STOP_GRACE_SECONDS))
}

# Wait until none of the given processes runs any more; fails after $1 seconds.
wait_for_exit() {
    local timeout=$1 deadline pid alive
    shift
    deadline=$((SECONDS + timeout))
    while ((SECONDS < deadline)); do
        alive=0
        for pid in "$@"; do
            kill -0 "$pid" 2>/dev/null && alive=1
        done
        ((alive)) || return 0
        sleep 0.2
    done
    return 1
}

stop_instance() {
    local port=$1 pid_file=$RUN_DIR/portal-$1.pid pid
    [[ -e $pid_file ]] || return 0
    pid=$(cat "$pid_file")
    # Each instance leads its own process group (setsid), which contains its Granian workers. The
    # signal goes to the leader alone: Granian passes it on, and each worker drains its websockets.
    # A signal to the whole group could reach a worker twice, and a second SIGTERM skips the drain.
    if kill -0 "$pid" 2>/dev/null; then
        log "stopping the instance on port $port (its websockets close over the drain time)"
        kill -TERM "$pid" 2>/dev/null || true
        wait_for_exit "$(stop_timeout)" "$pid" || log "the instance on port $port did not stop in time; killing it"
        kill -KILL -- "-$pid" 2>/dev/null || true
        log "stopped the instance on port $port"
    fi
    rm -f "$pid_file"
}

stop_all() {
    local pid_file port
    for pid_file in "$RUN_DIR"/portal-*.pid; do
        [[ -e $pid_file ]] || continue
        port=${pid_file##*/portal-}
        stop_instance "${port%.pid}"
    done
}

start_instance() {
    local port=$1 pid
    port_in_use "$port" && fail "port $port is taken by another program"
    log "starting an instance on 127.0.0.1:$port (log: $RUN_DIR/portal-$port.log)"
    REFLEX_API_URL=$(api_url) REFLEX_WEB_WORKDIR=$BUILD_DIR GRANIAN_WORKERS=$WORKERS \
        setsid python -m nomos_portal serve --host 127.0.0.1 --port "$port" \
        </dev/null >"$RUN_DIR/portal-$port.log" 2>&1 &
    pid=$!
    echo "$pid" >"$RUN_DIR/portal-$port.pid"
}

wait_until_answering() {
    local port=$1 pid deadline=$((SECONDS + START_TIMEOUT_SECONDS))
    pid=$(cat "$RUN_DIR/portal-$port.pid")
    while ((SECONDS < deadline)); do
        kill -0 "$pid" 2>/dev/null || fail "the instance on port $port exited; see $RUN_DIR/portal-$port.log"
        if curl --silent --fail --max-time 2 --output /dev/null "http://127.0.0.1:$port/ping" &&
            curl --silent --fail --max-time 5 --output /dev/null "http://127.0.0.1:$port/"; then
            log "instance on port $port is ready"
            return
        fi
        sleep 0.5
    done
    fail "the instance on port $port did not answer within $START_TIMEOUT_SECONDS s; see $RUN_DIR/portal-$port.log"
}

check_settings() {
    python -m nomos_portal check-settings >/dev/null
    if ((INSTANCES > 1 || WORKERS > 1)) && [[ -z ${REDIS_URL:-} ]]; then
        fail "several workers need REDIS_URL, so that each can load the state of any browser tab"
    fi
}

build_frontend() {
    log "building the frontend into $BUILD_DIR for websockets on $(api_url) (log: $RUN_DIR/build.log)"
    REFLEX_API_URL=$(api_url) REFLEX_WEB_WORKDIR=$BUILD_DIR \
        reflex export --frontend-only --no-zip --env prod </dev/null >"$RUN_DIR/build.log" 2>&1 ||
        fail "the frontend build failed; see $RUN_DIR/build.log"
}

start_all() {
    mkdir -p "$RUN_DIR" .web-prod
    local i port
    for ((i = 0; i < INSTANCES; i++)); do
        port=$((FIRST_PORT + i))
        if is_running "$port"; then
            fail "an instance already runs on port $port; use 'restart $port' or 'stop' first"
        fi
    done
    check_settings
    python -m nomos_portal migrate
    build_frontend
    # An instance that fails to start takes the others down with it.
    trap 'if (($? != 0)); then stop_all; fi' EXIT
    for ((i = 0; i < INSTANCES; i++)); do
        start_instance $((FIRST_PORT + i))
    done
    for ((i = 0; i < INSTANCES; i++)); do
        wait_until_answering $((FIRST_PORT + i))
    done
}

restart_one() {
    local port=${1:-} pid old_workers
    [[ $port =~ ^[0-9]+$ ]] || fail "restart needs the instance's port, e.g. restart $FIRST_PORT"
    [[ -f $BUILD_DIR/build/client/index.html ]] || fail "no build in $BUILD_DIR; start the instances first"
    check_settings
    mkdir -p "$RUN_DIR"
    if ! is_running "$port"; then
        start_instance "$port"
        wait_until_answering "$port"
        return
    fi
    # SIGHUP makes Granian start new worker processes on the same socket and stop the old ones 3.5 s
    # later (its respawn interval), so the port keeps accepting connections. The new processes fork
    # from the running instance, so they run the code it loaded at its start.
    pid=$(cat "$RUN_DIR/portal-$port.pid")
    read -r -a old_workers <<<"$(pgrep -P "$pid" | tr '\n' ' ')"
    log "restarting the workers of the instance on port $port"
    kill -HUP "$pid"
    if ((${#old_workers[@]})) && ! wait_for_exit $(($(stop_timeout) + 5)) "${old_workers[@]}"; then
        fail "the old workers on port $port still run; see $RUN_DIR/portal-$port.log"
    fi
    wait_until_answering "$port"
}

case "${1:-start}" in
    start) start_all ;;
    restart) restart_one "${2:-}" ;;
    stop) if [[ -n ${2:-} ]]; then stop_instance "$2"; else stop_all; fi ;;
    *) fail "unknown mode '$1'; use start (default), restart PORT or stop" ;;
esac
