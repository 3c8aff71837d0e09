"""Where the rejected turn of a pair differs from the chosen one, call by call and argument by argument.

Calls are matched one to one (order does not matter, as in the scoring rule): the assignment that keeps the most
function names and equal arguments wins, found exactly for up to 12 calls. Each argument of a matched pair of
calls becomes one row, so the studio can show the differences as a table and colour them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from curation.schema import ToolCall

EXACT_MATCH_LIMIT = 12  # calls; above this, calls are matched in order (no real turn has that many)
ABSENT = "—"


class Change(StrEnum):
    same = "same"
    changed = "changed"  # both have the argument, with different values
    missing = "missing"  # the chosen call has it, the rejected one does not
    extra = "extra"  # the rejected call has an argument the chosen one does not
    renamed = "function differs"  # matched calls of different functions
    call_missing = "call missing"  # a chosen call with no rejected counterpart
    call_extra = "call extra"  # a rejected call with no chosen counterpart


@dataclass(frozen=True)
class DiffRow:
    call: str  # "1 ↔ 2": position of the call on each side, 1-based; "–" when absent
    function: str
    argument: str
    chosen: str  # the value as JSON text, or ABSENT
    rejected: str
    change: Change


def value_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _affinity(chosen: ToolCall, rejected: ToolCall) -> float:
    """How alike two calls are: a shared name counts most, then the share of equal arguments."""
    keys = set(chosen.arguments) | set(rejected.arguments)
    equal = sum(
        1
        for k in keys
        if k in chosen.arguments and k in rejected.arguments and chosen.arguments[k] == rejected.arguments[k]
    )
    return (2.0 if chosen.name == rejected.name else 0.0) + (equal / len(keys) if keys else 1.0)


def match_calls(chosen: Sequence[ToolCall], rejected: Sequence[ToolCall]) -> list[tuple[int | None, int | None]]:
    """Pairs of indices (chosen, rejected), chosen order first; None on the side that lacks the call."""
    if len(rejected) > EXACT_MATCH_LIMIT or len(chosen) > EXACT_MATCH_LIMIT:
        mapping = {i: i for i in range(min(len(chosen), len(rejected)))}
    else:
        mapping = dict(_best_assignment(tuple(chosen), tuple(rejected)))
    pairs: list[tuple[int | None, int | None]] = [(i, mapping.get(i)) for i in range(len(chosen))]
    used = set(mapping.values())
    return pairs + [(None, j) for j in range(len(rejected)) if j not in used]


def _best_assignment(chosen: tuple[ToolCall, ...], rejected: tuple[ToolCall, ...]) -> list[tuple[int, int]]:
    """The one-to-one matching of chosen to rejected calls with the highest total affinity (DP over subsets)."""

    @cache
    def best(i: int, taken: int) -> tuple[float, tuple[tuple[int, int], ...]]:
        if i == len(chosen):
            return 0.0, ()
        # Leaving chosen call i unmatched is allowed (more chosen calls than rejected ones).
        result = best(i + 1, taken)
        for j in range(len(rejected)):
            if not taken & (1 << j):
                score, rest = best(i + 1, taken | (1 << j))
                score += _affinity(chosen[i], rejected[j])
                if score > result[0]:
                    result = (score, ((i, j), *rest))
        return result

    return list(best(0, 0)[1])


def diff_calls(chosen: Sequence[ToolCall], rejected: Sequence[ToolCall]) -> list[DiffRow]:
    """One row per argument of every matched pair of calls, and one per unmatched call."""
    rows: list[DiffRow] = []
    for i, j in match_calls(chosen, rejected):
        label = f"{i + 1 if i is not None else '–'} ↔ {j + 1 if j is not None else '–'}"
        if j is None:
            assert i is not None
            rows.append(
                DiffRow(
                    label, chosen[i].name, "(whole call)", value_text(chosen[i].arguments), ABSENT, Change.call_missing
                )
            )
            continue
        if i is None:
            rows.append(
                DiffRow(
                    label,
                    rejected[j].name,
                    "(whole call)",
                    ABSENT,
                    value_text(rejected[j].arguments),
                    Change.call_extra,
                )
            )
            continue
        left, right = chosen[i], rejected[j]
        function = left.name if left.name == right.name else f"{left.name} → {right.name}"
        if left.name != right.name:
            rows.append(
                DiffRow(label, function, "(function)", value_text(left.name), value_text(right.name), Change.renamed)
            )
        for key in [*left.arguments, *(k for k in right.arguments if k not in left.arguments)]:
            if key not in right.arguments:
                rows.append(DiffRow(label, function, key, value_text(left.arguments[key]), ABSENT, Change.missing))
            elif key not in left.arguments:
                rows.append(DiffRow(label, function, key, ABSENT, value_text(right.arguments[key]), Change.extra))
            else:
                a, b = left.arguments[key], right.arguments[key]
                # 1 and 1.0 compare equal in Python but are different JSON: show them as changed.
                change = Change.same if a == b and type(a) is type(b) else Change.changed
                rows.append(DiffRow(label, function, key, value_text(a), value_text(b), change))
    return rows
