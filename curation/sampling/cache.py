"""The request cache: every finished generation, keyed by task id, policy hash and sample index (SQLite, WAL).

The sample step looks here before it sends anything and writes each generation as soon as it arrives, so a run
killed mid-sampling loses no finished generation and its rerun sends none of them again. The task's content hash
is stored beside each row: a task whose id stayed the same but whose content changed is a miss, not a stale hit.
Requests that failed for good are not stored, so a rerun tries them again.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from curation.sampling.base import Generation, SampleRequest
from curation.schema import Task, content_hash

CACHE_FILE = "requests.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS generations (
    task_id TEXT NOT NULL,
    policy_hash TEXT NOT NULL,
    sample_index INTEGER NOT NULL,
    task_hash TEXT NOT NULL,
    generation TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (task_id, policy_hash, sample_index)
)
"""
_LOOKUP_CHUNK = 400  # stays under SQLite's limit on bound parameters per statement


class RequestCache:
    """One SQLite file; one writer (the sample step), any number of readers."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=60.0, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a committed row survives a killed process (only a power loss may drop the last ones).
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        self._task_hashes: dict[str, tuple[Task, str]] = {}

    @classmethod
    def in_folder(cls, folder: Path) -> RequestCache:
        return cls(folder / CACHE_FILE)

    def _task_hash(self, request: SampleRequest) -> str:
        # The n requests of a task share one Task object: hash it once (a different object is hashed anew).
        seen = self._task_hashes.get(request.task.id)
        if seen is None or seen[0] is not request.task:
            seen = self._task_hashes[request.task.id] = (request.task, content_hash(request.task))
        return seen[1]

    def get_many(self, policy_hash: str, requests: Sequence[SampleRequest]) -> dict[tuple[str, int], Generation]:
        """The cached generations among ``requests``, by (task id, sample index)."""
        wanted = {request.key: self._task_hash(request) for request in requests}
        task_ids = sorted({task_id for task_id, _ in wanted})
        found: dict[tuple[str, int], Generation] = {}
        for start in range(0, len(task_ids), _LOOKUP_CHUNK):
            chunk = task_ids[start : start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT task_id, sample_index, task_hash, generation FROM generations"
                f" WHERE policy_hash = ? AND task_id IN ({marks})",
                (policy_hash, *chunk),
            )
            for task_id, sample_index, task_hash, text in rows:
                key = (task_id, int(sample_index))
                if wanted.get(key) == task_hash:
                    found[key] = Generation.model_validate_json(text)
        return found

    def put(self, policy_hash: str, request: SampleRequest, generation: Generation) -> bool:
        """Store one finished generation (committed at once); returns False for a failed request, not stored."""
        if generation.request_error is not None:
            return False
        self._db.execute(
            "INSERT OR REPLACE INTO generations VALUES (?, ?, ?, ?, ?, ?)",
            (
                request.task.id,
                policy_hash,
                request.sample_index,
                self._task_hash(request),
                generation.model_dump_json(),
                time.time(),
            ),
        )
        return True

    def keys(self, policy_hash: str | None = None) -> set[tuple[str, str, int]]:
        """Every stored (task id, policy hash, sample index), for inspection and tests."""
        query = "SELECT task_id, policy_hash, sample_index FROM generations"
        rows: Iterable[tuple[str, str, int]] = (
            self._db.execute(query + " WHERE policy_hash = ?", (policy_hash,))
            if policy_hash is not None
            else self._db.execute(query)
        )
        return {(task_id, stored_hash, int(index)) for task_id, stored_hash, index in rows}

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> RequestCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
