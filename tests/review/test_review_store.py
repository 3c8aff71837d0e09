"""The review store against real SQLite files: append-only history, latest-wins, atomic batches, and many
processes writing at once."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from curation.review import Decision, ReviewStore, ReviewStoreError, Verdict
from curation.workspace import Workspace


def test_record_returns_the_stored_decision(tmp_path: Path) -> None:
    store = ReviewStore(tmp_path / "review.db")
    before = datetime.now(UTC)
    decision = store.record("pair-1", Verdict.reject, note="wrong unit", reviewer=" ada ")
    assert isinstance(decision, Decision)
    assert (decision.pair_id, decision.verdict, decision.note, decision.reviewer) == (
        "pair-1",
        Verdict.reject,
        "wrong unit",
        "ada",
    )
    stamp = datetime.fromisoformat(decision.time)
    assert stamp.utcoffset() is not None and stamp.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert before <= stamp <= datetime.now(UTC)
    assert store.history("pair-1") == [decision]


def test_latest_decision_wins_and_history_keeps_all(tmp_path: Path) -> None:
    store = ReviewStore(tmp_path / "review.db")
    store.record("a", "accept", reviewer="ada")
    store.record("b", Verdict.flag, note="odd tool")
    store.record("a", "REJECT", note="changed my mind", reviewer="bob")
    latest = store.latest()
    assert set(latest) == {"a", "b"}
    assert latest["a"].verdict is Verdict.reject and latest["a"].reviewer == "bob"
    assert latest["b"].verdict is Verdict.flag
    assert [d.verdict for d in store.history("a")] == [Verdict.accept, Verdict.reject]
    assert [d.note for d in store.history("a")] == ["", "changed my mind"]
    assert store.history("missing") == []
    assert store.latest_verdicts() == {"a": Verdict.reject, "b": Verdict.flag}


def test_the_store_survives_reopening(tmp_path: Path) -> None:
    path = Workspace.resolve(tmp_path / "ws").review_db
    ReviewStore(path).record("a", Verdict.swap, note="labels inverted")
    reopened = ReviewStore(path)
    assert reopened.latest()["a"].verdict is Verdict.swap
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_decisions_cannot_be_updated_or_deleted(tmp_path: Path) -> None:
    path = tmp_path / "review.db"
    ReviewStore(path).record("a", Verdict.accept)
    conn = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE decisions SET verdict = 'reject'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM decisions")
    finally:
        conn.close()
    assert ReviewStore(path).latest()["a"].verdict is Verdict.accept


@pytest.mark.parametrize(
    ("pair_id", "verdict", "message"),
    [
        ("a", "approve", "unknown verdict 'approve'; expected one of: accept, reject, swap, flag"),
        ("", "accept", "pair_id"),
    ],
)
def test_bad_input_is_a_clear_error(tmp_path: Path, pair_id: str, verdict: str, message: str) -> None:
    store = ReviewStore(tmp_path / "review.db")
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        store.record(pair_id, verdict)
    assert store.latest() == {}


def test_record_many_is_one_transaction(tmp_path: Path) -> None:
    store = ReviewStore(tmp_path / "review.db")
    written = store.record_many(
        [("a", "accept"), ("b", Verdict.swap, "inverted"), ("c", "flag", "check", "argilla:eve")]
    )
    assert written == 3
    latest = store.latest()
    assert latest["b"].note == "inverted" and latest["c"].reviewer == "argilla:eve"
    assert store.record_many([]) == 0

    with pytest.raises(ValueError, match=r"decision #1: unknown verdict 'maybe'"):
        store.record_many([("d", "accept"), ("e", "maybe")])
    with pytest.raises(ValueError, match=r"decision #0: expected \(pair_id, verdict"):
        store.record_many([("only-an-id",)])  # type: ignore[list-item]
    assert set(store.latest()) == {"a", "b", "c"}  # nothing of the failed batches was written


def test_snapshot_counts_and_hashes_the_latest_decisions(tmp_path: Path) -> None:
    store = ReviewStore(tmp_path / "review.db")
    empty = store.snapshot()
    assert empty["decisions"] == 0 and empty["pairs"] == 0
    assert empty["by_verdict"] == {"accept": 0, "reject": 0, "swap": 0, "flag": 0}

    store.record("b", Verdict.accept)
    store.record("a", Verdict.flag, note="n")
    store.record("b", Verdict.reject, reviewer="r")
    snap = store.snapshot()
    assert snap["decisions"] == 3 and snap["pairs"] == 2
    assert snap["by_verdict"] == {"accept": 0, "reject": 1, "swap": 0, "flag": 1}
    # The documented hash: sha256 of the canonical JSON of the latest decisions, sorted by pair id.
    with sqlite3.connect(tmp_path / "review.db") as conn:
        rows = conn.execute("SELECT id, pair_id, verdict, note, reviewer, time FROM decisions WHERE id IN (2, 3)")
        latest = sorted(
            ({"id": i, "pair_id": p, "verdict": v, "note": n, "reviewer": r, "time": t} for i, p, v, n, r, t in rows),
            key=lambda d: d["pair_id"],
        )
    expected = hashlib.sha256(json.dumps(latest, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert snap["sha256"] == expected
    assert store.snapshot() == snap  # reading does not change it
    store.record("c", Verdict.swap)
    assert store.snapshot()["sha256"] != expected
    assert store.last_id() == 4


def test_a_file_that_is_not_a_review_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "review.db"
    path.write_bytes(b"this is not sqlite at all, just some bytes" * 100)
    with pytest.raises(ReviewStoreError, match="not a usable review store"):
        ReviewStore(path)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "review.db"
    ReviewStore(path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(ReviewStoreError, match="schema version 99"):
        ReviewStore(path)


WRITERS = 8
DECISIONS_PER_WRITER = 500


def _write_decisions(path: str, writer: int, start: multiprocessing.synchronize.Event) -> None:
    store = ReviewStore(Path(path))
    start.wait()
    verdicts = list(Verdict)
    for index in range(DECISIONS_PER_WRITER):
        # Half the writes go to pairs that every writer touches, so writers contend for the same pairs too.
        pair_id = f"shared-{(index // 2) % 50}" if index % 2 else f"w{writer}-{index}"
        store.record(pair_id, verdicts[(writer + index) % 4], note=f"{writer}:{index}", reviewer=f"writer-{writer}")


def test_concurrent_processes_lose_no_decision(tmp_path: Path) -> None:
    path = tmp_path / "review.db"
    # fork: the children start at once (spawn would re-import everything, seconds on a busy machine); each child
    # opens its own connection, so nothing but the file is shared.
    context = multiprocessing.get_context("fork")
    start = context.Event()
    processes = [context.Process(target=_write_decisions, args=(str(path), n, start)) for n in range(WRITERS)]
    for process in processes:
        process.start()
    start.set()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0] * WRITERS

    with sqlite3.connect(path) as conn:
        notes = {row[0] for row in conn.execute("SELECT note FROM decisions")}
        ids = [row[0] for row in conn.execute("SELECT id FROM decisions ORDER BY id")]
    expected = {f"{writer}:{index}" for writer in range(WRITERS) for index in range(DECISIONS_PER_WRITER)}
    assert notes == expected
    assert ids == list(range(1, WRITERS * DECISIONS_PER_WRITER + 1))
    store = ReviewStore(path)
    snap = store.snapshot()
    assert snap["decisions"] == WRITERS * DECISIONS_PER_WRITER
    assert snap["pairs"] == 50 + WRITERS * DECISIONS_PER_WRITER // 2
    # Latest wins: for every shared pair, the latest decision is the one with the highest id.
    with sqlite3.connect(path) as conn:
        last = dict(conn.execute("SELECT pair_id, note FROM decisions ORDER BY id").fetchall())
    assert {pair: decision.note for pair, decision in store.latest().items()} == last


def _record_with_inherited_store(store: ReviewStore) -> None:
    store.record("from-child", Verdict.flag, note="child")


def test_a_store_inherited_by_a_forked_child_opens_its_own_connection(tmp_path: Path) -> None:
    store = ReviewStore(tmp_path / "review.db")
    store.record("from-parent", Verdict.accept)  # the parent's connection is open when the child is forked
    child = multiprocessing.get_context("fork").Process(target=_record_with_inherited_store, args=(store,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    store.record("after-child", Verdict.reject)
    assert [d.pair_id for d in sorted(store.latest().values(), key=lambda d: d.id)] == [
        "from-parent",
        "from-child",
        "after-child",
    ]
