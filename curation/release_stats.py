"""Counts over the pairs of a release, taken as they stream past: what stats.json and the dataset card report."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from curation.schema import Pair
from curation.steps.balance import error_name
from curation.steps.pair import INTENSITY_BINS

# Complexity buckets for the card (GT calls + arguments; balance drops pairs above 50 by default).
COMPLEXITY_BUCKETS: tuple[tuple[int, int], ...] = ((0, 2), (3, 4), (5, 8), (9, 16), (17, 32), (33, 50), (51, 10**9))


def bucket_label(low: int, high: int) -> str:
    return f"{low}+" if high >= 10**9 else f"{low}-{high}"


class ReleaseStats:
    def __init__(self) -> None:
        self.total = 0
        self._split: Counter[str] = Counter()
        self._source_split: Counter[tuple[str, str]] = Counter()
        self._licenses: defaultdict[str, set[str]] = defaultdict(set)
        self._source_bin: Counter[tuple[str, int]] = Counter()
        self._errors: Counter[str] = Counter()
        self._kinds: Counter[str] = Counter()
        self._complexity: Counter[int] = Counter()
        self._chosen_origins: Counter[str] = Counter()
        self._rejected_origins: Counter[str] = Counter()
        self._intensity_sum = 0.0
        self._review: Counter[str] = Counter()

    def observe(self, pairs: Iterable[Pair]) -> Iterator[Pair]:
        """Pass ``pairs`` through, counting each."""
        for pair in pairs:
            self.add(pair)
            yield pair

    def add(self, pair: Pair) -> None:
        split = pair.split or "none"
        self.total += 1
        self._split[split] += 1
        self._source_split[(pair.source, split)] += 1
        self._licenses[pair.source].add(pair.task.license)
        self._source_bin[(pair.source, pair.intensity_bin)] += 1
        self._errors[error_name(pair)] += 1
        self._kinds[pair.kind.value] += 1
        self._complexity[pair.complexity] += 1
        self._chosen_origins[pair.chosen.origin] += 1
        self._rejected_origins[pair.rejected.origin] += 1
        self._intensity_sum += pair.intensity
        self._review[str(pair.task.meta.get("review", "none"))] += 1

    def splits(self) -> dict[str, int]:
        return {split: self._split[split] for split in ("train", "validation")}

    def _median_complexity(self) -> float:
        ordered = sorted(self._complexity.elements())
        middle = len(ordered) // 2
        return float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2

    def to_json(self) -> dict[str, Any]:
        sources = sorted({source for source, _ in self._source_split})
        complexity = {
            "min": min(self._complexity, default=0),
            "max": max(self._complexity, default=0),
            "mean": round(sum(k * n for k, n in self._complexity.items()) / self.total, 3) if self.total else 0.0,
            "median": self._median_complexity() if self.total else 0.0,
            "buckets": {
                bucket_label(low, high): sum(n for k, n in self._complexity.items() if low <= k <= high)
                for low, high in COMPLEXITY_BUCKETS
            },
        }
        return {
            "total": self.total,
            "splits": self.splits(),
            "sources": {
                source: {
                    "train": self._source_split[(source, "train")],
                    "validation": self._source_split[(source, "validation")],
                    "total": sum(n for (s, _), n in self._source_split.items() if s == source),
                    # What the records say; "" means the source adapter gave none.
                    "licenses": sorted(self._licenses[source]),
                }
                for source in sources
            },
            "intensity_bins": {
                str(b): sum(n for (_, bin_), n in self._source_bin.items() if bin_ == b)
                for b in range(1, INTENSITY_BINS + 1)
            },
            "source_bins": {
                source: {str(b): self._source_bin[(source, b)] for b in range(1, INTENSITY_BINS + 1)}
                for source in sources
            },
            "mean_intensity": round(self._intensity_sum / self.total, 4) if self.total else 0.0,
            "error_types": dict(self._errors.most_common()),
            "kinds": dict(self._kinds.most_common()),
            "complexity": complexity,
            "chosen_origins": dict(self._chosen_origins.most_common()),
            "rejected_origins": dict(self._rejected_origins.most_common()),
            "review_marks": dict(self._review.most_common()),
        }
