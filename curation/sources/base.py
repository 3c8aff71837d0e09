"""What every source adapter shares: reading local files record by record, the Hub path, reject handling.

An adapter only says how one native record becomes trajectories (``convert``). Reading JSON arrays, JSON Lines
and parquet, and turning unreadable input into rejects, happens here once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from curation.records_io import writable_text
from curation.schema import Reject, Trajectory

DATA_SUFFIXES = (".json", ".jsonl", ".parquet")
RAW_LIMIT = 100_000  # characters of a bad record kept in rejects.parquet


class SourceError(Exception):
    """Raised by ``convert`` when a native record cannot become a trajectory."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class RawRecord:
    key: str  # "<file stem>:<index>", stable across runs; adapters use it when a record has no id
    value: Any  # the parsed record (dict for JSON sources)
    # The record as the file has it (a JSON line), for rejects; None: written from ``value`` if a reject needs it,
    # since most records never do and writing each one out would cost as much as reading it.
    given_text: str | None = None

    @property
    def text(self) -> str:
        return self.given_text if self.given_text is not None else _as_text(self.value)


def _as_text(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return writable_text(text[:RAW_LIMIT])


def data_files(path: Path) -> list[Path]:
    """``path`` itself, or the data files below it in sorted order."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in DATA_SUFFIXES)
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    return [path]


def read_raw(path: Path) -> Iterator[RawRecord | Reject]:
    """Every record of one file: a JSON array, a single JSON object, JSON Lines, or parquet."""
    stem = path.stem
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        for index, row in enumerate(pq.read_table(path).to_pylist()):
            yield RawRecord(f"{stem}:{index}", row)
        return
    text = path.read_text(encoding="utf-8", errors="replace")
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            values = json.loads(text)
        except json.JSONDecodeError as error:
            yield Reject(
                record_id=f"{stem}:file", reason="unreadable JSON file", detail=str(error), raw=text[:RAW_LIMIT]
            )
            return
        for index, value in enumerate(values):
            yield RawRecord(f"{stem}:{index}", value)
        return
    # JSON Lines (BFCL's ".json" files are JSON Lines too), or one pretty-printed object.
    lines = text.splitlines()
    if stripped.startswith("{") and len(lines) > 1 and not lines[0].rstrip().endswith("}"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            yield Reject(
                record_id=f"{stem}:file", reason="unreadable JSON file", detail=str(error), raw=text[:RAW_LIMIT]
            )
            return
        yield RawRecord(f"{stem}:0", value, text[:RAW_LIMIT])
        return
    index = 0
    for line in lines:
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            yield Reject(record_id=f"{stem}:{index}", reason="bad JSON line", detail=str(error), raw=line[:RAW_LIMIT])
        else:
            yield RawRecord(f"{stem}:{index}", value, line[:RAW_LIMIT])
        index += 1


class SourceAdapter:
    """Base of every adapter. Subclasses set the class attributes and implement ``convert``."""

    name: ClassVar[str]
    license: ClassVar[str]
    hub_id: ClassVar[str | None] = None  # the dataset's Hub id, for `read_hub`
    description: ClassVar[str] = ""

    def convert(self, raw: RawRecord) -> Iterator[Trajectory | Reject]:
        """Trajectories (or rejects) for one native record; raise SourceError to reject the whole record."""
        raise NotImplementedError

    def read(self, path: Path) -> Iterator[Trajectory | Reject]:
        """Everything under ``path`` (a file or a folder). Override when a source spans several files."""
        for unit in self.read_units(path):
            yield from self.convert_unit(unit)

    def read_units(self, path: Path) -> Iterator[RawRecord | Trajectory | Reject]:
        """What ``read`` yields, except that per-record conversion is left to ``convert_unit``, so that it can
        run in worker processes. An adapter that overrides ``read`` converts here itself."""
        if type(self).read is not SourceAdapter.read:
            yield from self.read(path)
            return
        for file in data_files(path):
            yield from read_raw(file)

    def convert_unit(self, unit: RawRecord | Trajectory | Reject) -> Iterator[Trajectory | Reject]:
        """The trajectories (or rejects) of one item of ``read_units``."""
        if isinstance(unit, RawRecord):
            yield from self.convert_safely(unit)
        else:
            yield unit

    def convert_safely(self, raw: RawRecord) -> Iterator[Trajectory | Reject]:
        """``convert``, with every failure turned into a reject that names the record."""
        try:
            # Materialise so that a failure half-way does not leave half a record's trajectories behind.
            results = list(self.convert(raw))
        except SourceError as error:
            yield Reject(record_id=raw.key, reason=error.reason, detail=error.detail, raw=raw.text)
            return
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as error:
            # A record shaped unlike the format description: name the failure rather than crash the run.
            detail = f"{type(error).__name__}: {error}"[:2000]
            yield Reject(record_id=raw.key, reason="malformed record", detail=detail, raw=raw.text)
            return
        yield from results

    def read_hub(self, dataset_id: str | None = None, split: str = "train") -> Iterator[Trajectory | Reject]:
        """Read the dataset from the Hugging Face Hub with ``datasets.load_dataset`` (needs network access)."""
        try:
            import datasets
        except ImportError as error:  # pragma: no cover - depends on the install
            raise RuntimeError("reading from the Hub needs `pip install datasets`") from error
        name = dataset_id or self.hub_id
        if not name:
            raise ValueError(f"source {self.name!r} has no Hub id; pass one")
        rows = datasets.load_dataset(name, split=split)
        for index, row in enumerate(rows):
            yield from self.convert_safely(RawRecord(f"{split}:{index}", row))
