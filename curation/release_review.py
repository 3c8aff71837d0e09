"""Review decisions as a release applies them: the latest decision per pair from the workspace's review store.

reject drops the pair; swap exchanges chosen and rejected (with their scores) and marks it; flag keeps it, marks it
and lists it; accept keeps it as is. The mark is ``task.meta["review"]``, so released records say what a curator
did to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from curation.review import Decision, ReviewStore, ReviewStoreError, Verdict
from curation.schema import Pair
from curation.workspace import Workspace

_READ_ATTEMPTS = 5


def mark_review(pair: Pair, verdict: Verdict) -> Pair:
    """The pair with ``task.meta["review"]`` set, so released records show what a curator did to them."""
    task = pair.task.model_copy(update={"meta": {**pair.task.meta, "review": verdict.value}})
    return pair.model_copy(update={"task": task})


def swap_pair(pair: Pair) -> Pair:
    """Chosen and rejected exchanged, with their scores; intensity, bin and error type are kept as the rule gave
    them (nothing is recomputed) and the pair is marked, so its numbers can be read for what they are."""
    swapped = pair.model_copy(
        update={
            "chosen": pair.rejected,
            "rejected": pair.chosen,
            "chosen_score": pair.rejected_score,
            "rejected_score": pair.chosen_score,
        }
    )
    return mark_review(swapped, Verdict.swap)


class ReviewApplier:
    """Applies the latest decision per pair to a stream of pairs and keeps account of what it did."""

    def __init__(self, decisions: Mapping[str, Decision]) -> None:
        self._decisions = decisions
        self._seen: set[str] = set()
        self.unreviewed = 0
        self.accepted = 0
        self.rejected: list[str] = []
        self.swapped: list[str] = []
        self.flagged: list[dict[str, str]] = []

    def apply(self, pairs: Iterable[Pair]) -> Iterator[Pair]:
        for pair in pairs:
            self._seen.add(pair.pair_id)
            decision = self._decisions.get(pair.pair_id)
            if decision is None:
                self.unreviewed += 1
                yield pair
            elif decision.verdict == Verdict.reject:
                self.rejected.append(pair.pair_id)
            elif decision.verdict == Verdict.swap:
                self.swapped.append(pair.pair_id)
                yield swap_pair(pair)
            elif decision.verdict == Verdict.flag:
                self.flagged.append({"pair_id": pair.pair_id, "note": decision.note})
                yield mark_review(pair, Verdict.flag)
            else:
                self.accepted += 1
                yield pair

    def summary(self) -> dict[str, Any]:
        return {
            "pairs_in_run": len(self._seen),
            "released": len(self._seen) - len(self.rejected),
            "unreviewed": self.unreviewed,
            "accepted": self.accepted,
            "rejected": sorted(self.rejected),
            "swapped": sorted(self.swapped),
            "flagged": sorted(self.flagged, key=lambda item: item["pair_id"]),
            # Decisions on pairs this run does not have (another run's, or pairs balance left out): not applied.
            "decisions_not_in_run": len(set(self._decisions) - self._seen),
        }


def load_decisions(workspace: Workspace) -> tuple[dict[str, Decision], dict[str, Any] | None]:
    """The latest decision per pair and the store's snapshot, from one state of the store (re-read if a curator
    records a decision in between); none when the workspace has no review store."""
    if not workspace.review_db.is_file():
        return {}, None
    with ReviewStore(workspace.review_db) as store:
        for _ in range(_READ_ATTEMPTS):
            before = store.last_id()
            latest, snapshot = store.latest(), store.snapshot()
            if store.last_id() == before:
                return latest, snapshot
    raise ReviewStoreError(f"{workspace.review_db} changed during {_READ_ATTEMPTS} reads in a row; try again")
