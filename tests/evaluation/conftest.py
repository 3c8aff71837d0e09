"""Fixtures for TRBench: model outputs on real BFCL v4 tasks (../shared/sources/bfcl), written by hand in BFCL's
result / score formats and as plain JSONL, and small benchmarks built from them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[2]
BFCL = REPO.parent / "shared" / "sources" / "bfcl"

# The checker's verdicts below were worked out by hand from the possible answers in BFCL v4:
#   simple_python_28: calculate_displacement(initial_velocity=[10], time=[5], acceleration=[9.8])
#   parallel_4: calculate_bmi(height=[6.0], weight=[80]) and calculate_bmi(height=[5.6], weight=[60])
#   multi_turn_base_21, turn 2: authenticate_twitter(...) then post_tweet(...)
SCORE_LINES = [
    {"accuracy": 0.5, "correct_count": 1, "total_count": 2},
    {
        "id": "simple_python_28",
        "model_name": "model-a",
        "test_category": "simple_python",
        "valid": False,
        "error": ["Invalid value for parameter 'acceleration': 9. Expected one of [9.8]."],
        "error_type": "value_error:others",
        "model_result_raw": "[calculate_displacement(initial_velocity=10, time=5, acceleration=9)]",
        "model_result_decoded": [{"calculate_displacement": {"initial_velocity": 10, "time": 5, "acceleration": 9}}],
    },
]
RESULT_LINES = {
    "BFCL_v4_simple_python_result.json": [  # right: not a rejected response
        {"id": "simple_python_28", "result": "[calculate_displacement(initial_velocity=10, time=5, acceleration=9.8)]"}
    ],
    "BFCL_v4_parallel_result.json": [{"id": "parallel_4", "result": "[calculate_bmi(height=6.0, weight=80)]"}],
    "BFCL_v4_multi_turn_base_result.json": [
        {
            "id": "multi_turn_base_21",
            "result": [
                ["[echo(content='To be discussed', file_name='ProjectOverview.txt')]"],
                ["[diff(file_name1='ProjectOverview.txt', file_name2='Draft.txt')]"],
                [
                    "[post_tweet(content='Initial summary of the project. To be discussed.', "
                    "tags=['#ProjectUpdate'], mentions=['@manager', '@team_lead'])]"
                ],
            ],
        }
    ],
}
JSONL_LINES = [
    json.dumps(
        {
            "id": "parallel_4",
            "model": "model-c",
            "text": (
                '<tool_call>\n{"name": "calculate_bmi", "arguments": {"height": 6.0, "weight": "80"}}\n</tool_call>'
                '\n<tool_call>\n{"name": "calculate_bmi", "arguments": {"height": 5.6, "weight": 60}}\n</tool_call>'
            ),
        }
    ),
    json.dumps({"id": "no_such_task_1", "model": "model-c", "text": "[f(x=1)]"}),
    "{not json",
]


def write_results(root: Path) -> Path:
    score = root / "score" / "model-a" / "non_live" / "BFCL_v4_simple_python_score.json"
    score.parent.mkdir(parents=True)
    score.write_text("".join(json.dumps(line) + "\n" for line in SCORE_LINES), encoding="utf-8")
    result_dir = root / "result" / "model-b"
    result_dir.mkdir(parents=True)
    for name, lines in RESULT_LINES.items():
        (result_dir / name).write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    other = root / "other" / "outputs.jsonl"
    other.parent.mkdir(parents=True)
    other.write_text("\n".join(JSONL_LINES) + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def bfcl_dir() -> Path:
    if not BFCL.is_dir():
        pytest.skip(f"the shared BFCL sample is not beside the repository ({BFCL})")
    return BFCL


@pytest.fixture(scope="session")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_results(tmp_path_factory.mktemp("bfcl-results"))


@pytest.fixture(scope="session")
def small_bench(bfcl_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One BFCL task per category, one perturbed rejected response each: every category, few pairs."""
    from evaluation.trbench import build_trbench

    out = tmp_path_factory.mktemp("trbench-small")
    build_trbench(bfcl_dir, out, perturb_per_task=1, tasks_per_category=1, seed=0)
    return out


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("transformers", reason="the train extra is not installed")
    from tests.sampling.tiny_model import build_tiny_qwen3

    return build_tiny_qwen3(tmp_path_factory.mktemp("models") / "tiny-qwen3", dtype="float32")


@pytest.fixture(scope="session")
def tiny_disc_model(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny Qwen3 with a one-output sequence-classification head (Qwen3ForSequenceClassification)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    out = tmp_path_factory.mktemp("models") / "tiny-qwen3-rm"
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model, num_labels=1)
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(tiny_model).save_pretrained(out)
    return out
