"""BoundedMemo: remembers up to its size, forgets all at once when full, and keeps falsy values."""

from __future__ import annotations

from curation.memo import BoundedMemo


def test_values_are_made_once_and_kept_until_the_memo_fills() -> None:
    made: list[str] = []
    memo: BoundedMemo[str, str] = BoundedMemo(2)

    def make(key: str) -> str:
        made.append(key)
        return key.upper()

    assert memo.get_or_make("a", lambda: make("a")) == "A"
    assert memo.get_or_make("a", lambda: make("a")) == "A"
    assert memo.get_or_make("b", lambda: make("b")) == "B"
    assert made == ["a", "b"] and len(memo) == 2
    assert memo.get_or_make("c", lambda: make("c")) == "C"  # full: everything forgotten, then c kept
    assert len(memo) == 1 and memo.get("a") is None
    assert memo.get_or_make("a", lambda: make("a")) == "A"
    assert made == ["a", "b", "c", "a"]


def test_falsy_values_are_remembered() -> None:
    calls = 0

    def empty() -> tuple[int, ...]:
        nonlocal calls
        calls += 1
        return ()

    memo: BoundedMemo[str, tuple[int, ...]] = BoundedMemo(4)
    assert memo.get_or_make("none", empty) == () and memo.get_or_make("none", empty) == ()
    assert calls == 1
