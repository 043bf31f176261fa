#!/usr/bin/env bash
# Install what the portal needs into the project folder; safe to run again.
#   scripts/setup.sh            virtualenv, Python packages and bun
#   scripts/setup.sh --browser  also Debian's chromium for the browser tests
set -euo pipefail

cd "$(dirname "$0")/.."
BUN_VERSION=1.4.4
PYTHON=${PYTHON:-python3}

log() { printf 'setup: %s\n' "$*"; }
quiet_pip() { grep -v "^WARNING: Location '.*' is ignored" || true; }

if [[ "${1:-}" == "--browser" ]] && ! command -v chromium >/dev/null 2>&1; then
    log "installing Debian's chromium for the browser tests"
    if [[ $(id -u) -ne 0 ]]; then
        echo "setup: chromium is missing; install it as root: apt-get update && apt-get install -y chromium" >&2
        exit 1
    fi
    # Wait up to 5 minutes for another apt or dpkg run to finish.
    DEBIAN_FRONTEND=noninteractive apt-get update -qq -o DPkg::Lock::Timeout=300
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 chromium fonts-dejavu-core >/dev/null
fi

if [[ ! -x .venv/bin/python ]]; then
    log "creating the virtualenv .venv"
    "$PYTHON" -m venv .venv
fi

# Reinstall only when requirements.txt changed since the last successful install.
stamp=.venv/.requirements.sha256
wanted=$(sha256sum requirements.txt | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$wanted" ]]; then
    log "installing Python packages from requirements.txt"
    # Some machines list local package folders that do not exist; pip warns about each one.
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip 2>&1 | quiet_pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt 2>&1 | quiet_pip
    echo "$wanted" > "$stamp"
fi

# Reflex downloads bun from the internet by default; take it from the npm registry instead.
if [[ ! -x .tools/node_modules/.bin/bun ]] || [[ $(.tools/node_modules/.bin/bun --version) != "$BUN_VERSION" ]]; then
    log "installing bun $BUN_VERSION into .tools"
    mkdir -p .tools
    npm install --prefix .tools --no-audit --no-fund --silent "bun@$BUN_VERSION"
fi

log "ready"
