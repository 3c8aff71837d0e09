"""ComplexFuncBench (THUDM, now zai-org/ComplexFuncBench): multi-step, parallel calls on Booking.com APIs.

Native record (JSON Lines): ``{"id": "Hotels-12", "conversations": [...], "functions": [...]}``. Conversation
items: ``{"role": "user", "content": str}``; ``{"role": "assistant", "function_call": [{"name", "arguments"}, ...]}``
(a list: parallel calls in one step); ``{"role": "observation", "content": [result_1, ...]}`` (a list aligned with
the calls of the step before); the last item ``{"role": "assistant", "content": final_answer}``. The domain
(``Hotels``, ``Flights``, ``Car-Rental``, ``Attraction``, ``Cross``) is the id without its number: the subset.

On the Hub, ``datasets.load_dataset`` cannot build this file (a column is text in some rows and a list in others);
download ``ComplexFuncBench.jsonl`` and read it as a local file instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from curation.registry import sources
from curation.schema import Message, Reject, ToolCall, Trajectory
from curation.sources import convert
from curation.sources.base import RawRecord, SourceAdapter, SourceError

BAD_OBSERVATION = "observation is not valid JSON or Python literal"


def _observation_results(content: Any, calls: tuple[ToolCall, ...], where: str) -> list[Any]:
    """The results in an observation: a list aligned with the calls (a single call may get a bare result)."""
    value = content
    if isinstance(content, str):
        try:
            value = convert.parsed(content, BAD_OBSERVATION, where)
        except SourceError:
            if len(calls) == 1:  # plain text answering one call
                return [content]
            raise
    if isinstance(value, list) and (len(calls) != 1 or len(value) == 1):
        return value
    return [value]


@sources.register("complexfuncbench")
class ComplexFuncBenchAdapter(SourceAdapter):
    name = "complexfuncbench"
    license = "Apache-2.0"
    hub_id = "THUDM/ComplexFuncBench"
    description = "ComplexFuncBench: multi-step and parallel Booking.com API calls with long observations"

    def convert(self, raw: RawRecord) -> Iterator[Trajectory | Reject]:
        record = convert.require_dict(raw.value)
        turns = convert.require_list(record, "conversations", "record has no conversation")
        if record.get("functions") is None:
            raise SourceError("record has no tool list", "field 'functions' is missing")
        tools = convert.tool_specs(record["functions"], "functions")
        messages: list[Message] = []
        open_calls: tuple[ToolCall, ...] = ()
        skipped = 0
        for index, turn in enumerate(turns):
            turn = convert.require_dict(turn, f"turn {index}")
            role, where = turn.get("role"), f"turn {index}"
            content = turn.get("content")
            if role == "assistant" and turn.get("function_call") not in (None, [], ""):
                open_calls = convert.tool_calls(turn["function_call"], f"{where} function_call")
                thought = content if isinstance(content, str) else ""
                messages.append(Message(role="assistant", content=thought, tool_calls=open_calls))
            elif role == "observation":
                if not open_calls:
                    raise SourceError(convert.RESULT_WITHOUT_CALL, where)
                messages.extend(convert.result_messages(open_calls, _observation_results(content, open_calls, where)))
                open_calls = ()
            elif role in ("user", "assistant", "system"):
                if content is None or (isinstance(content, str) and not content.strip()):
                    skipped += 1
                    continue
                if not isinstance(content, str):
                    raise SourceError("turn text is not a string", f"{where} ({role}): {type(content).__name__}")
                messages.append(Message(role=role, content=content))
                open_calls = ()
            else:
                raise SourceError("unknown speaker role", f"{where}: {role!r}")
        source_id = convert.source_id(record, raw.key)
        meta = {"skipped_empty_turns": skipped} if skipped else {}
        subset = source_id.rsplit("-", 1)[0] if source_id != raw.key and "-" in source_id else ""
        yield convert.trajectory(self.name, source_id, messages, tools, self.license, subset=subset, meta=meta)
