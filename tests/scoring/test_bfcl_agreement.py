"""BFCL's own ast_checker (bfcl-eval, in .venv-bfcl) against ours on the shared BFCL sample: every row where the
verdicts differ must be one of the explained cases in benchmarks/bfcl_agreement.py (all of them BFCL bugs)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BFCL_PYTHON = REPO / ".venv-bfcl" / "bin" / "python"
SHARED_V4 = REPO.parent / "shared" / "sources" / "bfcl" / "v4"


@pytest.mark.slow
@pytest.mark.skipif(not BFCL_PYTHON.exists(), reason="bfcl-eval is not installed: bash scripts/setup_bfcl_env.sh")
@pytest.mark.skipif(not SHARED_V4.is_dir(), reason=f"the shared BFCL sample is not beside the repo ({SHARED_V4})")
def test_same_verdict_as_bfcl_wherever_bfcl_is_right() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bfcl_agreement.py"), "--data", str(SHARED_V4), "--rounds", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "UNEXPLAINED" not in done.stdout
    match = re.search(r"agreement: (\d+)/(\d+)", done.stdout)
    assert match, done.stdout
    agreed, judged = int(match.group(1)), int(match.group(2))
    assert judged > 1000
    assert agreed / judged > 0.97, done.stdout
    assert "BFCL crashed on 0" in done.stdout
