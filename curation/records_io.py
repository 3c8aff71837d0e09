"""Parquet storage of records: one row per record, its id and its JSON. Streaming in both directions.

Some record types also carry key columns beside the JSON (a Pair's source, bin, complexity, ...): a global step
such as `balance` decides from those columns alone, so it never has to hold, or even parse, the records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from curation.schema import (
    FormattedRow,
    Pair,
    Record,
    Reject,
    SampledTask,
    ScoredTask,
    Task,
    Trajectory,
)

R = TypeVar("R", bound=Record)

RECORD_SCHEMA = pa.schema([("id", pa.string()), ("record", pa.string())])
REJECT_SCHEMA = pa.schema([("id", pa.string()), ("reason", pa.string()), ("detail", pa.string()), ("raw", pa.string())])
ROW_GROUP = 2048


def writable_text(text: str) -> str:
    """``text`` unchanged, or with lone surrogates (from JSON escapes like \\ud800) escaped so UTF-8 can hold it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


KeyColumn = tuple[str, pa.DataType, Callable[[Any], Any]]

# Per record type: the key columns written beside the JSON (name, arrow type, how to read it off a record).
KEY_COLUMNS: dict[type[Record], tuple[KeyColumn, ...]] = {
    Pair: (
        ("task_id", pa.string(), lambda p: p.task.id),
        ("trajectory_id", pa.string(), lambda p: p.task.trajectory_id),
        ("source", pa.string(), lambda p: p.source),
        ("intensity_bin", pa.int32(), lambda p: p.intensity_bin),
        ("complexity", pa.int32(), lambda p: p.complexity),
        ("error_type", pa.string(), lambda p: p.error_type.value if p.error_type else None),
    ),
}


def key_values(record: Record) -> tuple[Any, ...]:
    """The values of the key columns of ``record``'s type, in column order (empty for most types)."""
    return tuple(read(record) for _, _, read in KEY_COLUMNS.get(type(record), ()))


def record_schema(record_type: type[Record] | None) -> pa.Schema:
    columns = KEY_COLUMNS.get(record_type, ()) if record_type is not None else ()
    return pa.schema([*RECORD_SCHEMA, *((name, kind) for name, kind, _ in columns)])


def record_id(record: Record) -> str:
    """The natural id of a record, used in data files and rejects."""
    if isinstance(record, (Trajectory, Task)):
        return record.id
    if isinstance(record, (SampledTask, ScoredTask)):
        return record.task.id
    if isinstance(record, Pair):
        return record.pair_id
    if isinstance(record, FormattedRow):
        return f"{record.config}/{record.split}/{record.pair_id}"
    if isinstance(record, Reject):
        return record.record_id
    identifier = getattr(record, "id", None)
    if isinstance(identifier, str):
        return identifier
    raise TypeError(f"{type(record).__name__} has no id")


class _TableWriter:
    """A parquet file written in row groups of about ROW_GROUP rows, from single rows or whole Arrow tables.

    The JSON columns are large and unique: dictionary encoding and min/max statistics would only cost time.
    """

    def __init__(self, path: Path, schema: pa.Schema | None) -> None:
        self.path = path
        self.schema = schema  # None until the first record says (RecordWriter without a record type)
        self._writer: pq.ParquetWriter | None = None
        self._rows: list[tuple[Any, ...]] = []  # single rows not yet in a table
        self._tables: list[pa.Table] = []
        self._buffered = 0
        self.count = 0

    def _add_row(self, row: tuple[Any, ...]) -> None:
        self._rows.append(row)
        self._counted(1)

    def write_table(self, table: pa.Table) -> None:
        """Rows already in a table of this file's schema (built by a worker process, say)."""
        self._rows_to_table()
        if self.schema is None:
            self.schema = table.schema
        if table.num_rows:
            self._tables.append(table)
            self._counted(table.num_rows)

    def _counted(self, rows: int) -> None:
        self.count += rows
        self._buffered += rows
        if self._buffered >= ROW_GROUP:
            self._flush()

    def _rows_to_table(self) -> None:
        if self._rows:
            self._tables.append(rows_table(self._schema(), self._rows))
            self._rows = []

    def _schema(self) -> pa.Schema:
        if self.schema is None:
            self.schema = RECORD_SCHEMA
        return self.schema

    def _flush(self) -> None:
        self._rows_to_table()
        if self._writer is None:
            self._writer = pq.ParquetWriter(
                self.path, self._schema(), compression="zstd", use_dictionary=False, write_statistics=False
            )
        if self._tables:
            self._writer.write_table(pa.concat_tables(self._tables))
            self._tables, self._buffered = [], 0

    def close(self) -> None:
        self._flush()
        assert self._writer is not None
        self._writer.close()


class RecordWriter(_TableWriter):
    """Writes records of one type to a parquet file, so memory stays flat.

    The file has the id and record columns and the key columns of the record type (given, or that of the first
    record written).
    """

    def __init__(self, path: Path, record_type: type[Record] | None = None) -> None:
        super().__init__(path, record_schema(record_type) if record_type is not None else None)

    def write(self, record: Record) -> None:
        if self.schema is None:
            self.schema = record_schema(type(record))
        self._add_row(record_row(record))

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def record_row(record: Record) -> tuple[Any, ...]:
    """One record as a row of its data file: id, JSON, key columns."""
    return (record_id(record), record.model_dump_json(), *key_values(record))


def rows_table(schema: pa.Schema, rows: Sequence[tuple[Any, ...]]) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(schema.names)
    return pa.table(dict(zip(schema.names, columns, strict=True)), schema=schema)


def records_table(records: Sequence[Record], record_type: type[Record]) -> pa.Table:
    """Records of ``record_type`` as rows of its data file (what RecordWriter.write_table takes)."""
    return rows_table(record_schema(record_type), [record_row(record) for record in records])


class RejectWriter(_TableWriter):
    def __init__(self, path: Path) -> None:
        super().__init__(path, REJECT_SCHEMA)

    def write(self, reject: Reject) -> None:
        self._add_row(tuple(writable_text(v) for v in (reject.record_id, reject.reason, reject.detail, reject.raw)))

    def __enter__(self) -> RejectWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_records(path: Path, records: Iterable[Record], record_type: type[Record] | None = None) -> int:
    with RecordWriter(path, record_type) as writer:
        for record in records:
            writer.write(record)
        return writer.count


def iter_json(path: Path, batch_size: int = ROW_GROUP) -> Iterator[list[str]]:
    """Batches of record JSON strings, streamed from a data file."""
    parquet = pq.ParquetFile(path)
    for batch in parquet.iter_batches(batch_size=batch_size, columns=["record"]):
        yield batch.column(0).to_pylist()


def iter_id_and_record_arrays(path: Path, batch_size: int = ROW_GROUP) -> Iterator[tuple[pa.Array, pa.Array]]:
    """Batches of the id and record columns as Arrow arrays (cheap to pass to another process)."""
    parquet = pq.ParquetFile(path)
    for batch in parquet.iter_batches(batch_size=batch_size, columns=["id", "record"]):
        yield batch.column(0), batch.column(1)


def read_key_columns(path: Path, names: Sequence[str]) -> dict[str, list[Any]]:
    """Whole columns of a data file (the id and key columns), without reading the records' JSON."""
    available = pq.ParquetFile(path).schema_arrow.names
    missing = [name for name in names if name not in available]
    if missing:
        raise ValueError(f"{path} has no column {', '.join(missing)}; it has {', '.join(available)}")
    table = pq.read_table(path, columns=list(names))
    return {name: table.column(name).to_pylist() for name in names}


def read_records(path: Path, record_type: type[R], batch_size: int = ROW_GROUP) -> Iterator[R]:
    for batch in iter_json(path, batch_size):
        for text in batch:
            yield record_type.model_validate_json(text)


def read_rejects(path: Path) -> Iterator[Reject]:
    for row in pq.read_table(path).to_pylist():
        yield Reject(record_id=row["id"], reason=row["reason"], detail=row["detail"], raw=row["raw"])


def count_rows(path: Path) -> int:
    return int(pq.ParquetFile(path).metadata.num_rows)
