#!/usr/bin/env bash
# A separate environment with BFCL's own evaluator (PyPI `bfcl-eval`), used only by benchmarks/bfcl_agreement.py
# and its test to compare BFCL's ast_checker with curation/scoring/check.py.
#
# Why --no-deps: bfcl-eval's declared dependencies include sentence-transformers and faiss (for BFCL's memory
# backends), which resolve a multi-GB torch with CUDA. The AST checker never touches them. It does import
# bfcl_eval.constants.model_config, which imports every model handler and so every provider SDK; those SDKs are
# installed below, at bfcl-eval's own pins where it pins them. Nothing here installs torch.
# Idempotent: a finished environment is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-bfcl
BFCL_VERSION=2026.3.23
MARKER="$VENV/.installed-$BFCL_VERSION"
if [ -f "$MARKER" ]; then
  exit 0
fi

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
test -x "$VENV/bin/python" || "$PYTHON" -m venv "$VENV"
PIP=("$VENV/bin/pip" install --quiet --disable-pip-version-check)
# CI runs this beside other installers into other venvs; the lock keeps pip runs from overlapping.
LOCK=(flock "${PIP_LOCK:-/tmp/pip.lock}")
command -v flock >/dev/null 2>&1 || LOCK=()

"${LOCK[@]}" "${PIP[@]}" --no-deps "bfcl-eval==$BFCL_VERSION"
# What `import bfcl_eval.eval_checker.ast_eval.ast_checker` needs (model_config imports all handlers).
"${LOCK[@]}" "${PIP[@]}" \
  "numpy==1.26.4" "pydantic>=2.8.2" "python-dotenv>=1.0.1" "tree_sitter==0.21.3" "tree-sitter-java==0.21.0" \
  "tree-sitter-javascript==0.21.4" "openai>=1.86.0" "mistralai==1.7.0" "anthropic>=0.75.0" "cohere==5.18.0" \
  "google-genai>=1.52.0" "qwen-agent" "tenacity>=8.5.0" "writer-sdk>=2.1.0" overrides boto3 requests tqdm \
  "typer>=0.12.5" "tabulate>=0.9.0" "datamodel-code-generator==0.25.7" "filelock==3.20.0" \
  soundfile  # qwen_agent imports soundfile at import time without declaring it

if "$VENV/bin/pip" list 2>/dev/null | grep -qi -E '^(torch|nvidia-)'; then
  echo "setup_bfcl_env: torch or CUDA packages were pulled in; refusing" >&2
  exit 1
fi
"$VENV/bin/python" -c "import bfcl_eval.eval_checker.ast_eval.ast_checker"
touch "$MARKER"
