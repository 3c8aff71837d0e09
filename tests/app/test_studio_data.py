"""The studio's data layer (no Streamlit): the pair index, single-pair reads, rejects, and the studio command."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from app import data
from app.cli import studio_command
from curation.cli import app as toolpref
from curation.records_io import RECORD_SCHEMA
from curation.review import Verdict
from curation.schema import Pair
from curation.workspace import Workspace
from tests.app.conftest import StudioWorkspace
from tests.app.pair_factory import make_pairs


def write_small_groups(path: Path, pairs: list[Pair], group: int) -> None:
    table = pa.table({"id": [p.pair_id for p in pairs], "record": [p.model_dump_json() for p in pairs]}, RECORD_SCHEMA)
    pq.write_table(table, path, row_group_size=group)


def test_the_index_holds_what_filters_need(studio_workspace: StudioWorkspace) -> None:
    dataset = data.open_dataset(Workspace.resolve(studio_workspace.root), "run", "demo")
    assert dataset.files[0].parent.name.startswith("08_balance-")
    index = data.load_pair_index(dataset.files)
    assert index.height == len(studio_workspace.pairs)
    for row, pair in zip(index.iter_rows(named=True), studio_workspace.pairs, strict=True):
        assert row["pair_id"] == pair.pair_id
        assert (row["source"], row["subset"], row["kind"]) == (pair.source, pair.subset, pair.kind.value)
        assert row["error_type"] == (pair.error_type.value if pair.error_type else "none")
        assert (row["intensity_bin"], row["complexity"], row["split"]) == (
            pair.intensity_bin,
            pair.complexity,
            pair.split,
        )
        assert (row["chosen_origin"], row["rejected_origin"]) == (pair.chosen.origin, pair.rejected.origin)
        assert pair.rejected.text.lower() in row["search"]


def test_read_pair_reads_the_right_row_of_any_row_group(tmp_path: Path) -> None:
    pairs = list(make_pairs(23, seed=5))
    first, second = tmp_path / "train.parquet", tmp_path / "validation.parquet"
    write_small_groups(first, pairs[:17], group=4)
    write_small_groups(second, pairs[17:], group=5)
    index = data.load_pair_index([first, second])
    assert index.height == 23
    for row in index.iter_rows(named=True):
        assert data.read_pair([first, second], row["file"], row["row"]) == next(
            p for p in pairs if p.pair_id == row["pair_id"]
        )


def test_filters_combine_with_the_review_status(studio_workspace: StudioWorkspace) -> None:
    pairs = studio_workspace.pairs
    dataset = data.open_dataset(Workspace.resolve(studio_workspace.root), "run", "demo")
    index = data.with_status(data.load_pair_index(dataset.files), {pairs[0].pair_id: Verdict.flag})
    assert index.filter(index["status"] == "flag")["pair_id"].to_list() == [pairs[0].pair_id]
    chosen = data.PairFilter(complexity=(3, 5), statuses=("unreviewed",), kinds=("multiple",))
    expected = [p.pair_id for p in pairs[1:] if 3 <= p.complexity <= 5 and p.kind.value == "multiple"]
    assert data.filter_pairs(index, chosen)["pair_id"].to_list() == expected
    page = data.table_page(data.filter_pairs(index, chosen), page=2, page_size=3)
    assert page["pair_id"].to_list() == expected[3:6]
    assert page.columns == list(data.TABLE_COLUMNS)


def test_unusable_datasets_are_clear_errors(tmp_path: Path, studio_workspace: StudioWorkspace) -> None:
    ws = Workspace.resolve(studio_workspace.root)
    with pytest.raises(FileNotFoundError, match=r"run\.json is missing"):
        data.open_dataset(ws, "run", "nope")
    not_pairs = tmp_path / "other.parquet"
    pq.write_table(pa.table({"id": ["a"], "record": ['{"id": "a", "messages": "no pair here"}']}), not_pairs)
    with pytest.raises(data.StudioDataError, match="1 of 1 records are not pairs"):
        data.load_pair_index([not_pairs])
    broken = tmp_path / "broken.parquet"
    pq.write_table(pa.table({"id": ["a"], "record": ["{not json"]}), broken)
    with pytest.raises(data.StudioDataError, match="does not hold pairs"):
        data.load_pair_index([broken])


def test_rejects_by_reason(studio_workspace: StudioWorkspace) -> None:
    run = data.open_dataset(Workspace.resolve(studio_workspace.root), "run", "demo").run
    assert run is not None
    validate = run.step_dir("validate")
    reasons = data.reject_reasons(validate)
    assert sorted(zip(reasons["reason"], reasons["count"], strict=True)) == [
        ("missing required argument", 3),
        ("unknown function", 3),
    ]
    rows, total = data.rejects_for(validate, "unknown function", offset=1, limit=5)
    assert total == 3 and rows["id"].to_list() == ["validate:1", "validate:2"]
    assert data.reject_reasons(validate.parent / "no-such-step").height == 0


def test_studio_command_binds_loopback_headless_without_usage_stats(tmp_path: Path) -> None:
    command, env = studio_command(tmp_path, 8765, "127.0.0.1", "demo")
    assert command[1:4] == ["-m", "streamlit", "run"] and command[4].endswith("app/studio.py")
    options = dict(zip(command[5::2], command[6::2], strict=True))
    assert options["--server.address"] == "127.0.0.1"
    assert options["--server.port"] == "8765"
    assert options["--server.headless"] == "true"
    assert options["--browser.gatherUsageStats"] == "false"
    assert env["TOOLPREF_HOME"] == str(tmp_path) and env["TOOLPREF_STUDIO_RUN"] == "demo"


def test_studio_refuses_a_missing_workspace(tmp_path: Path) -> None:
    result = CliRunner().invoke(toolpref, ["studio", "--workspace", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "no workspace at" in result.output and "toolpref run demo" in result.output
