"""Property tests: corrupted records of the seven chat sources end as a trajectory or a reject with a reason.

Starting from well-formed demo records, hypothesis truncates strings (so JSON inside strings breaks), swaps values
for wrong types, deletes keys, blows strings up, and splices in odd unicode (lone surrogates, NUL, bidi marks,
emoji). Whatever comes in, the adapter must not raise, must account for the record (one trajectory or one reject),
and a reject must carry a reason the adapter chose (not the base class's catch-all "malformed record").
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curation.schema import Reject, Trajectory
from curation.sources.base import RawRecord, read_raw
from tests.sources.helpers import adapter, convert

DEMO = Path(__file__).resolve().parents[2] / "curation" / "demo_data"
SOURCES = ("apigen", "apigen_mt", "button", "complexfuncbench", "glaive", "hermes", "messages")
ODD_TEXT = ["\ud800", "\x00", "\u202e", "\u200b", "🦜🔧", "é" * 3, "\ufeff", "\\", "'", '"', "<tool_call>", "</call>"]
WRONG_VALUES: list[Any] = [None, 0, -1.5, True, "", "[", "{'a':", [], {}, [None], {"x": [1, {}]}]


def _base_records(source: str) -> list[Any]:
    """A few well-formed records of the source (each read by the adapter without a reject)."""
    records = []
    for file in sorted((DEMO / source).iterdir()):
        for item in read_raw(file):
            assert isinstance(item, RawRecord)
            if isinstance(next(adapter(source).convert_safely(item)), Trajectory):
                records.append(item.value)
    return records[:6]


BASES = {source: _base_records(source) for source in SOURCES}


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location in a JSON value (the root is the empty path)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _set(root: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    _get(root, path[:-1])[path[-1]] = new
    return root


@st.composite
def corrupted(draw: st.DrawFn, source: str) -> Any:
    record = copy.deepcopy(draw(st.sampled_from(BASES[source])))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(record)
        path = draw(st.sampled_from(paths))
        target = _get(record, path)
        action = draw(st.sampled_from(["truncate", "wrong_type", "delete_key", "huge", "unicode"]))
        if action == "truncate" and isinstance(target, str) and target:
            record = _set(record, path, target[: draw(st.integers(0, len(target) - 1))])
        elif action == "delete_key" and path and isinstance(_get(record, path[:-1]), dict):
            del _get(record, path[:-1])[path[-1]]
        elif action == "huge" and isinstance(target, str):
            record = _set(record, path, target * draw(st.integers(2, 40)) + "x" * draw(st.sampled_from([0, 250_000])))
        elif action == "unicode" and isinstance(target, str):
            position = draw(st.integers(0, len(target)))
            odd = draw(st.sampled_from(ODD_TEXT) | st.text(max_size=5))
            record = _set(record, path, target[:position] + odd + target[position:])
        else:
            record = _set(record, path, copy.deepcopy(draw(st.sampled_from(WRONG_VALUES))))
    return record


def _check_outcome(source: str, record: Any) -> None:
    results = convert(source, record, key="prop:0")
    assert len(results) == 1, results  # conservation: one record, one outcome
    outcome = results[0]
    if isinstance(outcome, Reject):
        assert outcome.record_id == "prop:0"
        assert outcome.reason.strip() and outcome.reason != "malformed record", outcome
    else:
        assert isinstance(outcome, Trajectory)
        outcome.canonical_json().encode("utf-8")  # storable as parquet text
        assert any(message.role == "assistant" for message in outcome.messages)


@pytest.mark.parametrize("source", SOURCES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_corrupted_records_become_trajectories_or_readable_rejects(source: str, data: st.DataObject) -> None:
    _check_outcome(source, data.draw(corrupted(source)))


@pytest.mark.parametrize("source", SOURCES)
@settings(max_examples=25, deadline=None)
@given(
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
        max_leaves=12,
    )
)
def test_arbitrary_json_values_never_raise(source: str, value: Any) -> None:
    _check_outcome(source, value)


@pytest.mark.parametrize("source", SOURCES)
def test_truncated_json_lines_file_keeps_one_outcome_per_line(source: str, tmp_path: Path) -> None:
    lines = [json.dumps(record, ensure_ascii=False) for record in BASES[source]]
    lines[1] = lines[1][: len(lines[1]) // 2]  # a line cut in the middle: unreadable JSON
    file = tmp_path / "cut.jsonl"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = list(adapter(source).read(file))
    assert len(results) == len(lines)
    assert isinstance(results[1], Reject) and results[1].reason == "bad JSON line"
    assert all(isinstance(item, Trajectory) for index, item in enumerate(results) if index != 1)
