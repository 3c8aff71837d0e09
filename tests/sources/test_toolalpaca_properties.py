"""Property tests: corrupted ToolAlpaca API entries (wrong types, missing keys, bad Action_Input, huge strings, odd
unicode, truncated files) end as one trajectory or reject per instruction, and never raise."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curation.schema import Reject, Trajectory
from curation.sources.base import RawRecord
from curation.sources.toolalpaca import ToolAlpacaAdapter

DEMO = Path(__file__).resolve().parents[2] / "curation" / "demo_data" / "toolalpaca"
ENTRIES = [entry for path in sorted(DEMO.glob("*.json")) for entry in json.loads(path.read_text(encoding="utf-8"))]

odd_text = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3),
    st.sampled_from(["\u202e\u0000\ufeff", "x" * 200_000, '{"a": ${b from c}}', "```json\n{}\n```", "[1]", "{"]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | odd_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


@st.composite
def corrupted_entries(draw: st.DrawFn) -> Any:
    """A demo entry with one to three locations replaced by arbitrary values, or deleted."""
    entry = json.loads(json.dumps(draw(st.sampled_from(ENTRIES))))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        locations = _paths(entry)
        if not locations:
            return draw(json_values)
        location = draw(st.sampled_from(locations))
        parent = entry
        for step in location[:-1]:
            parent = parent[step]
        if draw(st.booleans()):
            parent[location[-1]] = draw(json_values)
        elif isinstance(parent, dict):
            del parent[location[-1]]
        else:
            parent.pop(location[-1])
    return entry


def _expected_outcomes(entry: Any) -> int:
    """One per instruction, plus one per answer beyond the instructions; one for an entry that is not one."""
    if not isinstance(entry, dict) or not isinstance(entry.get("Instructions"), list):
        return 1
    key = "Instances" if "Instances" in entry else "Golden_Answers"
    answers = entry.get(key)
    extra = len(answers) - len(entry["Instructions"]) if isinstance(answers, list) else 0
    return len(entry["Instructions"]) + max(0, extra)


def _assert_storable(item: Trajectory | Reject) -> None:
    assert isinstance(item, (Trajectory, Reject))
    if isinstance(item, Reject):
        assert item.reason.strip(), item
    item.canonical_json().encode("utf-8")  # what the parquet writer needs


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corrupted_entries())
def test_corrupted_entries_end_as_trajectory_or_reject(entry: Any) -> None:
    # the raw text as the base reader makes it (unicode kept), so a reject built from it must be storable too
    raw = RawRecord("train_data:0", entry, json.dumps(entry, ensure_ascii=False, default=str))
    outcomes = list(ToolAlpacaAdapter().convert_safely(raw))
    assert len(outcomes) == _expected_outcomes(entry)
    for item in outcomes:
        _assert_storable(item)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(ENTRIES), st.data())
def test_any_action_input_text(entry: dict[str, Any], data: st.DataObject) -> None:
    """Every Action_Input replaced by arbitrary text: each instruction still ends as one outcome."""
    entry = json.loads(json.dumps(entry))
    for answer in entry.get("Golden_Answers", []) if "Instances" not in entry else []:
        for step in answer:
            step["Action_Input"] = data.draw(odd_text)
    for instance in entry.get("Instances", []):
        for step in instance.get("intermediate_steps", []):
            step[0][1] = data.draw(odd_text)
            step[1] = data.draw(odd_text)
    outcomes = list(ToolAlpacaAdapter().convert_safely(RawRecord("train_data:0", entry, "")))
    assert len(outcomes) == len(entry["Instructions"])
    for item in outcomes:
        _assert_storable(item)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(DEMO.glob("*.json"))), st.floats(min_value=0.0, max_value=1.0))
def test_truncated_files(path: Path, fraction: float) -> None:
    text = path.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:
        cut = Path(folder) / path.name
        kept = text[: int(len(text) * fraction)]
        cut.write_text(kept, encoding="utf-8")
        outcomes = list(ToolAlpacaAdapter().read(cut))
    for item in outcomes:
        _assert_storable(item)
    if not kept.strip():
        assert outcomes == []  # an empty file holds no records
    elif fraction < 0.99:
        assert len(outcomes) == 1 and isinstance(outcomes[0], Reject)
