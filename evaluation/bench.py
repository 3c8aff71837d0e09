"""The TRBench table: the released TRBench-BFCL's columns, one Arrow schema, and reading a benchmark back.

Columns (as on the released dataset's card): uuid (the pair), split_id (the task), raw_id (the BFCL id),
task_source (the category), error_type, chat_history, chosen_response, reject_response, chosen_response_from,
reject_response_from, data_source, prompt (the GenRM critique prompt), ability, reward_model {ground_truth,
style}, extra_info {index, original_index, sample_type, split, task_source, raw_id, rewards and their messages}.

Each pair appears twice, as in the release: first every pair in its original order (Response 1 = chosen, label
"1"), then every pair swapped (label "2"); ``extra_info.index`` is the row's position and ``original_index`` the
position of its original-order row. Values that differ from the release: ``error_type`` is the studio's ErrorType
(BFCL's own is kept in ``extra_info.bfcl_error_type`` when known); ``data_source`` names this build. Extra fields
of ours in ``extra_info`` (all JSON text): the tools, the history and both turns as structured chat messages, so
that a discriminative RM is scored on exactly the formatting it was trained on (the ``disc`` release config).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

VARIANTS = ("think", "no_think")
DATA_SOURCE = "toolpref_trbench_bfcl"
ABILITY = "tool"
CHOSEN_FROM = "ground truth"
# The nine categories of TRBench-BFCL, in METHOD.md's order (v4 simple_python is TRBench's "simple").
CATEGORIES = (
    "simple",
    "multiple",
    "parallel",
    "parallel_multiple",
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
    "multi_turn_base",
)
BFCL_TO_TRBENCH = {"simple_python": "simple", **{name: name for name in CATEGORIES if name != "simple"}}

_ROLE_CONTENT = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
EXTRA_INFO_TYPE = pa.struct(
    [
        ("index", pa.int64()),
        ("original_index", pa.int64()),
        ("sample_type", pa.string()),  # original | swapped
        ("split", pa.string()),
        ("task_source", pa.string()),
        ("raw_id", pa.string()),
        ("chosen_response_reward", pa.int64()),
        ("chosen_response_reward_message", pa.string()),
        ("reject_response_reward", pa.int64()),
        ("reject_response_reward_message", pa.string()),
        # ours
        ("bfcl_version", pa.string()),
        ("bfcl_error_type", pa.string()),
        ("error_detail", pa.string()),
        ("turn", pa.int64()),
        ("tools", pa.string()),
        ("history", pa.string()),
        ("chosen_message", pa.string()),
        ("rejected_message", pa.string()),
    ]
)
TRBENCH_SCHEMA = pa.schema(
    [
        ("uuid", pa.int64()),
        ("split_id", pa.int64()),
        ("raw_id", pa.string()),
        ("task_source", pa.string()),
        ("error_type", pa.string()),
        ("chat_history", _ROLE_CONTENT),
        ("chosen_response", pa.string()),
        ("reject_response", pa.string()),
        ("chosen_response_from", pa.string()),
        ("reject_response_from", pa.string()),
        ("data_source", pa.string()),
        ("prompt", _ROLE_CONTENT),
        ("ability", pa.string()),
        ("reward_model", pa.struct([("ground_truth", pa.string()), ("style", pa.string())])),
        ("extra_info", EXTRA_INFO_TYPE),
    ]
)
REQUIRED_COLUMNS = (
    "uuid",
    "task_source",
    "chat_history",
    "chosen_response",
    "reject_response",
    "prompt",
    "reward_model",
)


def bench_file_name(variant: str) -> str:
    """The ToolRM evaluation scripts' file names, so that either side reads the other's benchmark."""
    return f"trbench_test_{variant}.parquet"


def write_bench(path: Path, rows: list[dict[str, Any]]) -> None:
    table = pa.Table.from_pylist(rows, schema=TRBENCH_SCHEMA)
    pq.write_table(table, path, compression="zstd")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class BenchError(ValueError):
    """A benchmark that cannot be evaluated; the message says what is wrong."""


@dataclass(frozen=True)
class BenchPair:
    """One pair with its rows: ``original`` (label 1) and ``swapped`` (label 2); either may be absent."""

    uuid: int
    category: str
    original: dict[str, Any] | None
    swapped: dict[str, Any] | None

    @property
    def any_row(self) -> dict[str, Any]:
        row = self.original or self.swapped
        assert row is not None
        return row


@dataclass(frozen=True)
class Bench:
    path: Path
    sha256: str
    rows: list[dict[str, Any]]

    @property
    def name(self) -> str:
        return self.path.parent.name if self.path.name.startswith("trbench_test_") else self.path.stem

    def pairs(self) -> list[BenchPair]:
        """Rows grouped by uuid; the label says which order a row is in (TRBench's own files do the same)."""
        grouped: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
        categories: dict[int, str] = {}
        for row in self.rows:
            label = str((row.get("reward_model") or {}).get("ground_truth", "")).strip()
            order = {"1": "original", "2": "swapped"}.get(label)
            if order is None:
                raise BenchError(f"{self.path}: row uuid={row.get('uuid')} has label {label!r}; expected '1' or '2'")
            uuid = int(row["uuid"])
            if order in grouped[uuid]:
                raise BenchError(f"{self.path}: uuid {uuid} has two rows with label {label}")
            grouped[uuid][order] = row
            categories[uuid] = str(row["task_source"])
        return [
            BenchPair(uuid, categories[uuid], orders.get("original"), orders.get("swapped"))
            for uuid, orders in sorted(grouped.items())
        ]


def resolve_bench_file(bench: Path, variant: str) -> Path:
    """``bench`` is a parquet file, or a folder holding trbench_test_<variant>.parquet."""
    if bench.is_file():
        return bench
    candidate = bench / bench_file_name(variant)
    if candidate.is_file():
        return candidate
    found = ", ".join(sorted(path.name for path in bench.glob("*.parquet"))) if bench.is_dir() else "no folder"
    raise BenchError(
        f"no {bench_file_name(variant)} in {bench} (found: {found or 'nothing'}); build one with "
        "`toolpref trbench build`"
    )


def load_bench(bench: Path, variant: str) -> Bench:
    path = resolve_bench_file(bench, variant)
    table = pq.read_table(path)
    missing = [column for column in REQUIRED_COLUMNS if column not in table.column_names]
    if missing:
        raise BenchError(f"{path}: not a TRBench table, missing column(s) {', '.join(missing)}")
    rows = table.to_pylist()
    if not rows:
        raise BenchError(f"{path}: the benchmark has no rows")
    return Bench(path=path, sha256=sha256_file(path), rows=rows)
