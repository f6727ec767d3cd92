# Shared by demo.sh and test.sh: create .venv (if needed) and install spikesim with the given extras.
# Usage: source scripts/_env.sh; ensure_env "test"
set -euo pipefail

PY=${PYTHON:-python3}

_as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else return 1; fi
}

ensure_env() {
    local extras=${1:-}
    if ! "$PY" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
        echo "spikesim needs Python >= 3.11 (found: $("$PY" --version 2>&1))" >&2
        exit 1
    fi
    if [ ! -x .venv/bin/python ]; then
        if ! "$PY" -m venv .venv 2>/dev/null; then
            # Debian/Ubuntu ship venv separately (python3.X-venv).
            rm -rf .venv
            local ver
            ver=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
            _as_root apt-get update -qq && _as_root apt-get install -y -qq "python${ver}-venv" >/dev/null
            "$PY" -m venv .venv
        fi
    fi
    local spec="."
    [ -n "$extras" ] && spec=".[$extras]"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e "$spec"
}

ensure_iverilog() {
    command -v iverilog >/dev/null 2>&1 && return 0
    echo "installing Icarus Verilog (apt-get install iverilog)"
    _as_root apt-get update -qq && _as_root apt-get install -y -qq iverilog >/dev/null
}
