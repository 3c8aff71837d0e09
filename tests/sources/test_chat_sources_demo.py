"""The demo data of the seven chat sources: counts per reason, coverage of turn kinds, validity, determinism.

The files are written by scripts/demo_sources/make_demo_data.py; these tests read them with the adapters and push
the trajectories through the real segment and validate steps.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from curation.schema import Reject, Trajectory
from curation.steps.base import RejectRecord
from curation.steps.segment import Segment
from curation.steps.validate import Validate
from tests.sources.helpers import adapter

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "curation" / "demo_data"
SOURCES = ("apigen", "apigen_mt", "button", "complexfuncbench", "glaive", "hermes", "messages")
BAD_CALL = "tool call is not valid JSON or Python literal"

# source -> (records in the file, trajectories, rejects by reason); counted by hand from make_demo_data.py.
EXPECTED = {
    "apigen": (34, 31, {BAD_CALL: 1, "tool list is not a list": 1, "record has no user query": 1}),
    "apigen_mt": (
        35,
        31,
        {
            BAD_CALL: 1,
            "record has no conversation": 1,
            "tool result without a preceding tool call": 1,
            "unknown speaker role": 1,
        },
    ),
    "button": (
        35,
        31,
        {
            BAD_CALL: 1,
            "record has no messages": 1,
            "tool results do not line up with the calls": 1,
            "unclosed <call> tag": 1,
        },
    ),
    "complexfuncbench": (
        34,
        31,
        {"tool results do not line up with the calls": 1, BAD_CALL: 1, "record has no tool list": 1},
    ),
    "glaive": (
        39,
        35,
        {
            BAD_CALL: 1,
            "record has no chat text": 1,
            "function list in the system prompt is not valid JSON": 1,
            "tool result without a preceding tool call": 1,
        },
    ),
    "hermes": (
        35,
        31,
        {
            "json-mode record has no tools": 1,
            BAD_CALL: 1,
            "record has no conversation": 1,
            "unclosed <tool_call> tag": 1,
        },
    ),
    "messages": (
        35,
        31,
        {
            BAD_CALL: 1,
            "tool results do not line up with the calls": 1,
            "record has no messages": 1,
            "unknown speaker role": 1,
        },
    ),
}
# Formats that cannot hold parallel calls (Glaive: one <functioncall> per turn; APIGen-MT: one call at a time by
# policy) or tool results and text answers (APIGen: query and calls only).
NO_PARALLEL = {"glaive", "apigen_mt"}
SINGLE_TURN = {"apigen"}
SINGLE_QUESTION = {"apigen", "complexfuncbench"}  # one user request, then many steps


def read(source: str) -> list[Trajectory | Reject]:
    return list(adapter(source).read(DEMO / source))


@pytest.mark.parametrize("source", SOURCES)
def test_demo_counts_and_reject_reasons(source: str) -> None:
    records, trajectories, reasons = EXPECTED[source]
    results = read(source)
    assert len(results) == records  # each record ends as exactly one trajectory or one reject
    assert sum(isinstance(item, Trajectory) for item in results) == trajectories
    assert Counter(item.reason for item in results if isinstance(item, Reject)) == reasons
    for item in results:
        if isinstance(item, Reject):
            assert item.detail and item.raw  # the curator sees where and what


@pytest.mark.parametrize("source", SOURCES)
def test_demo_covers_the_turn_kinds(source: str) -> None:
    trajectories = [item for item in read(source) if isinstance(item, Trajectory)]
    assistant_turns = [m for t in trajectories for m in t.messages if m.role == "assistant"]
    assert len({t.id for t in trajectories}) == len(trajectories)
    assert any(len(m.tool_calls) == 1 for m in assistant_turns)
    assert any(not m.tool_calls for m in assistant_turns)  # refusals, clarifications, final answers
    assert any(len(t.tools) > 1 for t in trajectories)  # "multiple": several tools to choose from
    if source not in NO_PARALLEL:
        assert any(len(m.tool_calls) > 1 for m in assistant_turns)
    if source not in SINGLE_TURN:  # several steps, with tool results between them
        assert any(sum(m.role == "assistant" and bool(m.tool_calls) for m in t.messages) > 1 for t in trajectories)
        assert any(m.role == "tool" for t in trajectories for m in t.messages)
    if source not in SINGLE_QUESTION:
        assert any(sum(m.role == "user" for m in t.messages) > 1 for t in trajectories)


@pytest.mark.parametrize("source", SOURCES)
def test_demo_trajectories_pass_segment_and_validate(source: str) -> None:
    segment, validate = Segment(), Validate()
    tasks = 0
    for trajectory in read(source):
        if isinstance(trajectory, Reject):
            continue
        try:
            segmented = segment.process(trajectory)
        except RejectRecord as error:
            # APIGen's empty answer list is a no-call turn without text, which segment does not use.
            assert source == "apigen" and error.reason == "no usable assistant turn", (trajectory.id, error)
            assert trajectory.messages[-1].tool_calls == () and trajectory.messages[-1].content == ""
            continue
        for task in segmented:
            validate.process(task)  # raises RejectRecord with the reason if a GT call breaks its schema
            tasks += 1
    assert tasks >= 27


def test_demo_files_are_small_and_regenerate_byte_identical(tmp_path: Path) -> None:
    script = REPO / "scripts" / "demo_sources" / "make_demo_data.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True, capture_output=True)
    for source in SOURCES:
        committed = sorted((DEMO / source).iterdir())
        assert [path.name for path in committed] == sorted(path.name for path in (tmp_path / source).iterdir())
        for path in committed:
            assert path.stat().st_size < 200_000, path
            assert path.read_bytes() == (tmp_path / source / path.name).read_bytes(), (
                f"{path} is stale: rerun the script"
            )
