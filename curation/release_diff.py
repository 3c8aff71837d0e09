"""What changed between two releases, pair by pair: added, removed, and changed (same pair id, other content).

Both sides are read from their `pairs` config, which every release carries with the whole record of each pair.
A first pass streams it and keeps only a digest of each record's text; only the pairs whose text differs are
parsed in a second pass, compared by canonical JSON (so a mere reordering of keys is no change) and classified.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curation.release import PAIRS_CONFIG, ReleaseError, ReleaseInfo
from curation.schema import content_hash

_SCORE_DIGITS = 6
_BATCH = 1024


@dataclass(frozen=True)
class PairSummary:
    split: str
    source: str
    digest: str  # sha256 of the record's canonical JSON
    chosen: str  # candidate ids
    rejected: str
    chosen_score: float
    rejected_score: float


@dataclass(frozen=True)
class PairChange:
    pair_id: str
    source: str
    kinds: tuple[str, ...]  # swapped, rescored, split, content
    detail: str


@dataclass(frozen=True)
class ReleaseDiff:
    a: str
    b: str
    added: list[tuple[str, str]] = field(default_factory=list)  # (pair id, source)
    removed: list[tuple[str, str]] = field(default_factory=list)
    changed: list[PairChange] = field(default_factory=list)
    unchanged: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "added": [{"pair_id": p, "source": s} for p, s in self.added],
            "removed": [{"pair_id": p, "source": s} for p, s in self.removed],
            "changed": [
                {"pair_id": c.pair_id, "source": c.source, "kinds": list(c.kinds), "detail": c.detail}
                for c in self.changed
            ],
            "unchanged": self.unchanged,
        }


def _pairs_files(release: ReleaseInfo) -> list[Path]:
    files = sorted((release.path / PAIRS_CONFIG).glob("*.parquet"))
    if not files:
        raise ReleaseError(f"release {release.ref} has no {PAIRS_CONFIG} config at {release.path / PAIRS_CONFIG}")
    return files


def _rows(release: ReleaseInfo, columns: list[str]) -> Iterator[tuple[Any, ...]]:
    import pyarrow.parquet as pq

    for path in _pairs_files(release):
        for batch in pq.ParquetFile(path).iter_batches(batch_size=_BATCH, columns=columns):
            yield from zip(*(batch.column(i).to_pylist() for i in range(len(columns))), strict=True)


def scan_pairs(release: ReleaseInfo) -> dict[str, tuple[str, str]]:
    """pair id -> (source, sha256 of the record text), streamed."""
    return {
        pair_id: (source, hashlib.sha256(text.encode()).hexdigest())
        for pair_id, source, text in _rows(release, ["pair_id", "source", "record"])
    }


def read_pair_summaries(release: ReleaseInfo, wanted: set[str] | None = None) -> dict[str, PairSummary]:
    """Summaries of the pairs in ``wanted`` (all when None), parsed from their records."""
    summaries: dict[str, PairSummary] = {}
    for pair_id, split, text in _rows(release, ["pair_id", "split", "record"]):
        if wanted is not None and pair_id not in wanted:
            continue
        record = json.loads(text)
        summaries[pair_id] = PairSummary(
            split=split,
            source=record["source"],
            digest=content_hash(record),
            chosen=record["chosen"]["id"],
            rejected=record["rejected"]["id"],
            chosen_score=round(record["chosen_score"]["similarity"], _SCORE_DIGITS),
            rejected_score=round(record["rejected_score"]["similarity"], _SCORE_DIGITS),
        )
    return summaries


def classify(before: PairSummary, after: PairSummary) -> tuple[tuple[str, ...], str]:
    """Why a pair with the same id differs: the kinds of change and a line a curator can read."""
    kinds: list[str] = []
    details: list[str] = []
    swapped = (before.chosen, before.rejected) == (after.rejected, after.chosen)
    if swapped:
        kinds.append("swapped")
        details.append("chosen and rejected exchanged")
        # Compare each candidate's own score across the swap.
        old_scores = {before.chosen: before.chosen_score, before.rejected: before.rejected_score}
    else:
        old_scores = {after.chosen: before.chosen_score, after.rejected: before.rejected_score}
    if (old_scores[after.chosen], old_scores[after.rejected]) != (after.chosen_score, after.rejected_score):
        kinds.append("rescored")
        details.append(
            f"scores {old_scores[after.chosen]:g}/{old_scores[after.rejected]:g} -> "
            f"{after.chosen_score:g}/{after.rejected_score:g} (chosen/rejected)"
        )
    if before.split != after.split:
        kinds.append("split")
        details.append(f"{before.split} -> {after.split}")
    if not kinds:
        kinds.append("content")
        details.append("other fields of the record differ (text, metadata, review mark)")
    return tuple(kinds), "; ".join(details)


def diff_releases(a: ReleaseInfo, b: ReleaseInfo) -> ReleaseDiff:
    """Pairs added in ``b``, removed from ``a``, and changed between them; sorted by pair id."""
    before, after = scan_pairs(a), scan_pairs(b)
    common = set(before) & set(after)
    differing = {pair_id for pair_id in common if before[pair_id][1] != after[pair_id][1]}
    old, new = read_pair_summaries(a, differing), read_pair_summaries(b, differing)
    changed = []
    for pair_id in sorted(differing):
        if old[pair_id].digest != new[pair_id].digest:
            kinds, detail = classify(old[pair_id], new[pair_id])
            changed.append(PairChange(pair_id, new[pair_id].source, kinds, detail))
    return ReleaseDiff(
        a=a.ref,
        b=b.ref,
        added=[(p, after[p][0]) for p in sorted(set(after) - set(before))],
        removed=[(p, before[p][0]) for p in sorted(set(before) - set(after))],
        changed=changed,
        unchanged=len(common) - len(changed),
    )
