"""`pair`: every ordered (chosen, rejected) pair of one scored task whose chosen side scores higher (METHOD.md 8).

Inputs: ScoredTask (candidates with one Score each, the ground truth among them). Outputs: Pair, several per
task. A task that yields no pair (every candidate ties, say) is rejected with the reason, so that counts add up.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Hashable

from pydantic import Field

from curation.registry import steps
from curation.schema import Candidate, Pair, Score, ScoredTask, canonical_json
from curation.scoring.answer_keys import identity_key
from curation.steps.base import RejectRecord, Step

GROUND_TRUTH_ORIGIN = "ground_truth"
INTENSITY_BINS = 10
# Scores are fractions such as 2/3; differences are rounded so that 1.0 - 0.9 counts as 0.1, not 0.0999….
_INTENSITY_DIGITS = 9


def pair_id(task_id: str, chosen_id: str, rejected_id: str) -> str:
    """The content id of a pair: a hash of its task and both candidates, so a rerun finds the same id.

    The three ids are joined with a separator that no id contains (ids are printable), then hashed: 20 hex digits
    (80 bits) keep collisions out of reach for any dataset this pipeline makes.
    """
    joined = "\x1f".join((task_id, chosen_id, rejected_id))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:20]


def intensity_of(chosen: float, rejected: float) -> float:
    """chosen minus rejected similarity, rounded to drop float noise."""
    return round(chosen - rejected, _INTENSITY_DIGITS)


def intensity_bin(intensity: float) -> int:
    """The bin of an intensity: 10 equal bins over (0, 1], each closed on the right: 0.1 -> 1, 0.11 -> 2, 1 -> 10."""
    if not 0.0 < intensity <= 1.0 + 10**-_INTENSITY_DIGITS:
        raise ValueError(f"intensity {intensity} is outside (0, 1]")
    # Round before ceil: 0.3 * 10 is 3.0000000000000004 in floating point and belongs to bin 3, not 4.
    scaled = round(intensity * INTENSITY_BINS, _INTENSITY_DIGITS - 2)
    return min(INTENSITY_BINS, max(1, math.ceil(scaled)))


def _answer_key(candidate: Candidate, known: dict[bytes, Hashable]) -> Hashable:
    """What a candidate answers, regardless of how it was written: identical answers make identical pairs.

    Calls compare by their canonical JSON (key order and formatting do not count). ``known`` holds the keys of the
    task's earlier candidates by their identity key (answer_keys.py): a candidate whose calls are those of an earlier
    one value for value (the ground truth and its reformatted copies) takes that key without being put to JSON.
    """
    if not candidate.calls:  # a text answer: the text, and whether it was a failed parse (never equal to calls)
        return (candidate.text.strip(), candidate.parse_error is not None)
    identity = identity_key(candidate.calls)
    key = known.get(identity) if identity is not None else None
    if key is None:
        try:
            key = canonical_json([[call.name, call.arguments] for call in candidate.calls])
        except ValueError:  # a NaN a model wrote: no canonical JSON, so this answer is never merged
            key = ("unmergeable", candidate.id)
        if identity is not None:
            known[identity] = key
    elif type(key) is tuple:  # the same NaN as an earlier candidate: still never merged
        key = ("unmergeable", candidate.id)
    return key


@steps.register("pair")
class PairStep(Step):
    """Every ordered pair (chosen, rejected) of a task with chosen similarity above rejected by more than a margin.

    The ground truth is only ever chosen. Candidates whose backend failed (request_error) take no part: an empty
    answer is not a response anyone gave. Candidates with the same answer as an earlier one (the GT first) are
    merged, so that two policies agreeing do not double a pair.
    """

    name = "pair"
    description = "ScoredTask -> Pair: ordered pairs with chosen score > rejected score (+ margin)"
    input_type = ScoredTask
    output_type = Pair
    parallel = True  # pure per record: batches may run in worker processes

    min_margin: float = Field(
        default=0.0, ge=0.0, lt=1.0, description="keep a pair only if chosen minus rejected similarity exceeds this"
    )
    merge_identical: bool = Field(
        default=True, description="treat candidates with the same calls (or text) as one, keeping the first"
    )

    def process(self, record: ScoredTask) -> list[Pair]:
        if len(record.scores) != len(record.candidates):
            raise RejectRecord(
                "scores misaligned", f"{len(record.candidates)} candidates but {len(record.scores)} scores"
            )
        entries = self._usable(record)
        pairs: list[Pair] = []
        min_margin = self.min_margin
        for chosen, chosen_score in entries:
            chosen_similarity = chosen_score.similarity
            for rejected, rejected_score in entries:
                if rejected is chosen or rejected.origin == GROUND_TRUTH_ORIGIN:
                    continue
                # Not higher: the gap rounds to at most 0, never above the margin (>= 0); skipped before rounding.
                if chosen_similarity <= rejected_score.similarity:
                    continue
                intensity = intensity_of(chosen_similarity, rejected_score.similarity)
                if intensity <= min_margin:  # min_margin >= 0, so ties never pair
                    continue
                pairs.append(self._pair(record, chosen, rejected, chosen_score, rejected_score, intensity))
        if not pairs:
            scores = sorted({round(score.similarity, 3) for _, score in entries})
            raise RejectRecord(
                "no pair",
                f"{len(entries)} usable candidates, similarities {scores}, minimum margin {self.min_margin}",
            )
        self.count("pairs", len(pairs))
        return pairs

    def _usable(self, record: ScoredTask) -> list[tuple[Candidate, Score]]:
        """Candidates that can take part, the ground truth first, identical answers merged."""
        ordered = sorted(
            zip(record.candidates, record.scores, strict=True),
            key=lambda entry: entry[0].origin != GROUND_TRUTH_ORIGIN,  # stable: GT first, others in order
        )
        seen: set[Hashable] = set()
        known: dict[bytes, Hashable] = {}
        usable: list[tuple[Candidate, Score]] = []
        for candidate, score in ordered:
            if score.candidate_id != candidate.id:
                raise RejectRecord("scores misaligned", f"score of {score.candidate_id} sits at {candidate.id}")
            if candidate.request_error is not None:
                self.count("candidate skipped: request error")
                continue
            if self.merge_identical:
                key = _answer_key(candidate, known)
                if key in seen:
                    self.count("candidate merged: identical answer")
                    continue
                seen.add(key)
            usable.append((candidate, score))
        return usable

    @staticmethod
    def _pair(
        record: ScoredTask,
        chosen: Candidate,
        rejected: Candidate,
        chosen_score: Score,
        rejected_score: Score,
        intensity: float,
    ) -> Pair:
        task = record.task
        return Pair(
            pair_id=pair_id(task.id, chosen.id, rejected.id),
            task=task,
            chosen=chosen,
            rejected=rejected,
            chosen_score=chosen_score,
            rejected_score=rejected_score,
            intensity=intensity,
            intensity_bin=intensity_bin(intensity),
            error_type=rejected_score.error_type,
            source=task.source,
            subset=task.subset,
            complexity=task.complexity,
            kind=task.kind,
        )
