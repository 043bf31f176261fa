# Environment for running Reflex with the project's own bun; source this file.
# Reflex 0.10 wants Node 22 for npm and fetches bun from the internet; both fail
# on machines with Node 20 and no internet, so bun comes from .tools instead.
_nomos_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$_nomos_root/.venv/bin:$_nomos_root/.tools/node_modules/.bin:$PATH"
export REFLEX_USE_SYSTEM_BUN=1
export REFLEX_TELEMETRY_ENABLED=false
export REFLEX_CHECK_LATEST_VERSION=false
unset _nomos_root
