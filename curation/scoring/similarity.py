"""The ToolRM partial score of a candidate turn against the ground truth (METHOD.md, step 6), in [0, 1].

* A ground truth with no call: a candidate with no call scores 1, one with calls 0.
* 0 when the number of calls differs from the ground truth, or when a candidate call is an exact duplicate of
  another candidate call (same name, same arguments). This holds even if the ground truth repeats a call itself:
  the rule is stated without that exception, and such a step cannot score 1 (the difficulty filter drops it).
* Otherwise, for each ground-truth call, the candidate calls with the same function name are scored by the share of
  argument keys, over the union of both key sets, whose values are exactly equal; the best one counts (a
  candidate call may be the best for several ground-truth calls: the rule is a best match, not an assignment);
  the score is the mean over ground-truth calls. A call with no arguments against one with none scores 1.

"Exactly equal" is equality of JSON values: no string normalisation, a bool is not a number, 1 is not 1.0, and
the order of keys in an object does not matter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from curation.schema import ToolCall, canonical_json


def toolrm_similarity(candidate: Sequence[ToolCall], ground_truth: Sequence[ToolCall]) -> float:
    if not ground_truth:
        return 0.0 if candidate else 1.0
    if len(candidate) != len(ground_truth) or has_duplicate_calls(candidate):
        return 0.0
    total = 0.0
    for expected in ground_truth:
        best = 0.0
        for call in candidate:
            if call.name == expected.name:
                best = max(best, argument_agreement(call.arguments, expected.arguments))
                if best == 1.0:
                    break
        total += best
    return total / len(ground_truth)


def argument_agreement(arguments: dict[str, Any], expected: dict[str, Any]) -> float:
    """Share of keys, over the union of both key sets, present in both with exactly equal values."""
    shared = same = 0
    for key, value in arguments.items():
        if key in expected:
            shared += 1
            if exactly_equal(value, expected[key]):
                same += 1
    union = len(arguments) + len(expected) - shared
    return same / union if union else 1.0


def has_duplicate_calls(calls: Sequence[ToolCall]) -> bool:
    """Whether two calls have the same name and the same canonical JSON arguments. A value with no JSON form (NaN,
    infinity) equals nothing. Pairs that surely differ are told apart without putting them to JSON."""
    count = len(calls)
    if count < 2:
        return False
    canonical: dict[int, str | None] = {}
    for first in range(count - 1):
        call = calls[first]
        for second in range(first + 1, count):
            other = calls[second]
            if other.name != call.name or _surely_different(call.arguments, other.arguments):
                continue
            left = _canonical_or_none(canonical, first, call.arguments)
            if left is not None and left == _canonical_or_none(canonical, second, other.arguments):
                return True
    return False


_SCALAR_TYPES = (str, int, float, bool, type(None))


def _surely_different(left: dict[str, Any], right: dict[str, Any]) -> bool:
    """True when the canonical JSON of two argument dicts (string keys) must differ: other keys, or a scalar value
    unequal to its counterpart (equal JSON texts of scalars always mean equal values). False says nothing."""
    if left.keys() != right.keys():
        return True
    for key, value in left.items():
        other = right[key]
        if type(value) in _SCALAR_TYPES and type(other) in _SCALAR_TYPES and value != other:
            return True
    return False


def _canonical_or_none(memo: dict[int, str | None], index: int, arguments: dict[str, Any]) -> str | None:
    if index not in memo:
        try:
            memo[index] = canonical_json(arguments)
        except ValueError:  # NaN or infinity: no JSON form, so equal to nothing
            memo[index] = None
    return memo[index]


def exactly_equal(left: Any, right: Any) -> bool:
    """Equality of JSON values with their types: True is not 1, 1 is not 1.0; key order is ignored."""
    left_type, right_type = type(left), type(right)
    pairs: Iterable[tuple[Any, Any]]
    if left_type is dict:
        if right_type is not dict or left.keys() != right.keys():
            return False
        pairs = ((value, right[key]) for key, value in left.items())
    elif left_type is list or left_type is tuple:
        if (right_type is not list and right_type is not tuple) or len(left) != len(right):
            return False
        pairs = zip(left, right, strict=True)
    else:
        return left_type is right_type and left == right
    for value, other in pairs:
        # Scalars are compared here, without a call: most values are, and this runs for every argument.
        value_type = type(value)
        if value_type is dict or value_type is list or value_type is tuple:
            if not exactly_equal(value, other):
                return False
        elif value_type is not type(other) or value != other:
            return False
    return True
