"""`toolpref trbench build` on real BFCL v4 tasks, with model outputs in BFCL's result and score formats."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from curation.cli import app
from curation.scoring.bfcl_scoring import score_output
from curation.scoring.check import CheckOptions
from curation.sources.bfcl import BfclRecord, load_bfcl
from evaluation.bench import TRBENCH_SCHEMA, load_bench

runner = CliRunner()
TRBENCH_COLUMNS = [
    "uuid",
    "split_id",
    "raw_id",
    "task_source",
    "error_type",
    "chat_history",
    "chosen_response",
    "reject_response",
    "chosen_response_from",
    "reject_response_from",
    "data_source",
    "prompt",
    "ability",
    "reward_model",
    "extra_info",
]  # fmt: skip  (the released TRBench-BFCL's columns, in its order)


def _build(bfcl: Path, out: Path, *extra: str) -> str:
    result = runner.invoke(app, ["trbench", "build", "--bfcl", str(bfcl), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return result.output


def test_pairs_from_real_failed_outputs(bfcl_dir: Path, results_dir: Path, tmp_path: Path) -> None:
    _build(bfcl_dir, tmp_path, "--results", str(results_dir), "--tasks-per-category", "1")
    table = pq.read_table(tmp_path / "trbench_test_think.parquet")
    assert table.column_names == TRBENCH_COLUMNS and table.schema.equals(TRBENCH_SCHEMA)
    rows = table.to_pylist()
    originals, swapped = rows[:4], rows[4:]
    # Worked out by hand (conftest.py): model-a's score-file entry, model-b's parallel and multi-turn results and
    # model-c's JSONL answer fail; model-b's simple answer passes and is not a pair.
    assert [(r["raw_id"], r["reject_response_from"], r["error_type"]) for r in originals] == [
        ("simple_python_28", "model-a", "wrong_param_value"),
        ("parallel_4", "model-b", "wrong_call_count"),
        ("parallel_4", "model-c", "wrong_param_type"),
        ("multi_turn_base_21", "model-b", "wrong_call_count"),
    ]
    assert [r["task_source"] for r in originals] == ["simple", "parallel", "parallel", "multi_turn_base"]
    assert originals[0]["chosen_response"] == (
        '<tool_call>\n{"name": "calculate_displacement", "arguments": '
        '{"initial_velocity": 10, "time": 5, "acceleration": 9.8}}\n</tool_call>'
    )
    assert originals[0]["extra_info"]["bfcl_error_type"] == "value_error:others"  # BFCL's own verdict, kept
    # The multi-turn pair is the third turn, after the ground truth's first two turns.
    multi = originals[3]
    assert multi["extra_info"]["turn"] == 2
    assert [m["role"] for m in multi["chat_history"]] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert "authenticate_twitter" in multi["chosen_response"] and "authenticate_twitter" not in multi["reject_response"]
    # Both orders: same pairs, label 2, Response 1 is now the rejected one; indices as in the released files.
    assert [r["uuid"] for r in swapped] == [0, 1, 2, 3]
    assert {r["reward_model"]["ground_truth"] for r in originals} == {"1"}
    assert {r["reward_model"]["ground_truth"] for r in swapped} == {"2"}
    assert [r["extra_info"]["index"] for r in rows] == list(range(8))
    assert [r["extra_info"]["original_index"] for r in swapped] == [0, 1, 2, 3]
    for original, other in zip(originals, swapped, strict=True):
        prompt = other["prompt"][0]["content"]
        first = prompt.index("## Response 1")
        assert prompt.index(other["reject_response"], first) < prompt.index(other["chosen_response"], first)
        assert original["chosen_response"] == other["chosen_response"]
    build = json.loads((tmp_path / "build.json").read_text(encoding="utf-8"))
    assert build["pairs"] == 4 and build["rejected_from_perturb"] is False
    assert build["skipped"] == {
        "output for a task not in the benchmark": 1,
        "output line skipped: bad JSON line": 1,
        "output passes the checker": 1,
    }
    card = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "perturb" not in card and "| parallel | 1 | 2 |" in card


def test_without_outputs_the_perturb_backend_fills_every_category_and_says_so(
    bfcl_dir: Path, small_bench: Path
) -> None:
    bench = load_bench(small_bench, "no_think")
    pairs = bench.pairs()
    assert {pair.category for pair in pairs} == {
        "simple", "multiple", "parallel", "parallel_multiple", "live_simple", "live_multiple", "live_parallel",
        "live_parallel_multiple", "multi_turn_base",
    }  # fmt: skip
    assert all(pair.original and pair.swapped for pair in pairs)
    assert all(pair.any_row["reject_response_from"].startswith("perturb:") for pair in pairs)
    card = (small_bench / "README.md").read_text(encoding="utf-8")
    assert "Rejected responses come from the `perturb` backend" in card
    # Every single-turn rejected response really fails BFCL's possible answer (checked here independently).
    records = {r.id: r for r in load_bfcl(bfcl_dir) if isinstance(r, BfclRecord) and r.version == "v4"}
    for pair in pairs:
        row = pair.any_row
        record = records[row["raw_id"]]
        if record.possible_answer is not None:
            score = score_output(record, {"id": record.id, "text": row["reject_response"]}, CheckOptions())
            assert not score.exact, row["reject_response"]
            assert score_output(record, {"id": record.id, "text": row["chosen_response"]}, CheckOptions()).exact


def test_unknown_category_and_missing_folder_are_clear_errors(bfcl_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["trbench", "build", "--bfcl", str(bfcl_dir), "--out", str(tmp_path), "--category", "java"]
    )
    assert result.exit_code == 2 and "unknown TRBench categories ['java']" in result.output
    result = runner.invoke(app, ["trbench", "build", "--bfcl", str(tmp_path / "nope"), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "no such file or folder" in result.output
