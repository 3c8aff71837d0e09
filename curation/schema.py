"""Typed records that flow between pipeline steps.

Every step reads and writes these frozen models, never bare dicts. Each record has one canonical JSON form
(sorted keys, no whitespace) used for hashing and content addressing.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


# One encoder for every call: json.dumps with options builds a new one each time, which costs more than encoding a
# small value (candidate and pair ids hash one per record).
_CANONICAL_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(value: Any) -> str:
    """The one JSON form used for hashing: sorted keys, no whitespace, unicode kept."""
    return _CANONICAL_ENCODER.encode(value)


def content_hash(value: Any, length: int = 64) -> str:
    """sha256 hex digest of the canonical JSON of ``value`` (a record or plain JSON data)."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()[:length]


class Record(BaseModel):
    """Base of every record: frozen, unknown fields forbidden."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def canonical_json(self) -> str:
        return canonical_json(self.model_dump(mode="json"))


class ErrorType(StrEnum):
    """Why a candidate turn is not an exact match of the ground truth. Extend, never rename."""

    parse_error = "parse_error"
    wrong_call_count = "wrong_call_count"
    wrong_function_name = "wrong_function_name"
    missing_required_param = "missing_required_param"
    unexpected_param = "unexpected_param"
    wrong_param_type = "wrong_param_type"
    wrong_param_value = "wrong_param_value"
    duplicate_call = "duplicate_call"
    unexpected_call = "unexpected_call"
    missing_call = "missing_call"


class TaskKind(StrEnum):
    """BFCL-style shape of a ground-truth turn."""

    single = "single"  # one call, one tool available
    multiple = "multiple"  # one call, several tools available
    parallel = "parallel"  # several calls of one function
    parallel_multiple = "parallel_multiple"  # several calls of different functions
    multi_turn = "multi_turn"  # a turn after an earlier assistant turn
    no_call = "no_call"  # the right answer is text


class ToolSpec(Record):
    name: str
    description: str = ""
    # A JSON Schema object ({"type": "object", "properties": ..., "required": ...}), normalized by `validate`.
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})


class ToolCall(Record):
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


Role = Literal["system", "user", "assistant", "tool"]


class Message(Record):
    role: Role
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    name: str | None = None  # the tool's name, on tool results
    tool_call_id: str | None = None  # on tool results, when the source gives one


class Trajectory(Record):
    id: str  # "<source>:<source_id>"
    source: str
    subset: str = ""
    tools: tuple[ToolSpec, ...] = ()
    messages: tuple[Message, ...]
    license: str = ""
    meta: dict[str, Any] = Field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION


class Task(Record):
    """One step of a trajectory: the history before an assistant turn, and that turn as ground truth."""

    id: str  # "<trajectory id>#<turn>"
    trajectory_id: str
    source: str
    subset: str = ""
    turn: int  # index of the target message in the trajectory's messages
    tools: tuple[ToolSpec, ...] = ()
    history: tuple[Message, ...]
    target: Message  # the ground-truth assistant turn: tool calls, or text when no call is right
    kind: TaskKind
    complexity: int  # GT calls + total top-level arguments over GT calls
    license: str = ""
    meta: dict[str, Any] = Field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION


class Candidate(Record):
    """One answer to a task: the ground truth, a model sample, or a perturbation of the GT."""

    id: str
    task_id: str
    origin: str  # "ground_truth", a model name, or "perturb:<operator>"
    text: str  # the raw text as produced (or rendered, for the GT and perturbations)
    calls: tuple[ToolCall, ...] = ()  # parsed calls; empty = a text answer (or a parse error)
    parse_error: str | None = None
    request_error: str | None = None  # the backend failed for good; text is empty
    params: dict[str, Any] = Field(default_factory=dict)  # generation parameters
    seed: int | None = None
    sample_index: int = 0
    meta: dict[str, Any] = Field(default_factory=dict)


class Score(Record):
    candidate_id: str
    task_id: str
    similarity: float = Field(ge=0.0, le=1.0)  # ToolRM rule
    exact: bool  # BFCL-grade check passed
    error_type: ErrorType | None = None  # None when exact
    detail: str = ""


class SampledTask(Record):
    """A task with all its candidates (the GT included): the output of `sample`."""

    task: Task
    candidates: tuple[Candidate, ...]


class ScoredTask(Record):
    """A task with its candidates and one score per candidate, aligned by index: the output of `score`."""

    task: Task
    candidates: tuple[Candidate, ...]
    scores: tuple[Score, ...]


Split = Literal["train", "validation"]


class Pair(Record):
    pair_id: str  # hash of task id and both candidate ids
    task: Task
    chosen: Candidate
    rejected: Candidate
    chosen_score: Score
    rejected_score: Score
    intensity: float  # chosen similarity minus rejected similarity, in (0, 1]
    intensity_bin: int  # 1..10, equal bins over (0, 1]
    error_type: ErrorType | None  # of the rejected side
    source: str
    subset: str = ""
    complexity: int
    kind: TaskKind
    split: Split | None = None  # set by `balance`
    schema_version: int = SCHEMA_VERSION


class FormattedRow(Record):
    """One row of one release config (pairs, genrm_think, genrm_no_think, disc, trl): the output of `format`."""

    pair_id: str
    config: str
    split: Split
    row: dict[str, Any]


class Reject(Record):
    """A record a step could not use, with a reason a curator can read."""

    record_id: str
    reason: str  # short and countable: "bad JSON", "unknown function", ...
    detail: str = ""  # the specifics: which field, which value
    raw: str = ""  # the record as text, as the source gave it
