"""`toolpref release ...` through the real CLI app (typer's runner, in process)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from curation.cli import app
from curation.review import ReviewStore
from curation.workspace import Workspace
from tests.release.test_release_build import balanced_pairs

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_release_run_is_short_for_release_create(workspace: Workspace, toy_run: Callable[..., Path]) -> None:
    toy_run()
    ws = str(workspace.root)
    code, output = invoke("release", "toy", "--name", "toolpref", "--version", "v1", "--no-plots", "--workspace", ws)
    assert code == 0, output
    assert "36 pairs" in output and "30" in output and "6" in output
    assert (workspace.releases / "toolpref" / "v1" / "manifest.json").is_file()
    code, output = invoke("release", "create", "toy", "--name", "toolpref", "--version", "v2", "--no-plots", "-w", ws)
    assert code == 0, output
    assert (workspace.releases / "toolpref" / "v2" / "manifest.json").is_file()
    # A run folder instead of a recipe name, and options before the run.
    code, output = invoke(
        "release", "--workspace", ws, str(workspace.run_dir("toy")), "--name", "x", "--version", "v1", "--no-plots"
    )
    assert code == 0, output


def test_errors_are_one_readable_line_and_exit_1(workspace: Workspace, toy_run: Callable[..., Path]) -> None:
    toy_run()
    ws = str(workspace.root)
    assert invoke("release", "toy", "--name", "toolpref", "--version", "v1", "--no-plots", "-w", ws)[0] == 0
    code, output = invoke("release", "toy", "--name", "toolpref", "--version", "v1", "--no-plots", "-w", ws)
    assert code == 1
    assert "error: release toolpref@v1 exists" in output and "immutable" in output
    code, output = invoke("release", "missing-run", "--name", "toolpref", "--version", "v9", "-w", ws)
    assert code == 1
    assert "no finished run" in output
    code, output = invoke("release", "diff", "toolpref@v1", "toolpref@v7", "-w", ws)
    assert code == 1
    assert "no release toolpref@v7" in output and "releases: toolpref@v1" in output


def test_diff_and_list(workspace: Workspace, toy_run: Callable[..., Path]) -> None:
    pairs = balanced_pairs(toy_run())
    ws = str(workspace.root)
    assert invoke("release", "toy", "--name", "toolpref", "--version", "v1", "--no-plots", "-w", ws)[0] == 0
    store = ReviewStore(workspace.review_db)
    store.record(pairs[0].pair_id, "reject")
    store.record(pairs[1].pair_id, "swap")
    store.record(pairs[2].pair_id, "flag", note="[red]markup[/red] stays text")
    store.close()
    assert invoke("release", "toy", "--name", "toolpref", "--version", "v2", "--no-plots", "-w", ws)[0] == 0

    code, output = invoke("release", "diff", "toolpref@v1", "toolpref@v2", "-w", ws)
    assert code == 0, output
    assert pairs[0].pair_id in output and pairs[1].pair_id in output and pairs[2].pair_id in output
    assert "swapped" in output and "removed (1)" in output and "changed (2)" in output

    code, output = invoke(
        "release", "diff", "toolpref@v1", str(workspace.releases / "toolpref" / "v2"), "--json", "-w", ws
    )
    assert code == 0, output
    diff = json.loads(output)
    assert diff["removed"] == [{"pair_id": pairs[0].pair_id, "source": pairs[0].source}]
    assert {c["pair_id"]: c["kinds"] for c in diff["changed"]} == {
        pairs[1].pair_id: ["swapped"],
        pairs[2].pair_id: ["content"],  # the flag mark in the record
    }

    code, output = invoke("release", "list", "-w", ws)
    assert code == 0, output
    assert output.index("toolpref@v1") < output.index("toolpref@v2")
    row = next(line for line in output.splitlines() if "toolpref@v2" in line)
    cells = [cell.strip() for cell in row.strip("│ ").split("│")]
    kept = pairs[1:]
    train, validation = sum(p.split == "train" for p in kept), sum(p.split == "validation" for p in kept)
    assert cells[3:] == [str(len(kept)), str(train), str(validation), "1", "1", "1"]  # ..., rej., swap, flag
