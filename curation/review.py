"""The review store: curators' decisions on pairs, append-only, in SQLite (WAL) in the workspace.

Every decision is a new row; nothing is ever updated or deleted (triggers refuse it), so the full history of a
pair is kept. The latest decision per pair (highest id, i.e. the last one committed) is the one a release applies:
accept keeps the pair, reject drops it, swap exchanges chosen and rejected, flag keeps it and lists it.

Several processes write at once (the studio's sessions, an Argilla import, a script): every write is one
``BEGIN IMMEDIATE`` transaction under a busy timeout, retried with backoff if SQLite still reports a lock.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict

from curation.schema import content_hash

SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 30.0
MAX_ATTEMPTS = 8  # on top of the busy timeout: a lock that outlasts it is retried with jittered backoff

T = TypeVar("T")


_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pair_id TEXT NOT NULL CHECK (length(pair_id) > 0),
    verdict TEXT NOT NULL CHECK (verdict IN ('accept', 'reject', 'swap', 'flag')),
    note TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL DEFAULT '',
    time TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_by_pair ON decisions (pair_id, id);
CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions
BEGIN SELECT RAISE(ABORT, 'review decisions are append-only: record a new decision instead'); END;
CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions
BEGIN SELECT RAISE(ABORT, 'review decisions are append-only: record a new decision instead'); END;
"""

_COLUMNS = "id, pair_id, verdict, note, reviewer, time"
_INHERITED_CONNECTIONS: list[sqlite3.Connection] = []  # see ReviewStore._connect


class Verdict(StrEnum):
    """What a curator decided about a pair; applied by a release."""

    accept = "accept"  # keep as is
    reject = "reject"  # drop from the release
    swap = "swap"  # chosen and rejected are the wrong way round: exchange them
    flag = "flag"  # keep, but list it in the dataset card for a second look


# One decision as given to ``record_many``: (pair_id, verdict) with optional note and reviewer.
DecisionInput = tuple[str, Verdict | str] | tuple[str, Verdict | str, str] | tuple[str, Verdict | str, str, str]


class Decision(BaseModel):
    """One row of the append-only decision table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    pair_id: str
    verdict: Verdict
    note: str = ""
    reviewer: str = ""
    time: str  # ISO-8601 UTC, e.g. 2025-01-31T12:00:00.123456+00:00


class ReviewStoreError(RuntimeError):
    """The review database cannot be used (not a review store, newer schema, locked for too long)."""


def parse_verdict(value: Verdict | str) -> Verdict:
    """``value`` as a Verdict, or a ValueError that lists the valid verdicts."""
    if isinstance(value, Verdict):
        return value
    try:
        return Verdict(str(value).strip().lower())
    except ValueError:
        valid = ", ".join(v.value for v in Verdict)
        raise ValueError(f"unknown verdict {value!r}; expected one of: {valid}") from None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _is_lock_error(error: sqlite3.OperationalError) -> bool:
    message = str(error).lower()
    return "locked" in message or "busy" in message


def _row_to_decision(row: tuple[int, str, str, str, str, str]) -> Decision:
    # Rows come from our own table, whose CHECK constraints already validated them: skip re-validation.
    identifier, pair_id, verdict, note, reviewer, stamp = row
    return Decision.model_construct(
        id=identifier, pair_id=pair_id, verdict=Verdict(verdict), note=note, reviewer=reviewer, time=stamp
    )


class ReviewStore:
    """Append-only review decisions in one SQLite file. Safe to use from several processes at once.

    One store object holds one connection, used under a lock, so it can be shared across threads (the studio
    serves several browser sessions from one process). A forked child opens its own connection. Keeping the
    connection open matters: closing the last connection to a WAL database checkpoints and removes the WAL,
    which would make every single decision cost a checkpoint.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._conn_pid = 0
        self._with_retries(self._create_schema)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and self._conn_pid == os.getpid():
                self._conn.close()
                self._conn = None

    def __enter__(self) -> ReviewStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------------------------
    def record(self, pair_id: str, verdict: Verdict | str, note: str = "", reviewer: str = "") -> Decision:
        """Append one decision and return it with its id and time."""
        row = self._validated(pair_id, verdict, note, reviewer, where="")

        def insert(conn: sqlite3.Connection) -> Decision:
            cursor = conn.execute(
                "INSERT INTO decisions (pair_id, verdict, note, reviewer, time) VALUES (?, ?, ?, ?, ?)", row
            )
            assert cursor.lastrowid is not None
            return Decision(
                id=cursor.lastrowid, pair_id=row[0], verdict=Verdict(row[1]), note=row[2], reviewer=row[3], time=row[4]
            )

        return self._write(insert)

    def record_many(self, decisions: Iterable[DecisionInput]) -> int:
        """Append many decisions in one transaction (all or none); returns how many were written.

        Each item is ``(pair_id, verdict)``, ``(pair_id, verdict, note)`` or ``(pair_id, verdict, note, reviewer)``.
        Every item is checked before anything is written, so a bad item leaves the store unchanged.
        """
        stamp = _now()
        rows: list[tuple[str, str, str, str, str]] = []
        for index, item in enumerate(decisions):
            if not isinstance(item, tuple) or not 2 <= len(item) <= 4:
                raise ValueError(f"decision #{index}: expected (pair_id, verdict[, note[, reviewer]]), got {item!r}")
            pair_id, verdict = item[0], item[1]
            note = item[2] if len(item) > 2 else ""
            reviewer = item[3] if len(item) > 3 else ""
            rows.append(self._validated(pair_id, verdict, note, reviewer, where=f"decision #{index}: ", stamp=stamp))
        if not rows:
            return 0

        def insert(conn: sqlite3.Connection) -> int:
            conn.executemany(
                "INSERT INTO decisions (pair_id, verdict, note, reviewer, time) VALUES (?, ?, ?, ?, ?)", rows
            )
            return len(rows)

        return self._write(insert)

    # -- reading ---------------------------------------------------------------------------------------------
    def latest(self) -> dict[str, Decision]:
        """The decision that counts for every reviewed pair: its latest one (by id, the commit order)."""
        query = (
            f"SELECT {_COLUMNS} FROM decisions WHERE id IN (SELECT MAX(id) FROM decisions GROUP BY pair_id) "
            "ORDER BY pair_id"
        )
        rows = self._read(lambda conn: conn.execute(query).fetchall())
        return {row[1]: _row_to_decision(row) for row in rows}

    def latest_verdicts(self) -> dict[str, Verdict]:
        """``latest()`` reduced to the verdicts: what filters and releases need, cheaper for large stores."""
        query = "SELECT pair_id, verdict FROM decisions WHERE id IN (SELECT MAX(id) FROM decisions GROUP BY pair_id)"
        rows = self._read(lambda conn: conn.execute(query).fetchall())
        return {pair_id: Verdict(verdict) for pair_id, verdict in rows}

    def history(self, pair_id: str) -> list[Decision]:
        """Every decision on one pair, oldest first."""
        query = f"SELECT {_COLUMNS} FROM decisions WHERE pair_id = ? ORDER BY id"
        rows = self._read(lambda conn: conn.execute(query, (pair_id,)).fetchall())
        return [_row_to_decision(row) for row in rows]

    def last_id(self) -> int:
        """Id of the newest decision (0 when empty): changes whenever anything is recorded, so it keys caches."""
        value = self._read(lambda conn: conn.execute("SELECT COALESCE(MAX(id), 0) FROM decisions").fetchone()[0])
        return int(value)

    def snapshot(self) -> dict[str, object]:
        """A summary that pins the store's state, for release manifests.

        ``sha256`` hashes the latest decision of every pair (pair id, verdict, note, reviewer, time, id), sorted
        by pair id: two stores with the same effective decisions have the same hash.
        """

        def read(conn: sqlite3.Connection) -> tuple[int, list[Decision]]:
            # One read transaction, so the count and the latest decisions come from the same state.
            conn.execute("BEGIN")
            total = int(conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0])
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM decisions WHERE id IN "
                "(SELECT MAX(id) FROM decisions GROUP BY pair_id) ORDER BY pair_id"
            ).fetchall()
            conn.execute("COMMIT")
            return total, [_row_to_decision(row) for row in rows]

        total, latest = self._read(read)
        by_verdict = Counter(decision.verdict.value for decision in latest)
        return {
            "decisions": total,
            "pairs": len(latest),
            "by_verdict": {verdict.value: by_verdict.get(verdict.value, 0) for verdict in Verdict},
            "sha256": content_hash([decision.model_dump(mode="json") for decision in latest]),
        }

    # -- plumbing --------------------------------------------------------------------------------------------
    @staticmethod
    def _validated(
        pair_id: object, verdict: Verdict | str, note: object, reviewer: object, where: str, stamp: str | None = None
    ) -> tuple[str, str, str, str, str]:
        if not isinstance(pair_id, str) or not pair_id.strip():
            raise ValueError(f"{where}pair_id must be a non-empty string, got {pair_id!r}")
        if not isinstance(note, str) or not isinstance(reviewer, str):
            raise ValueError(f"{where}note and reviewer must be strings, got {note!r} and {reviewer!r}")
        try:
            checked = parse_verdict(verdict)
        except ValueError as error:
            raise ValueError(f"{where}{error}") from None
        return pair_id, checked.value, note, reviewer.strip(), stamp or _now()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn is not None and self._conn_pid != os.getpid():
                # Inherited through fork: SQLite forbids using it here, and closing it here could disturb the
                # parent's locks, so keep it alive, untouched, and open a connection of our own.
                _INHERITED_CONNECTIONS.append(self._conn)
                self._conn = None
            if self._conn is None:
                # isolation_level=None: we issue BEGIN/COMMIT ourselves, so transaction boundaries are explicit.
                conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
                conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
                # In WAL mode NORMAL never corrupts the file and loses nothing when a process dies; only a power
                # cut can undo the last commits. It keeps commits (and so lock hold times) short.
                conn.execute("PRAGMA synchronous = NORMAL")
                self._conn, self._conn_pid = conn, os.getpid()
            try:
                yield self._conn
            finally:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")

    def _create_schema(self) -> None:
        with self._connect() as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise ReviewStoreError(
                    f"{self.path} has review schema version {version}; this code knows up to {SCHEMA_VERSION}: "
                    "upgrade toolpref-studio"
                )
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            if version < SCHEMA_VERSION:
                conn.execute("BEGIN IMMEDIATE")
                for statement in _SCHEMA.split(";\n"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                conn.execute("COMMIT")

    def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        def attempt() -> T:
            with self._connect() as conn:
                conn.execute("BEGIN IMMEDIATE")
                result = work(conn)  # on an error, _connect rolls the transaction back
                conn.execute("COMMIT")
                return result

        return self._with_retries(attempt)

    def _read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        def attempt() -> T:
            with self._connect() as conn:
                return work(conn)

        return self._with_retries(attempt)

    def _with_retries(self, attempt: Callable[[], T]) -> T:
        for number in range(1, MAX_ATTEMPTS + 1):
            try:
                return attempt()
            except sqlite3.OperationalError as error:
                if not _is_lock_error(error) or number == MAX_ATTEMPTS:
                    if _is_lock_error(error):
                        raise ReviewStoreError(
                            f"{self.path} stayed locked through {MAX_ATTEMPTS} attempts: {error}"
                        ) from error
                    raise
                time.sleep(min(2.0, 0.05 * 2**number) * (0.5 + random.random()))
            except sqlite3.DatabaseError as error:
                raise ReviewStoreError(f"{self.path} is not a usable review store: {error}") from error
        raise AssertionError("unreachable")
