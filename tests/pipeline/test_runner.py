"""The runner: validation before work, content-addressed folders, conservation, resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from curation.pipeline import RecipeError, build_plan, load_recipe, load_run, plan_recipe, run_plan
from curation.records_io import read_records, read_rejects
from curation.schema import Trajectory
from curation.workspace import Workspace
from tests.pipeline import plugin_steps  # noqa: F401  (registers the test steps)

REPO = Path(__file__).resolve().parents[2]


def write_recipe(tmp_path: Path, body: str, name: str = "recipe.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


THREE_STEPS = """
name: numbers
steps:
  - step: test_numbers
    config: {count_to: 20, unreadable_every: 5}
  - step: test_keep_even
  - step: test_slow_copy
    config: {drop: [2]}
"""


def run(recipe: Path, workspace: Path, overrides: tuple[str, ...] = ()) -> list[str]:
    plan = plan_recipe(recipe, Workspace(workspace), overrides)
    return [result.status for result in run_plan(plan)]


def test_every_problem_is_reported_before_any_work(tmp_path: Path) -> None:
    recipe = write_recipe(
        tmp_path,
        """
name: broken
steps:
  - step: test_numbers
    config: {count_to: "many", colour: red}
  - step: no_such_step
  - step: test_keep_even
    config: {also_keep: 3}
""",
    )
    with pytest.raises(RecipeError) as caught:
        plan_recipe(recipe, Workspace(tmp_path / "ws"))
    problems = caught.value.problems
    assert any("step 1 (test_numbers): field count_to" in p for p in problems)
    assert any("step 1 (test_numbers): field colour" in p and "Extra inputs" in p for p in problems)
    assert any("step 2 (no_such_step): unknown step 'no_such_step'" in p for p in problems)
    assert any("step 3 (test_keep_even): field also_keep" in p for p in problems)
    assert not (tmp_path / "ws").exists()


def test_type_mismatch_between_steps_names_both_steps(tmp_path: Path) -> None:
    recipe = write_recipe(
        tmp_path,
        """
name: mismatch
steps:
  - step: test_numbers
  - step: segment
  - step: test_keep_even
""",
    )
    with pytest.raises(RecipeError) as caught:
        plan_recipe(recipe, Workspace(tmp_path / "ws"))
    assert caught.value.problems == [
        "step 3 (test_keep_even): expects Trajectory records but step 2 (segment) produces Task"
    ]


def test_source_step_must_come_first(tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path, "name: x\nsteps:\n  - step: test_keep_even\n  - step: test_numbers\n")
    with pytest.raises(RecipeError) as caught:
        plan_recipe(recipe, Workspace(tmp_path / "ws"))
    assert "step 1 (test_keep_even): a recipe starts with a source step" in caught.value.problems[0]
    assert "step 2 (test_numbers): a source step can only come first" in caught.value.problems[1]


def test_run_writes_content_addressed_folders_with_conserved_counts(tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path, THREE_STEPS)
    assert run(recipe, tmp_path / "ws") == ["done", "done", "done"]
    run_info = load_run(Workspace(tmp_path / "ws"), "numbers")
    names = [record.dir.name for record in run_info.steps]
    assert [name.split("-")[0] for name in names] == ["01_test_numbers", "02_test_keep_even", "03_test_slow_copy"]
    for record in run_info.steps:
        assert {p.name for p in record.dir.iterdir()} == {"data.parquet", "rejects.parquet", "stats.json", "_SUCCESS"}
        stats = record.stats()
        assert stats["in"] == stats["out"] + stats["rejected"]

    source, evens, copies = (record.stats() for record in run_info.steps)
    # 20 numbers, every 5th unreadable (4, 9, 14, 19)
    assert (source["in"], source["out"], source["rejected"]) == (20, 16, 4)
    assert source["reasons"] == {"unreadable": 4}
    # of 0..18 without 4, 9, 14: odd ones are 1, 3, 5, 7, 11, 13, 15, 17
    assert (evens["in"], evens["out"], evens["rejected"]) == (16, 8, 8)
    assert evens["reasons"] == {"odd number": 8}
    # 2 yields nothing: a reject with a reason, never a silent drop
    assert (copies["in"], copies["out"], copies["rejected"]) == (8, 7, 1)
    assert copies["reasons"] == {"test_slow_copy produced no output": 1}

    kept = [t.meta["number"] for t in read_records(run_info.steps[2].data, Trajectory)]
    assert kept == [0, 6, 8, 10, 12, 16, 18]
    rejected = list(read_rejects(run_info.steps[1].rejects))
    assert rejected[0].record_id == "test:1" and rejected[0].detail == "1 is odd"
    assert Trajectory.model_validate_json(rejected[0].raw).meta == {"number": 1}


def test_rerun_reuses_finished_steps_and_a_changed_config_reruns_from_there(tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path, THREE_STEPS)
    workspace = tmp_path / "ws"
    run(recipe, workspace)
    first = load_run(Workspace(workspace), "numbers")
    mtimes = [record.data.stat().st_mtime_ns for record in first.steps]

    assert run(recipe, workspace) == ["reused", "reused", "reused"]
    assert [record.data.stat().st_mtime_ns for record in first.steps] == mtimes

    assert run(recipe, workspace, ("test_keep_even.also_keep=[1, 3]",)) == ["reused", "done", "done"]
    second = load_run(Workspace(workspace), "numbers")
    assert second.steps[0].dir == first.steps[0].dir
    assert second.steps[1].dir != first.steps[1].dir and second.steps[2].dir != first.steps[2].dir
    assert second.steps[1].stats()["out"] == 10
    # the earlier folders stay, so switching back is free
    assert run(recipe, workspace) == ["reused", "reused", "reused"]


def test_overrides_must_name_one_step(tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path, THREE_STEPS)
    with pytest.raises(RecipeError) as caught:
        plan_recipe(recipe, Workspace(tmp_path), ("nothing.count=3", "test_numbers=3"))
    assert caught.value.problems == [
        "--set 'nothing.count=3': the recipe has no step named 'nothing'",
        "--set 'test_numbers=3': expected step.field=value",
    ]


def test_stale_temporary_folders_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path, THREE_STEPS)
    plan = build_plan(load_recipe(recipe), tmp_path, Workspace(tmp_path / "ws"))
    first = plan.steps[0].dir
    stale = first.with_name(f".{first.name}.tmp-99999")
    stale.mkdir(parents=True)
    (stale / "data.parquet").write_bytes(b"half written")
    run_plan(plan)
    assert not stale.exists()
    assert (first / "_SUCCESS").is_file()


KILL_RECIPE = """
name: killme
steps:
  - step: test_numbers
    config: {count_to: 400, unreadable_every: 7}
  - step: test_keep_even
  - step: test_slow_copy
    config: {seconds_per_record: 0.01, drop: [10]}
"""

RUNNER_SCRIPT = """
import sys
from tests.pipeline import plugin_steps
from curation.pipeline import plan_recipe, run_plan
from curation.workspace import Workspace
run_plan(plan_recipe(sys.argv[1], Workspace(sys.argv[2])))
"""


def _run_subprocess(recipe: Path, workspace: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", RUNNER_SCRIPT, str(recipe), str(workspace)], env=env, cwd=REPO)


@pytest.mark.slow
def test_a_run_killed_mid_step_resumes_to_identical_outputs(tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path, KILL_RECIPE)
    reference = _run_subprocess(recipe, tmp_path / "reference")
    assert reference.wait(timeout=120) == 0

    workspace = tmp_path / "killed"
    process = _run_subprocess(recipe, workspace)
    deadline = time.monotonic() + 60
    run_dir = workspace / "runs" / "killme"
    while time.monotonic() < deadline:  # wait until the slow third step is half-way
        if run_dir.exists() and any(p.name.startswith(".03_") for p in run_dir.iterdir()):
            time.sleep(0.5)
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (run_dir / "run.json").exists(), "the run finished before it could be killed"
    assert any(p.name.startswith(".03_") for p in run_dir.iterdir())

    resumed = _run_subprocess(recipe, workspace)
    assert resumed.wait(timeout=120) == 0
    got = load_run(Workspace(workspace), "killme")
    want = load_run(Workspace(tmp_path / "reference"), "killme")
    assert [r.dir.name for r in got.steps] == [r.dir.name for r in want.steps]
    for mine, theirs in zip(got.steps, want.steps, strict=True):
        for name in ("data.parquet", "rejects.parquet"):
            assert (mine.dir / name).read_bytes() == (theirs.dir / name).read_bytes()
    assert not [p for p in run_dir.iterdir() if ".tmp-" in p.name]
    assert (
        pq.read_table(got.steps[2].data).num_rows
        == json.loads((got.steps[2].dir / "stats.json").read_text())["rows_out"]
    )


def test_worker_processes_give_the_same_files_as_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recipe = write_recipe(tmp_path, KILL_RECIPE.replace("seconds_per_record: 0.01", "seconds_per_record: 0.0"))
    monkeypatch.setenv("TOOLPREF_WORKERS", "1")
    run(recipe, tmp_path / "inline")
    monkeypatch.setenv("TOOLPREF_WORKERS", "2")
    monkeypatch.setenv("PYTHONPATH", str(REPO))  # the workers import the test steps too
    run(recipe, tmp_path / "workers")
    inline = load_run(Workspace(tmp_path / "inline"), "killme")
    workers = load_run(Workspace(tmp_path / "workers"), "killme")
    for mine, theirs in zip(inline.steps, workers.steps, strict=True):
        for name in ("data.parquet", "rejects.parquet"):
            assert (mine.dir / name).read_bytes() == (theirs.dir / name).read_bytes()
        assert mine.stats()["counters"] == theirs.stats()["counters"]
    assert workers.steps[2].stats()["reasons"] == {"test_slow_copy produced no output": 1}
