"""The ToolRM similarity (METHOD.md step 6): the worked example, the hard zeros, the no-call case, order."""

from __future__ import annotations

from typing import Any

import pytest

from curation.schema import ToolCall
from curation.scoring.similarity import exactly_equal, toolrm_similarity


def call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


GT = [call("send_email", to="ann@example.com", subject="Hi", body="See you at 5")]


def test_worked_example_from_method() -> None:
    assert toolrm_similarity(GT, GT) == 1.0
    wrong_body = [call("send_email", to="ann@example.com", subject="Hi", body="See you at 6")]
    assert toolrm_similarity(wrong_body, GT) == pytest.approx(2 / 3)
    other_tool = [call("send_sms", to="ann@example.com", subject="Hi", body="See you at 5")]
    assert toolrm_similarity(other_tool, GT) == 0.0


CASES = [
    ("missing key counts in the union", [call("f", a=1)], [call("f", a=1, b=2)], 1 / 2),
    ("extra key counts in the union", [call("f", a=1, b=2, c=3)], [call("f", a=1, b=2)], 2 / 3),
    ("no arguments on both sides", [call("f")], [call("f")], 1.0),
    ("count differs: hard zero", [call("f", a=1), call("g")], [call("f", a=1)], 0.0),
    ("duplicate candidate call: hard zero", [call("f", a=1), call("f", a=1)], [call("f", a=1), call("f", a=2)], 0.0),
    ("order does not matter", [call("g", b=2), call("f", a=1)], [call("f", a=1), call("g", b=2)], 1.0),
    ("mean over ground-truth calls", [call("f", a=1), call("g", b=3)], [call("f", a=1), call("g", b=2)], 1 / 2),
    # best match per GT call, not an assignment: candidate 1 is the best for both GT calls
    (
        "best match, not assignment",
        [call("f", a=1, b=2), call("f", a=9, b=9)],
        [call("f", a=1, b=2), call("f", a=1, b=3)],
        3 / 4,
    ),
    ("no call expected, none given", [], [], 1.0),
    ("no call expected, a call given", [call("f")], [], 0.0),
    ("a call expected, none given", [], [call("f")], 0.0),
    ("strings are exact: case", [call("f", city="paris")], [call("f", city="Paris")], 0.0),
    ("bool is not an int", [call("f", a=True)], [call("f", a=1)], 0.0),
    ("int is not a float", [call("f", a=1)], [call("f", a=1.0)], 0.0),
    (
        "nested values compared whole, key order free",
        [call("f", d={"y": [1, {"z": None}], "x": "a"})],
        [call("f", d={"x": "a", "y": [1, {"z": None}]})],
        1.0,
    ),
]


@pytest.mark.parametrize(("candidate", "truth", "score"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule(candidate: list[ToolCall], truth: list[ToolCall], score: float) -> None:
    assert toolrm_similarity(candidate, truth) == pytest.approx(score)


def test_exactly_equal() -> None:
    assert exactly_equal({"a": [1, "x"]}, {"a": [1, "x"]})
    assert not exactly_equal([True], [1])
    assert not exactly_equal({"a": 1}, {"a": 1, "b": 2})
    assert not exactly_equal([1, 2], [1])


def test_duplicates_need_the_same_json_and_a_nan_equals_nothing() -> None:
    twice = [call("f", x=[1, 2], y={"a": 1, "b": 2}), call("f", y={"b": 2, "a": 1}, x=[1, 2])]
    assert toolrm_similarity(twice, twice) == 0.0  # same name, same arguments up to key order: a duplicate
    int_and_float = [call("f", x=1), call("f", x=1.0)]
    assert toolrm_similarity(int_and_float, int_and_float) == 1.0  # 1 and 1.0 differ: no duplicate, no zero
    nan = float("nan")
    # NaN has no JSON form and equals nothing: two calls holding it are no duplicate (and no crash); only z agrees.
    with_nan = [call("f", x=nan, z=1), call("f", x=nan, z=1)]
    truth = [call("f", x=0, z=1), call("f", x=1, z=1)]
    assert toolrm_similarity(with_nan, truth) == pytest.approx(0.5)
