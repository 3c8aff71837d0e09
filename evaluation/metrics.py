"""TRBench metrics, as METHOD.md defines them. Pure functions over judged rows and pairs; no model, no I/O.

- GenRM: each pair is judged in both orders and counts only if the choice is right in both. DiscRM: a pair is
  right iff score(chosen) > score(rejected), strictly (a tie is wrong).
- Per category accuracy; W-Avg = mean over all pairs; Avg = mean of the category accuracies (categories with
  pairs only).
- Parse rates: strict ``<choice>\\n1\\n</choice>``, loose only, none; output-token statistics.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from curation.genrm import ChoiceResult
from evaluation.bench import CATEGORIES


@dataclass(frozen=True)
class JudgedRow:
    """One GenRM answer to one row (one order of one pair)."""

    uuid: int
    category: str
    label: int  # 1 or 2
    result: ChoiceResult
    output_tokens: int | None = None
    error: str | None = None  # the request failed for good: no answer, so no choice

    @property
    def correct(self) -> bool:
        return self.result.choice == self.label


@dataclass(frozen=True)
class PairOutcome:
    uuid: int
    category: str
    correct: bool


def genrm_outcomes(rows: Iterable[JudgedRow]) -> tuple[list[PairOutcome], int]:
    """The two-order rule: a pair is right only when both of its rows are. Returns the outcomes and the number
    of pairs left out because one of their orders is missing from the benchmark."""
    by_pair: dict[int, list[JudgedRow]] = {}
    for row in rows:
        by_pair.setdefault(row.uuid, []).append(row)
    outcomes = []
    incomplete = 0
    for uuid, judged in sorted(by_pair.items()):
        if sorted(row.label for row in judged) != [1, 2]:
            incomplete += 1
            continue
        outcomes.append(PairOutcome(uuid, judged[0].category, all(row.correct for row in judged)))
    return outcomes, incomplete


def disc_outcome(uuid: int, category: str, chosen_score: float, rejected_score: float) -> PairOutcome:
    return PairOutcome(uuid, category, chosen_score > rejected_score)


def _category_order(categories: Iterable[str]) -> list[str]:
    present = set(categories)
    return [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))


def accuracy(outcomes: Sequence[PairOutcome]) -> dict[str, Any]:
    """{"categories": {name: {pairs, correct, accuracy}}, "avg", "w_avg", "pairs", "correct"}; accuracies in %."""
    per_category: dict[str, list[bool]] = {}
    for outcome in outcomes:
        per_category.setdefault(outcome.category, []).append(outcome.correct)
    categories = {}
    for name in _category_order(per_category):
        results = per_category[name]
        categories[name] = {"pairs": len(results), "correct": sum(results), "accuracy": _percent(results)}
    all_results = [outcome.correct for outcome in outcomes]
    category_accuracies = [entry["accuracy"] for entry in categories.values()]
    return {
        "categories": categories,
        "avg": round(sum(category_accuracies) / len(category_accuracies), 2) if category_accuracies else None,
        "w_avg": _percent(all_results) if all_results else None,
        "pairs": len(all_results),
        "correct": sum(all_results),
    }


def _percent(results: Sequence[bool]) -> float:
    return round(100.0 * sum(results) / len(results), 2) if results else 0.0


def parse_rates(rows: Sequence[JudgedRow]) -> dict[str, Any]:
    """How answers were parsed: strict form, loose form only, no choice (request errors counted apart)."""
    strict = sum(1 for row in rows if row.result.strict)
    parsed = sum(1 for row in rows if row.result.choice is not None)
    errors = sum(1 for row in rows if row.error is not None)
    total = len(rows)
    choices = Counter(str(row.result.choice) if row.result.choice is not None else "none" for row in rows)
    return {
        "rows": total,
        "strict": strict,
        "loose_only": parsed - strict,
        "unparsed": total - parsed,
        "request_errors": errors,
        "strict_rate": _ratio(strict, total),
        "parsed_rate": _ratio(parsed, total),
        # A judge biased to one position shows here (an unbiased one is near 50/50 on a two-order benchmark).
        "choices": {key: choices.get(key, 0) for key in ("1", "2", "none")},
    }


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def token_stats(counts: Iterable[int | None]) -> dict[str, Any]:
    """Mean, median, 90th percentile, min, max and total of the output-token counts that are known."""
    known = sorted(count for count in counts if count is not None)
    if not known:
        return {"known": 0}
    return {
        "known": len(known),
        "mean": round(sum(known) / len(known), 1),
        "median": _quantile(known, 0.5),
        "p90": _quantile(known, 0.9),
        "min": known[0],
        "max": known[-1],
        "total": sum(known),
    }


def _quantile(ordered: Sequence[int], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 1)
