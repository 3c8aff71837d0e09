"""Parquet storage of records: one row per record, its id and its JSON. Streaming in both directions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar

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


class RecordWriter:
    """Writes records to a parquet file in row groups, so memory stays flat."""

    def __init__(self, path: Path) -> None:
        self._writer = pq.ParquetWriter(path, RECORD_SCHEMA, compression="zstd")
        self._ids: list[str] = []
        self._json: list[str] = []
        self.count = 0

    def write(self, record: Record) -> None:
        self.write_json(record_id(record), record.model_dump_json())

    def write_json(self, identifier: str, text: str) -> None:
        """A record already serialized (by a worker process)."""
        self._ids.append(identifier)
        self._json.append(text)
        self.count += 1
        if len(self._ids) >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._ids:
            table = pa.table({"id": self._ids, "record": self._json}, schema=RECORD_SCHEMA)
            self._writer.write_table(table)
            self._ids, self._json = [], []

    def close(self) -> None:
        self._flush()
        self._writer.close()

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RejectWriter:
    def __init__(self, path: Path) -> None:
        self._writer = pq.ParquetWriter(path, REJECT_SCHEMA, compression="zstd")
        self._rows: list[Reject] = []
        self.count = 0

    def write(self, reject: Reject) -> None:
        self._rows.append(reject)
        self.count += 1
        if len(self._rows) >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            table = pa.table(
                {
                    "id": [writable_text(r.record_id) for r in self._rows],
                    "reason": [writable_text(r.reason) for r in self._rows],
                    "detail": [writable_text(r.detail) for r in self._rows],
                    "raw": [writable_text(r.raw) for r in self._rows],
                },
                schema=REJECT_SCHEMA,
            )
            self._writer.write_table(table)
            self._rows = []

    def close(self) -> None:
        self._flush()
        self._writer.close()

    def __enter__(self) -> RejectWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_records(path: Path, records: Iterable[Record]) -> int:
    with RecordWriter(path) as writer:
        for record in records:
            writer.write(record)
        return writer.count


def iter_json(path: Path, batch_size: int = ROW_GROUP) -> Iterator[list[str]]:
    """Batches of record JSON strings, streamed from a data file."""
    parquet = pq.ParquetFile(path)
    for batch in parquet.iter_batches(batch_size=batch_size, columns=["record"]):
        yield batch.column(0).to_pylist()


def read_records(path: Path, record_type: type[R], batch_size: int = ROW_GROUP) -> Iterator[R]:
    for batch in iter_json(path, batch_size):
        for text in batch:
            yield record_type.model_validate_json(text)


def read_rejects(path: Path) -> Iterator[Reject]:
    for row in pq.read_table(path).to_pylist():
        yield Reject(record_id=row["id"], reason=row["reason"], detail=row["detail"], raw=row["raw"])


def count_rows(path: Path) -> int:
    return int(pq.ParquetFile(path).metadata.num_rows)
