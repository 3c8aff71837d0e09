"""`difficulty`: drop tasks every policy already solves, and tasks none solves (METHOD.md step 7).

A task is too easy when (by default) every sampled candidate scores 1: it teaches nothing. It is too hard when no
sampled candidate scores 1, which more often means a noisy ground truth than a hard task. The ground truth itself
never counts, and neither do candidates whose request failed: they say nothing about the task.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, ClassVar

from pydantic import Field, PrivateAttr

from curation.registry import steps
from curation.sampling.base import GROUND_TRUTH_ORIGIN
from curation.schema import Record, Score, ScoredTask
from curation.steps.base import RejectRecord, Step

_HISTOGRAM_BINS = 10


def _per_source_counters() -> defaultdict[str, Counter[str]]:
    return defaultdict(Counter)


@steps.register("difficulty")
class Difficulty(Step):
    """Keep the tasks that some but not all sampled candidates solve.

    Inputs: ScoredTask. Outputs: the same ScoredTask, or a reject "too easy: ..." / "too hard: ..." with the
    counts in its detail. Stats: kept / too_easy / too_hard / no_samples, and a histogram of solved fractions.
    """

    name: ClassVar[str] = "difficulty"
    description: ClassVar[str] = "ScoredTask -> ScoredTask: drop too-easy (all solve) and too-hard (none solves)"
    input_type: ClassVar[type[Record] | None] = ScoredTask
    output_type: ClassVar[type[Record]] = ScoredTask
    parallel: ClassVar[bool] = True  # per task; the report's tallies come back from workers (take_tallies)

    solved_similarity: float = Field(
        default=1.0, gt=0.0, le=1.0, description="a sampled candidate solves the task at or above this similarity"
    )
    solved_requires_exact: bool = Field(default=False, description="also require the checker's exact match")
    too_easy_fraction: float = Field(
        default=1.0, gt=0.0, le=1.0, description="too easy when at least this fraction of samples solve it"
    )
    min_solved: int = Field(default=1, ge=0, description="too hard when fewer samples than this solve it")
    drop_too_easy: bool = Field(default=True, description="reject too-easy tasks")
    drop_too_hard: bool = Field(default=True, description="reject too-hard tasks")

    _histogram: Counter[int] = PrivateAttr(default_factory=Counter)
    _by_source: defaultdict[str, Counter[str]] = PrivateAttr(default_factory=_per_source_counters)

    def _solves(self, score: Score) -> bool:
        return score.similarity >= self.solved_similarity and (score.exact or not self.solved_requires_exact)

    def _rule(self) -> str:
        return f"score >= {self.solved_similarity:g}" + (" and exact" if self.solved_requires_exact else "")

    def process(self, record: ScoredTask) -> list[ScoredTask]:
        if len(record.scores) != len(record.candidates):
            raise RejectRecord(
                "scores do not match candidates", f"{len(record.candidates)} candidates, {len(record.scores)} scores"
            )
        sampled = [
            score
            for candidate, score in zip(record.candidates, record.scores, strict=True)
            if candidate.origin != GROUND_TRUTH_ORIGIN and candidate.request_error is None
        ]
        source = record.task.source
        if not sampled:
            self._by_source[source]["no_samples"] += 1
            self.count("no_samples")
            raise RejectRecord("no sampled candidates", "only the ground truth or failed requests")
        solved = sum(self._solves(score) for score in sampled)
        fraction = solved / len(sampled)
        self._histogram[min(int(fraction * _HISTOGRAM_BINS), _HISTOGRAM_BINS - 1)] += 1
        detail = f"{solved} of {len(sampled)} sampled candidates {self._rule()}"
        if self.drop_too_easy and fraction >= self.too_easy_fraction:
            self._by_source[source]["too_easy"] += 1
            self.count("too_easy")
            share = (
                "every sampled candidate solves it"
                if self.too_easy_fraction == 1.0
                else f"at least {self.too_easy_fraction:.0%} of sampled candidates solve it"
            )
            raise RejectRecord(f"too easy: {share}", detail)
        if self.drop_too_hard and solved < self.min_solved:
            self._by_source[source]["too_hard"] += 1
            self.count("too_hard")
            need = (
                "no sampled candidate solves it"
                if self.min_solved == 1
                else f"fewer than {self.min_solved} sampled candidates solve it"
            )
            raise RejectRecord(f"too hard: {need}", detail)
        self._by_source[source]["kept"] += 1
        self.count("kept")
        return [record]

    def take_tallies(self) -> dict[str, Any]:
        tallies = super().take_tallies()
        tallies["histogram"], tallies["by_source"] = dict(self._histogram), dict(self._by_source)
        self._histogram, self._by_source = Counter(), _per_source_counters()
        return tallies

    def add_tallies(self, tallies: dict[str, Any]) -> None:
        super().add_tallies(tallies)
        self._histogram.update(tallies["histogram"])
        for source, counts in tallies["by_source"].items():
            self._by_source[source].update(counts)

    def report(self) -> dict[str, Any]:
        width = 1 / _HISTOGRAM_BINS
        return {
            "solved_fraction_histogram": {
                f"[{b * width:.1f}, {(b + 1) * width:.1f}{']' if b == _HISTOGRAM_BINS - 1 else ')'}": self._histogram[b]
                for b in range(_HISTOGRAM_BINS)
            },
            "by_source": {source: dict(sorted(counts.items())) for source, counts in sorted(self._by_source.items())},
        }
