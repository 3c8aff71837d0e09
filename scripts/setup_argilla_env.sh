#!/usr/bin/env bash
# Build .venv-argilla: the Argilla v2 server (`argilla-server`), which the Argilla round-trip tests start on
# loopback (tests/argilla/server/launch.py). It lives in its own venv because its pins (click<8.2, fastapi,
# sqlalchemy, httpx 0.27, ...) conflict with the main .venv, where only the SDK (`argilla`) is installed.
#
# The server also needs Redis (Debian `redis-server`, installed by scripts/setup_test_env.sh). Its search backend,
# Elasticsearch or OpenSearch, cannot run here: the tests register an in-memory engine instead.
#
# Idempotent: a venv that already has the pinned server and imports it is left as it is.
# Usage: scripts/setup_argilla_env.sh [venv dir]   (default: .venv-argilla at the repository root)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$ROOT/.venv-argilla}"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
ARGILLA_SERVER_VERSION="${ARGILLA_SERVER_VERSION:-2.8.0}"
PIP_LOCK="${PIP_LOCK:-/tmp/pip.lock}"

pip_install() {
    # The local find-links/index setup warns once per package about absent folders: keep the log readable.
    local lock=()
    command -v flock >/dev/null 2>&1 && lock=(flock "$PIP_LOCK")
    "${lock[@]}" "$VENV/bin/pip" install --quiet "$@" 2>&1 | { grep -v "is ignored: it is neither" || true; }
}

imports_ok() {
    HF_HUB_OFFLINE=1 "$VENV/bin/python" -c "import argilla_server.search_engine, argilla_server._app, uvicorn" \
        >/dev/null 2>&1
}

if [ -x "$VENV/bin/python" ] && imports_ok \
    && "$VENV/bin/pip" show argilla-server 2>/dev/null | grep -q "^Version: $ARGILLA_SERVER_VERSION\$"; then
    echo "setup_argilla_env: $VENV is ready (argilla-server $ARGILLA_SERVER_VERSION)"
    exit 0
fi

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
pip_install --upgrade pip
# click 8.2 changed how typer-era options are declared; argilla-server 2.8.0's CLI breaks with it.
pip_install "argilla-server==$ARGILLA_SERVER_VERSION" "click<8.2"

if ! imports_ok; then
    echo "setup_argilla_env: $VENV was built but the server does not import:" >&2
    HF_HUB_OFFLINE=1 "$VENV/bin/python" -c "import argilla_server.search_engine, argilla_server._app, uvicorn" >&2
    exit 1
fi
echo "setup_argilla_env: $VENV is ready (argilla-server $ARGILLA_SERVER_VERSION)"
