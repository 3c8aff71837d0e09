"""The stable CLI contract: `toolpref steps`, `toolpref run` (--dry-run, --set) and `toolpref ingest`."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from curation.cli import app

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "curation" / "demo_data"
runner = CliRunner()


def test_steps_lists_sources_steps_and_their_fields() -> None:
    result = runner.invoke(app, ["steps"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    for name in ("apigen", "glaive", "bfcl", "ingest", "segment", "validate", "score", "balance", "perturb"):
        assert name in result.output
    assert "include_no_call" in result.output  # a config field of segment, with its help text
    assert "keep turns whose ground truth is text" in result.output


def test_run_dry_run_prints_the_plan_and_runs_nothing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "demo", "--workspace", str(tmp_path), "--dry-run"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "01_ingest-" in result.output and "to run" in result.output
    assert not (tmp_path / "runs").exists()


def test_run_reports_recipe_problems_with_step_and_field(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["run", "demo", "--workspace", str(tmp_path), "--set", "segment.include_no_call=maybe", "--dry-run"]
    )
    assert result.exit_code == 2
    assert "step 2 (segment): field include_no_call" in result.output


def test_ingest_writes_data_rejects_and_stats(tmp_path: Path) -> None:
    out = tmp_path / "glaive"
    result = runner.invoke(app, ["ingest", "glaive", str(DEMO / "glaive"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    stats = json.loads((out / "stats.json").read_text())
    assert stats["in"] == stats["out"] + stats["rejected"]
    assert stats["out"] >= 30 and stats["rejected"] >= 1
    assert sum(stats["reasons"].values()) == stats["rejected"]
    assert pq.read_table(out / "data.parquet").num_rows == stats["out"]
    rejects = pq.read_table(out / "rejects.parquet").to_pylist()
    assert {"id", "reason", "detail", "raw"} <= set(rejects[0])
    assert all(row["reason"] and row["raw"] for row in rejects)


def test_ingest_names_an_unknown_source(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", "nosuch", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "unknown source 'nosuch'" in result.output
