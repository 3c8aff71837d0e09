"""Property tests: corrupted BFCL lines (truncated JSON, wrong types, missing keys, huge strings, odd unicode) end
as a trajectory or a reject with a reason, one outcome per line, and never raise."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curation.schema import Reject, ToolCall, Trajectory
from curation.sources.base import RawRecord
from curation.sources.bfcl import BfclAdapter, parse_call_string

DEMO = Path(__file__).resolve().parents[2] / "curation" / "demo_data" / "bfcl"


def _demo_rows() -> list[tuple[str, dict[str, Any], dict[str, Any] | None]]:
    """(file name, question, answer) for every readable demo line."""
    rows = []
    for path in sorted(DEMO.glob("BFCL_v4_*.json")):
        answer_file = DEMO / "possible_answer" / path.name
        answers = {}
        if answer_file.exists():
            answers = {a["id"]: a for a in map(json.loads, answer_file.read_text().splitlines())}
        for line in path.read_text().splitlines():
            try:
                question = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(question.get("question"), list):
                rows.append((path.name, question, answers.get(question["id"])))
    return rows


ROWS = _demo_rows()
odd_text = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3),
    st.sampled_from(["\u202e\u0000\ufeff", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "x" * 200_000, "NaN", "'", "\\", "cd(folder='a'"]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | odd_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location inside a JSON value (dict keys and list indices)."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


@st.composite
def corrupted(draw: st.DrawFn, value: Any) -> Any:
    """``value`` with one location replaced by an arbitrary JSON value, or deleted."""
    value = json.loads(json.dumps(value))
    locations = _paths(value)
    if not locations:
        return draw(json_values)
    location = draw(st.sampled_from(locations))
    parent = value
    for step in location[:-1]:
        parent = parent[step]
    if draw(st.booleans()):
        parent[location[-1]] = draw(json_values)
    elif isinstance(parent, dict):
        del parent[location[-1]]
    else:
        parent.pop(location[-1])
    return value


@st.composite
def bad_lines(draw: st.DrawFn) -> tuple[str, str, dict[str, Any] | None]:
    """(file name, question line text, answer) with the question or the answer corrupted."""
    name, question, answer = draw(st.sampled_from(ROWS))
    kind = draw(st.sampled_from(["question", "answer", "truncate"]))
    if kind == "question":
        question = draw(corrupted(question))
    elif kind == "answer" and answer is not None:
        answer = draw(corrupted(answer))
    text = json.dumps(question)  # ensure_ascii: lone surrogates travel as "\ud800" escapes, as in real files
    if kind == "truncate":
        text = text[: draw(st.integers(min_value=1, max_value=len(text) - 1))]  # an empty line is no record
    return name, text, answer


def _line_id(text: str) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value.get("id") if isinstance(value, dict) else None


def _assert_storable(item: Trajectory | Reject) -> None:
    assert isinstance(item, (Trajectory, Reject))
    if isinstance(item, Reject):
        assert item.reason.strip(), item
    item.canonical_json().encode("utf-8")  # what the parquet writer needs


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bad_lines())
def test_corrupted_lines_end_as_trajectory_or_reject(case: tuple[str, str, dict[str, Any] | None]) -> None:
    name, text, answer = case
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        if "multi_turn" in name or "web_search" in name:
            shutil.copytree(DEMO / "multi_turn_func_doc", root / "multi_turn_func_doc")
        (root / name).write_text(text + "\n", encoding="utf-8")
        if answer is not None:
            (root / "possible_answer").mkdir()
            (root / "possible_answer" / name).write_text(json.dumps(answer) + "\n", encoding="utf-8")
        outcomes = list(BfclAdapter().read(root))
    question_id = _line_id(text)
    answer_id = answer.get("id") if isinstance(answer, dict) else None
    orphan = answer is not None and (not isinstance(answer_id, str) or answer_id != question_id)
    assert len(outcomes) == 1 + orphan, outcomes
    for item in outcomes:
        _assert_storable(item)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(ROWS).flatmap(lambda row: corrupted(dict(row[1], ground_truth=(row[2] or {}).get("ground_truth"))))
)
def test_corrupted_rows_through_convert(value: Any) -> None:
    """The Hub path: one row in, one outcome out, whatever the row holds."""
    outcomes = list(BfclAdapter().convert_safely(RawRecord("train:0", value, json.dumps(value))))
    assert len(outcomes) == 1
    _assert_storable(outcomes[0])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80) | st.sampled_from(["f(" * 200 + ")" * 200, "f(x=" + "[" * 300 + "]" * 300 + ")"]))
def test_parse_call_string_raises_only_value_error(text: str) -> None:
    try:
        call = parse_call_string(text)
    except ValueError as error:
        assert str(error)
    else:
        assert isinstance(call, ToolCall)
        call.canonical_json()


identifiers = st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True).filter(
    lambda name: name not in {"if", "in", "is", "or", "and", "not", "for", "def", "del", "try", "as", "with", "while"}
)
literals = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)


@settings(max_examples=100, deadline=None)
@given(identifiers, st.dictionaries(identifiers, literals, max_size=4))
def test_parse_call_string_round_trip(name: str, arguments: dict[str, Any]) -> None:
    text = f"{name}(" + ", ".join(f"{key}={value!r}" for key, value in arguments.items()) + ")"
    assert parse_call_string(text) == ToolCall(name=name, arguments=arguments)
