"""BUTTON (BUTTONInstruct, PKU-Baichuan-MLSystemLab/BUTTON): compositional multi-step tool use.

Native record (JSON Lines): ``{"messages": [{"role": "system"|"user"|"assistant"|"tool", "content": str}]}``.
The system prompt carries the tools between ``<tool>`` and ``</tool>`` and says whether calls may be parallel (the
subset: "parallel" or "sequential"). An assistant turn is a thought followed by
``<call>[{"name": ..., "arguments": {...}}, ...]</call>`` (a list: parallel calls) or by ``<final>answer</final>``.
A tool turn is a JSON list with one ``{"name", "arguments", "results"}`` entry per call of the turn before.
The README's example spells the system role "systems"; both spellings are read.

The tool list is cut out of the system message (it lives in ``Trajectory.tools``, repaired and validated once);
the rest of the instruction text is kept. Tags are removed from assistant text: a call turn keeps its thought as
content, a final turn its thought and answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from curation.registry import sources
from curation.schema import Message, Reject, ToolCall, ToolSpec, Trajectory
from curation.sources import convert
from curation.sources.base import RawRecord, SourceAdapter, SourceError
from curation.sources.textparse import ParseError, parse_json_sequence, parse_value, remove_tag_blocks, tag_blocks

ROLES = {"system": "system", "systems": "system", "user": "user", "assistant": "assistant", "tool": "tool"}
PARALLEL_HINT = "call multiple functions in parallel"
SEQUENTIAL_HINT = "call one function at a time"


def _tag_blocks(text: str, tag: str) -> list[str]:
    try:
        return tag_blocks(text, tag)
    except ParseError as error:
        raise SourceError(f"unclosed <{tag}> tag", str(error)) from None


def system_tools(text: str) -> tuple[tuple[ToolSpec, ...], str]:
    """The tools in a BUTTON system prompt and the prompt without its tool block."""
    blocks = _tag_blocks(text, "tool")
    if not blocks:
        return (), text
    values: list[Any] = []
    for block in blocks:
        try:
            value = parse_value(block)
        except ParseError:
            try:  # one JSON object per tool, written one after another
                value = parse_json_sequence(block)
            except ParseError as error:
                raise SourceError(convert.BAD_TOOLS, f"<tool> block: {error}") from None
        values.extend(value if isinstance(value, list) else [value])
    return convert.tool_specs(values, "<tool> block"), remove_tag_blocks(text, "tool")


def assistant_message(text: str, where: str) -> Message:
    """An assistant turn: its ``<call>`` lists as calls; thought and ``<final>`` answer as content."""
    calls: list[ToolCall] = []
    for block in _tag_blocks(text, "call"):
        calls.extend(convert.tool_calls(block, f"{where} <call>"))
    finals = [block.strip() for block in _tag_blocks(text, "final")]
    thought = remove_tag_blocks(remove_tag_blocks(text, "call"), "final")
    content = "\n\n".join(part for part in (thought, *finals) if part)
    return Message(role="assistant", content=content, tool_calls=tuple(calls))


def tool_messages(text: str, calls: tuple[ToolCall, ...], where: str) -> list[Message]:
    """The results of ``calls``, from a tool turn's list of ``{name, arguments, results}`` entries."""
    if not calls:
        raise SourceError(convert.RESULT_WITHOUT_CALL, where)
    try:
        value = parse_value(text)
    except ParseError:
        if len(calls) == 1:  # plain text answering one call
            return convert.result_messages(calls, [text])
        raise SourceError("tool result is not valid JSON or Python literal", f"{where}: {len(calls)} calls") from None
    entries = value if isinstance(value, list) else [value]
    results = [entry.get("results", entry) if isinstance(entry, dict) else entry for entry in entries]
    names = [
        entry.get("name") if isinstance(entry, dict) and isinstance(entry.get("name"), str) else None
        for entry in entries
    ]
    return convert.result_messages(calls, results, names)


@sources.register("button")
class ButtonAdapter(SourceAdapter):
    name = "button"
    license = "CC-BY-4.0"
    hub_id = None  # published on GitHub (data/button_instruct.jsonl), not on the Hub
    description = "BUTTONInstruct: compositional multi-step calls in <call> tags, answers in <final> tags"

    def convert(self, raw: RawRecord) -> Iterator[Trajectory | Reject]:
        record = convert.require_dict(raw.value)
        turns = convert.require_list(record, "messages", "record has no messages")
        tools: tuple[ToolSpec, ...] = ()
        subset = ""
        messages: list[Message] = []
        open_calls: tuple[ToolCall, ...] = ()
        skipped = 0
        for index, turn in enumerate(turns):
            turn = convert.require_dict(turn, f"message {index}")
            speaker = turn.get("role")
            role = ROLES.get(speaker) if isinstance(speaker, str) else None
            content = turn.get("content")
            where = f"message {index}"
            if role is None:
                raise SourceError("unknown speaker role", f"{where}: {turn.get('role')!r}")
            if content is None or (isinstance(content, str) and not content.strip()):
                skipped += 1
                continue
            if not isinstance(content, str):
                raise SourceError("turn text is not a string", f"{where} ({role}): {type(content).__name__}")
            if role == "system":
                tools, prompt = system_tools(content)
                subset = "parallel" if PARALLEL_HINT in content else "sequential" if SEQUENTIAL_HINT in content else ""
                messages.append(Message(role="system", content=prompt))
            elif role == "assistant":
                message = assistant_message(content, where)
                messages.append(message)
                open_calls = message.tool_calls
            elif role == "tool":
                messages.extend(tool_messages(content, open_calls, where))
                open_calls = ()
            else:
                messages.append(Message(role="user", content=content))
                open_calls = ()
        meta = {"skipped_empty_turns": skipped} if skipped else {}
        source_id = convert.source_id(record, raw.key)
        yield convert.trajectory(self.name, source_id, messages, tools, self.license, subset=subset, meta=meta)
