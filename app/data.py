"""What the studio reads, without Streamlit: the datasets in a workspace, a pair index in polars, single pairs,
rejects. Pages call these through the cached wrappers in app/state.py; the benchmark and tests call them directly.

A dataset is a run (the pairs of its `balance` step) or a release (its `pairs` config, one parquet per split).
Both store each pair as its JSON in a ``record`` column, so one loader serves both. The index holds only the
columns that filters and tables need, plus the lower-cased text that search looks in, and where each pair sits
(file, row) so that opening one pair reads one row group, not the whole file.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import polars as pl
import pyarrow.parquet as pq

from curation.pipeline import RunInfo, list_runs, load_run
from curation.review import Verdict
from curation.schema import Pair
from curation.workspace import Workspace

PAIR_STEPS = ("balance", "pair")  # the step whose output the studio shows: balance, else pair (unbalanced runs)
UNREVIEWED = "unreviewed"
REVIEW_STATUSES = (UNREVIEWED, *(v.value for v in Verdict))

# The parts of a Pair's JSON the index decodes; everything else stays in the file until a pair is opened.
_NAME = pl.Struct({"name": pl.String})
_RECORD_FIELDS = pl.Struct(
    {
        "pair_id": pl.String,
        "source": pl.String,
        "subset": pl.String,
        "error_type": pl.String,
        "intensity_bin": pl.Int64,
        "intensity": pl.Float64,
        "complexity": pl.Int64,
        "kind": pl.String,
        "split": pl.String,
        "task": pl.Struct(
            {"id": pl.String, "tools": pl.List(_NAME), "history": pl.List(pl.Struct({"content": pl.String}))}
        ),
        "chosen": pl.Struct({"origin": pl.String, "text": pl.String}),
        "rejected": pl.Struct({"origin": pl.String, "text": pl.String}),
        "rejected_score": pl.Struct({"similarity": pl.Float64}),
    }
)
# Columns of the index a table shows, in order.
TABLE_COLUMNS = (
    "pair_id",
    "status",
    "source",
    "subset",
    "kind",
    "error_type",
    "intensity_bin",
    "complexity",
    "split",
    "rejected_origin",
    "task_id",
)


class StudioDataError(RuntimeError):
    """A dataset the studio cannot show, with what to do about it."""


@dataclass(frozen=True)
class Dataset:
    """Pairs to look at: a run's pair step or a release's `pairs` config."""

    kind: Literal["run", "release"]
    name: str  # the recipe, or the release's NAME@VERSION
    files: tuple[Path, ...]  # parquet files with a `record` column of Pair JSON
    run: RunInfo | None = None
    root: Path | None = None  # the release folder

    @property
    def label(self) -> str:
        return f"{self.kind}: {self.name}"


def list_datasets(workspace: Workspace) -> list[tuple[str, str]]:
    """(kind, name) of every run (by recipe) and release (``name@version``) in the workspace, runs first."""
    from curation.release import list_releases

    found: list[tuple[str, str]] = [("run", name) for name in list_runs(workspace)]
    found += [("release", release.ref) for release in list_releases(workspace)]
    return found


def open_dataset(workspace: Workspace, kind: str, name: str) -> Dataset:
    if kind == "run":
        run = load_run(workspace, name)
        for step in PAIR_STEPS:
            matches = [record for record in run.steps if record.step == step]
            if matches:
                return Dataset("run", name, (matches[-1].data,), run=run)
        steps = ", ".join(record.step for record in run.steps)
        raise StudioDataError(f"run {name!r} has no pair or balance step (it has {steps}): it holds no pairs")
    if kind == "release":
        from curation.release import PAIRS_CONFIG, ReleaseError, resolve_release

        try:
            release = resolve_release(workspace, name)
        except ReleaseError as error:
            raise StudioDataError(str(error)) from None
        files = tuple(sorted((release.path / PAIRS_CONFIG).glob("*.parquet")))
        if not files:
            raise StudioDataError(f"release {name} has no {PAIRS_CONFIG}/<split>.parquet files at {release.path}")
        return Dataset("release", name, files, root=release.path)
    raise StudioDataError(f"unknown dataset kind {kind!r}: expected run or release")


def load_pair_index(files: Sequence[Path]) -> pl.DataFrame:
    """One row per pair: filter columns, a lower-cased ``search`` text, and its place (``file``, ``row``)."""
    frames = []
    for number, path in enumerate(files):
        if not path.is_file():
            raise StudioDataError(f"{path} is missing: the dataset is incomplete")
        raw = pl.read_parquet(path, columns=["record"])
        try:
            decoded = raw.select(pl.col("record").str.json_decode(_RECORD_FIELDS).alias("r")).unnest("r")
        except pl.exceptions.PolarsError as error:
            raise StudioDataError(f"{path}: the record column does not hold pairs ({error})") from error
        missing = decoded["pair_id"].null_count()
        if missing:
            raise StudioDataError(f"{path}: {missing} of {decoded.height} records are not pairs (no pair_id)")
        task, chosen, rejected = pl.col("task"), pl.col("chosen"), pl.col("rejected")
        frames.append(
            decoded.select(
                "pair_id",
                "source",
                pl.col("subset").fill_null(""),
                "kind",
                pl.col("error_type").fill_null("none"),
                pl.col("intensity_bin").cast(pl.Int8),
                "intensity",
                pl.col("complexity").cast(pl.Int32),
                pl.col("split").fill_null(""),
                chosen.struct.field("origin").alias("chosen_origin"),
                rejected.struct.field("origin").alias("rejected_origin"),
                pl.col("rejected_score").struct.field("similarity").alias("rejected_similarity"),
                task.struct.field("id").alias("task_id"),
                pl.concat_str(
                    [
                        pl.col("pair_id"),
                        task.struct.field("id"),
                        task.struct.field("tools").list.eval(pl.element().struct.field("name")).list.join(" "),
                        task.struct.field("history").list.eval(pl.element().struct.field("content")).list.join("\n"),
                        chosen.struct.field("text"),
                        rejected.struct.field("text"),
                    ],
                    separator="\n",
                    ignore_nulls=True,
                )
                .str.to_lowercase()
                .alias("search"),
                pl.lit(number, dtype=pl.Int16).alias("file"),
                pl.int_range(pl.len(), dtype=pl.Int32).alias("row"),
            )
        )
    if not frames:
        raise StudioDataError("the dataset has no pair files")
    return pl.concat(frames)


@dataclass(frozen=True)
class PairFilter:
    """What the Pairs page narrows the index to. Empty selections mean "any"."""

    sources: tuple[str, ...] = ()
    subsets: tuple[str, ...] = ()
    error_types: tuple[str, ...] = ()
    bins: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()
    splits: tuple[str, ...] = ()
    complexity: tuple[int, int] | None = None
    statuses: tuple[str, ...] = ()
    text: str = ""


def with_status(index: pl.DataFrame, verdicts: dict[str, Verdict]) -> pl.DataFrame:
    """The index with a ``status`` column: the latest verdict of each pair, or "unreviewed"."""
    if not verdicts:
        return index.with_columns(pl.lit(UNREVIEWED).alias("status"))
    reviewed = pl.DataFrame(
        {"pair_id": list(verdicts), "status": [verdict.value for verdict in verdicts.values()]},
        schema={"pair_id": pl.String, "status": pl.String},
    )
    joined = index.join(reviewed, on="pair_id", how="left", maintain_order="left")
    return joined.with_columns(pl.col("status").fill_null(UNREVIEWED))


def filter_pairs(index: pl.DataFrame, chosen: PairFilter) -> pl.DataFrame:
    """The rows of ``index`` (which has a status column) that pass every active filter, in index order."""
    conditions: list[pl.Expr] = []
    for column, values in (
        ("source", chosen.sources),
        ("subset", chosen.subsets),
        ("error_type", chosen.error_types),
        ("kind", chosen.kinds),
        ("split", chosen.splits),
        ("status", chosen.statuses),
    ):
        if values:
            conditions.append(pl.col(column).is_in(list(values)))
    if chosen.bins:
        conditions.append(pl.col("intensity_bin").is_in([int(b) for b in chosen.bins]))
    if chosen.complexity is not None:
        low, high = chosen.complexity
        conditions.append(pl.col("complexity").is_between(low, high))
    needle = chosen.text.strip().lower()
    if needle:
        # Literal search: a curator's text is never a regular expression.
        conditions.append(pl.col("search").str.contains(needle, literal=True))
    return index.filter(*conditions) if conditions else index


def table_page(rows: pl.DataFrame, page: int, page_size: int) -> pl.DataFrame:
    """The rows of one page (1-based) with the table columns only."""
    start = max(0, (page - 1) * page_size)
    return rows.slice(start, page_size).select(list(TABLE_COLUMNS))


def counts_by(index: pl.DataFrame, column: str) -> pl.DataFrame:
    """Pairs per value of ``column``, sorted by value."""
    return index.group_by(column).len("pairs").sort(column)


def bin_by_source(index: pl.DataFrame) -> pl.DataFrame:
    """A source x intensity-bin table of pair counts (what `balance` equalizes)."""
    table = index.pivot(
        on="intensity_bin", index="source", values="pair_id", aggregate_function="len", sort_columns=True
    )
    return table.fill_null(0).sort("source")


@cache
def _row_group_starts(path: Path, modified: float) -> tuple[int, ...]:
    metadata = pq.ParquetFile(path).metadata
    starts, total = [], 0
    for group in range(metadata.num_row_groups):
        starts.append(total)
        total += metadata.row_group(group).num_rows
    return tuple(starts)


def read_pair(files: Sequence[Path], file: int, row: int) -> Pair:
    """The pair at ``row`` of ``files[file]``, reading only its row group."""
    path = files[file]
    starts = _row_group_starts(path, path.stat().st_mtime)
    group = bisect.bisect_right(starts, row) - 1
    table = pq.ParquetFile(path).read_row_group(group, columns=["record"])
    text = table.column("record")[row - starts[group]].as_py()
    return Pair.model_validate_json(text)


# -- rejects ---------------------------------------------------------------------------------------------------


def reject_reasons(step_dir: Path) -> pl.DataFrame:
    """reason, count of a step's rejects, most frequent first (empty when the step rejected nothing)."""
    path = step_dir / "rejects.parquet"
    if not path.is_file():
        return pl.DataFrame(schema={"reason": pl.String, "count": pl.UInt32})
    return (
        pl.scan_parquet(path)
        .group_by("reason")
        .agg(pl.len().alias("count"))
        .sort(["count", "reason"], descending=[True, False])
        .collect()
    )


def rejects_for(step_dir: Path, reason: str | None, offset: int, limit: int) -> tuple[pl.DataFrame, int]:
    """One page of a step's rejects (all, or one reason) and how many there are in all."""
    path = step_dir / "rejects.parquet"
    if not path.is_file():
        return pl.DataFrame(schema={"id": pl.String, "reason": pl.String, "detail": pl.String, "raw": pl.String}), 0
    frame = pl.scan_parquet(path)
    if reason is not None:
        frame = frame.filter(pl.col("reason") == reason)
    total = int(frame.select(pl.len()).collect().item())
    return frame.slice(offset, limit).collect(), total


def step_stats(step_dir: Path) -> dict[str, Any]:
    path = step_dir / "stats.json"
    if not path.is_file():
        return {}
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def distinct(index: pl.DataFrame, column: str) -> list[Any]:
    return sorted(index.get_column(column).unique().drop_nulls().to_list())
