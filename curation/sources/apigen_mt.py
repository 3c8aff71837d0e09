"""APIGen-MT (Salesforce/APIGen-MT-5k): multi-turn tau-bench style dialogues (airline, retail) in ShareGPT form.

Native record (one JSON array): ``{"conversations": [{"from": "human"|"gpt"|"function_call"|"observation",
"value": str}], "system": "<domain policy>", "tools": "<JSON list of tools>"}``. ``function_call`` values are JSON
text of ``{"name", "arguments"}`` (or a list of them); ``observation`` values are the tool's output. The policy
becomes the system message; the domain (from its "# Airline Agent Policy" heading) becomes the subset.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from curation.registry import sources
from curation.schema import Message, Reject, Role, ToolCall, Trajectory
from curation.sources import convert
from curation.sources.base import RawRecord, SourceAdapter, SourceError

# ShareGPT speaker names (LLaMA-Factory's convention plus the plain role names) -> what the turn is.
SPEAKERS = {
    "system": "system",
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "function_call": "call",
    "observation": "result",
    "tool": "result",
    "function": "result",
}
_TEXT_ROLES: dict[str, Role] = {"system": "system", "user": "user", "assistant": "assistant"}
_POLICY_DOMAIN = re.compile(r"#\s*([A-Za-z][\w-]*)\s+agent policy", re.IGNORECASE)


def sharegpt_messages(turns: Sequence[Any]) -> tuple[list[Message], int]:
    """Messages for ShareGPT ``{from, value}`` turns, and how many empty turns were skipped.

    A ``function_call`` right after an assistant text joins it (thought + call, one assistant turn). Observations
    answer the open calls in order; one observation holding a list answers all open calls at once.
    """
    messages: list[Message] = []
    open_calls: list[ToolCall] = []
    skipped = 0
    for index, turn in enumerate(turns):
        turn = convert.require_dict(turn, f"turn {index}")
        speaker = turn.get("from", turn.get("role"))
        value = turn.get("value", turn.get("content"))
        kind = SPEAKERS.get(speaker) if isinstance(speaker, str) else None
        if kind is None:
            raise SourceError("unknown speaker role", f"turn {index}: {speaker!r}")
        if value is None or (isinstance(value, str) and not value.strip()):
            skipped += 1
            continue
        if kind == "call":
            calls = convert.tool_calls(value, f"turn {index}")
            thought = ""
            if messages and messages[-1].role == "assistant" and not messages[-1].tool_calls:
                thought = messages.pop().content
            messages.append(Message(role="assistant", content=thought, tool_calls=calls))
            open_calls = list(calls)
        elif kind == "result":
            if not open_calls:
                raise SourceError(convert.RESULT_WITHOUT_CALL, f"turn {index}")
            results, open_calls = convert.answer_open_calls(open_calls, _split_results(value, len(open_calls)))
            messages.extend(results)
        else:
            if not isinstance(value, str):
                raise SourceError("turn text is not a string", f"turn {index} ({speaker}): {type(value).__name__}")
            messages.append(Message(role=_TEXT_ROLES[kind], content=value))
            open_calls = []
    return messages, skipped


def _split_results(value: Any, open_count: int) -> list[Any]:
    """The results in one observation: all open calls' when it is a list of that length, else one."""
    if open_count > 1:
        values = convert.parsed(value, "tool result is not valid JSON or Python literal", "observation")
        if isinstance(values, list) and len(values) == open_count:
            return values
    return [value]


@sources.register("apigen_mt")
class ApiGenMtAdapter(SourceAdapter):
    name = "apigen_mt"
    license = "CC-BY-NC-4.0"
    hub_id = "Salesforce/APIGen-MT-5k"
    description = "APIGen-MT-5k: multi-turn airline/retail agent dialogues, ShareGPT with function_call/observation"

    def convert(self, raw: RawRecord) -> Iterator[Trajectory | Reject]:
        record = convert.require_dict(raw.value)
        turns = convert.require_list(record, "conversations", "record has no conversation")
        if "tools" not in record or record["tools"] is None:
            raise SourceError("record has no tool list", "field 'tools' is missing")
        tools = convert.tool_specs(record["tools"], "tools")
        system = record.get("system")
        if system is not None and not isinstance(system, str):
            raise SourceError("system policy is not text", f"field 'system' is a {type(system).__name__}")
        messages, skipped = sharegpt_messages(turns)
        if system and system.strip():
            messages.insert(0, Message(role="system", content=system))
        match = _POLICY_DOMAIN.search(system or "")
        meta = {"skipped_empty_turns": skipped} if skipped else {}
        yield convert.trajectory(
            self.name,
            convert.source_id(record, raw.key),
            messages,
            tools,
            self.license,
            subset=match.group(1).lower() if match else "",
            meta=meta,
        )
