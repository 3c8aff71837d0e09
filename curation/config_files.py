"""The parquet files of the release configs: ``<out_dir>/<config>/<split>.parquet``, written in row groups.

Two ways in, one writer: rows held in memory (``write_configs``, used by the release after review decisions), and
the `format` step's own data file (``export_configs``), whose FormattedRow JSON is parsed by Arrow's JSON reader
straight into each config's schema, since building Python objects for every row would cost far more than writing
them (the rows of one pair are about 25 KB of JSON).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, get_args

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from curation.config_rows import SCHEMAS
from curation.schema import FormattedRow, Split

SPLITS: tuple[Split, ...] = get_args(Split)
ROWS_PER_GROUP = 1000  # rows per parquet row group of a config file; part of the files' bytes
_BATCH_ROWS = 4096  # FormattedRow records parsed per batch by export_configs: memory stays flat


class ConfigWriter:
    """Writes Arrow tables of rows of one config and split to their file, in row groups of ``ROWS_PER_GROUP``.

    GenRM rows get their ``extra_info.index`` here: their position in the file. A split without rows gets no file
    (``datasets`` cannot load a split of zero rows); its count is 0. ``counts`` is the row count per config (in the
    order the configs first came) and split.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.counts: dict[str, dict[str, int]] = {}
        self._pending: dict[tuple[str, str], list[pa.Table]] = {}
        self._writers: dict[tuple[str, str], pq.ParquetWriter] = {}

    def add(self, config: str, split: str, table: pa.Table) -> None:
        split_counts = self.counts.setdefault(config, dict.fromkeys(SPLITS, 0))
        start = split_counts[split]
        split_counts[split] += table.num_rows
        if "extra_info" in table.schema.names:
            table = _numbered(table, start)
        pending = self._pending.setdefault((config, split), [])
        pending.append(table)
        if sum(part.num_rows for part in pending) >= ROWS_PER_GROUP:
            self._flush((config, split), whole_groups_only=True)

    def _flush(self, key: tuple[str, str], *, whole_groups_only: bool) -> None:
        # One contiguous table per row group, as when the rows came in groups of ROWS_PER_GROUP: the files' bytes
        # (page boundaries included) then do not depend on how the rows were batched on the way in.
        rows = pa.concat_tables(self._pending[key]).combine_chunks()
        end = rows.num_rows - rows.num_rows % ROWS_PER_GROUP if whole_groups_only else rows.num_rows
        for offset in range(0, end, ROWS_PER_GROUP):
            self._writer(key).write_table(rows.slice(offset, min(ROWS_PER_GROUP, end - offset)))
        self._pending[key] = [rows.slice(end)] if end < rows.num_rows else []

    def _writer(self, key: tuple[str, str]) -> pq.ParquetWriter:
        if key not in self._writers:
            folder = self.out_dir / key[0]
            folder.mkdir(parents=True, exist_ok=True)
            self._writers[key] = pq.ParquetWriter(folder / f"{key[1]}.parquet", SCHEMAS[key[0]], compression="zstd")
        return self._writers[key]

    def close(self) -> None:
        """Write what is pending and close every file (also after a failure, so no file handle leaks)."""
        try:
            for key, pending in self._pending.items():
                if pending:
                    self._flush(key, whole_groups_only=False)
        finally:
            for writer in self._writers.values():
                writer.close()


def _numbered(table: pa.Table, start: int) -> pa.Table:
    """``table`` with ``extra_info.index`` set to each row's position in its file, counting from ``start``."""
    extra = table.column("extra_info").combine_chunks()
    children = [extra.field(i) for i in range(extra.type.num_fields)]
    position = extra.type.get_field_index("index")
    children[position] = pa.array(range(start, start + table.num_rows), pa.int64())
    numbered = pa.StructArray.from_arrays(children, fields=list(extra.type), mask=extra.is_null())
    return table.set_column(table.schema.get_field_index("extra_info"), table.schema.field("extra_info"), numbered)


def _check_key(config: str, split: str) -> None:
    if config not in SCHEMAS:
        raise ValueError(f"unknown release config {config!r}; known: {', '.join(SCHEMAS)}")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r} of config {config!r}; known: {', '.join(SPLITS)}")


def write_configs(rows: Iterable[FormattedRow], out_dir: Path) -> dict[str, dict[str, int]]:
    """Write ``out_dir/<config>/<split>.parquet`` for every config and split that has rows, streaming in row groups.

    Returns the row count per config and split.
    """
    writer = ConfigWriter(out_dir)
    buffers: dict[tuple[str, str], list[dict[str, Any]]] = {}
    try:
        for row in rows:
            _check_key(row.config, row.split)
            key = (row.config, row.split)
            buffer = buffers.setdefault(key, [])
            buffer.append(row.row)
            if len(buffer) >= ROWS_PER_GROUP:
                writer.add(*key, pa.Table.from_pylist(buffer, schema=SCHEMAS[row.config]))
                buffers[key] = []
        for (config, split), buffer in buffers.items():
            if buffer:
                writer.add(config, split, pa.Table.from_pylist(buffer, schema=SCHEMAS[config]))
    finally:
        writer.close()
    return writer.counts


def export_configs(data_path: Path, out_dir: Path) -> dict[str, dict[str, int]]:
    """``write_configs`` for the FormattedRow records of a data file (the `format` step's data.parquet).

    The records are grouped by their id, ``<config>/<split>/<pair_id>`` (curation.records_io.record_id); the
    config and split inside each record are checked against it. Returns the row count per config and split.
    """
    writer = ConfigWriter(out_dir)
    try:
        for batch in pq.ParquetFile(data_path).iter_batches(batch_size=_BATCH_ROWS, columns=["id", "record"]):
            ids, records = batch.column("id"), batch.column("record")
            parts = pc.split_pattern(ids, pattern="/", max_splits=2)
            malformed = pc.less(pc.list_value_length(parts), 3)
            if pc.any(malformed).as_py():
                first = pc.filter(ids, malformed)[0].as_py()
                raise ValueError(f"{data_path}: record id {first!r} is not <config>/<split>/<pair_id>")
            keys = pc.binary_join_element_wise(pc.list_element(parts, 0), pc.list_element(parts, 1), "/")
            for key in pc.unique(keys).to_pylist():  # in order of first appearance, as the rows came
                config, split = key.split("/")
                _check_key(config, split)
                writer.add(config, split, _parse_rows(pc.filter(records, pc.equal(keys, key)), config, split))
    finally:
        writer.close()
    return writer.counts


def _parse_rows(texts: pa.Array, config: str, split: str) -> pa.Table:
    """FormattedRow JSON texts of one config and split -> a table of their rows in the config's schema."""
    record_type = pa.schema(
        [("pair_id", pa.string()), ("config", pa.string()), ("split", pa.string()), ("row", pa.struct(SCHEMAS[config]))]
    )
    # One newline-delimited JSON buffer (the JSON texts hold no raw newline), read as a single block.
    lines = pa.LargeListArray.from_arrays(pa.array([0, len(texts)], pa.int64()), texts.cast(pa.large_string()))
    data = pc.binary_join(lines, pa.scalar("\n", pa.large_string()))[0].as_buffer()
    try:
        parsed = pa_json.read_json(
            pa.BufferReader(data),
            read_options=pa_json.ReadOptions(use_threads=False, block_size=max(data.size, 1)),
            parse_options=pa_json.ParseOptions(explicit_schema=record_type, unexpected_field_behavior="error"),
        )
    except pa.ArrowInvalid as error:
        raise ValueError(f"FormattedRow records filed under {config}/{split} do not fit its schema: {error}") from None
    for field, expected in (("config", config), ("split", split)):
        if not pc.all(pc.equal(parsed.column(field), expected), skip_nulls=False).as_py():
            raise ValueError(f"a FormattedRow filed under {config}/{split} has another {field}")
    return pa.Table.from_struct_array(parsed.column("row").combine_chunks())
