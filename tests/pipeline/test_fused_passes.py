"""Fused passes and worker processes change how steps run, never what they write.

The same small recipe (three demo sources through every real step) runs three ways: one step at a time (each
step reads its input file, as on a resume), fused into streaming passes in one process, and fused in two worker
processes. Every step folder must hold the same data and rejects, and the same counts and reports.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import curation.parallel
from curation.pipeline import load_run, plan_recipe, run_plan
from curation.records_io import read_records
from curation.schema import Pair
from curation.workspace import Workspace
from tests.pairs.test_decontaminate import PLANTED, SHARED_BFCL  # APIGen records with BFCL sample questions

DEMO = Path(__file__).resolve().parents[2] / "curation" / "demo_data"

RECIPE = f"""
name: fused
steps:
  - step: ingest
    config:
      sources:
        - {{source: apigen, paths: ["{DEMO / "apigen"}", "PLANTED"]}}
        - {{source: glaive, paths: ["{DEMO / "glaive"}"]}}
        - {{source: bfcl, paths: ["{DEMO / "bfcl"}"]}}
  - step: segment
  - step: validate
  - step: decontaminate
    config:
      references: [{{kind: bfcl, paths: ["{DEMO / "bfcl"}", "{SHARED_BFCL}"]}}]
  - step: sample
    config:
      policies:
        - {{name: perturb-a, backend: perturb, model: perturb, n: 3, seed: 0}}
        - {{name: perturb-b, backend: perturb, model: perturb, n: 2, seed: 1}}
  - step: score
  - step: difficulty
  - step: pair
  - step: balance
    config: {{target_size: 40, validation_size: 4}}
  - step: format
"""

VOLATILE = {"seconds", "fused", "cpu_seconds"}  # how long, and in which pass: the only things allowed to differ


def _recipe(tmp_path: Path, last: int | None = None) -> Path:
    lines = RECIPE.splitlines(keepends=True)
    if last is not None:  # cut after the last-th step
        starts = [i for i, line in enumerate(lines) if line.strip().startswith("- step:")]
        lines = lines[: starts[last]] if last < len(starts) else lines
    planted = tmp_path / "planted.json"
    planted.write_text(json.dumps(PLANTED), encoding="utf-8")
    path = tmp_path / f"fused-{last}.yaml"
    path.write_text("".join(lines).replace("PLANTED", str(planted)), encoding="utf-8")
    return path


def _stats(folder: Path) -> dict[str, Any]:
    stats = json.loads((folder / "stats.json").read_text(encoding="utf-8"))
    return {key: value for key, value in stats.items() if key not in VOLATILE}


def _assert_same_runs(first: Path, second: Path) -> None:
    mine, theirs = load_run(Workspace(first), "fused"), load_run(Workspace(second), "fused")
    assert [s.dir.name for s in mine.steps] == [s.dir.name for s in theirs.steps]
    for a, b in zip(mine.steps, theirs.steps, strict=True):
        for name in ("data.parquet", "rejects.parquet"):
            assert pq.read_table(a.dir / name).equals(pq.read_table(b.dir / name)), f"{a.dir.name}/{name}"
        assert _stats(a.dir) == _stats(b.dir), a.dir.name


@pytest.mark.slow
def test_fused_passes_and_workers_write_what_single_steps_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOOLPREF_WORKERS", "1")
    single = tmp_path / "single"
    step_count = RECIPE.count("- step:")
    for last in range(1, step_count + 1):  # each run adds one step: every step runs alone, reading its input file
        results = run_plan(plan_recipe(_recipe(tmp_path, last), Workspace(single)))
        assert [r.status for r in results][-1] == "done"
        assert "fused" not in results[-1].stats

    fused = tmp_path / "fused"
    results = run_plan(plan_recipe(_recipe(tmp_path), Workspace(fused)))
    assert results[0].stats["fused"][:2] == ["01_ingest", "02_segment"]
    assert results[-1].stats["fused"] == ["09_balance", "10_format"]
    _assert_same_runs(single, fused)

    # Worker processes even for this small input, so that the tallies (difficulty's histogram, decontaminate's
    # matches) and balance's decisions really travel between processes.
    monkeypatch.setenv("TOOLPREF_WORKERS", "2")
    monkeypatch.setattr(curation.parallel, "parallel_worth_it", lambda step, total, workers: True)
    workers = tmp_path / "workers"
    run_plan(plan_recipe(_recipe(tmp_path), Workspace(workers)))
    _assert_same_runs(single, workers)

    run = load_run(Workspace(workers), "fused")
    assert run.step("decontaminate").stats()["report"]["matches"] > 0  # the planted BFCL questions were found
    assert sum(run.step("difficulty").stats()["report"]["solved_fraction_histogram"].values()) > 0


def test_balance_rejects_unselected_pairs_unread_with_their_json(tmp_path: Path) -> None:
    recipe = _recipe(tmp_path)
    run_plan(plan_recipe(recipe, Workspace(tmp_path / "ws")))
    run = load_run(Workspace(tmp_path / "ws"), "fused")
    pool = {pair.pair_id: pair for pair in read_records(run.step("pair").data, Pair)}
    selected = list(read_records(run.step("balance").data, Pair))
    rejects = pq.read_table(run.step("balance").rejects).to_pylist()
    assert len(selected) == 40 and len(selected) + len(rejects) == len(pool)
    for row in rejects:
        assert row["reason"].startswith(("not selected: quota of", "complexity >"))
        assert Pair.model_validate_json(row["raw"]) == pool[row["id"]]  # the whole pair, as the pair step wrote it
    for pair in selected:
        assert pair.split in ("train", "validation")
        assert pair.model_copy(update={"split": None}) == pool[pair.pair_id]
