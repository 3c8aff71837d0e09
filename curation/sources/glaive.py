"""Glaive function-calling v2 (glaiveai/glaive-function-calling-v2): plain-text chats with one call per turn.

Native record (one JSON array): ``{"system": str, "chat": str}``, all plain text.
- ``system``: ``"SYSTEM: You are a helpful assistant with access to the following functions. Use them if required
  -\\n{...}\\n\\n{...}"``: the tools are pretty-printed JSON objects written one after another. Tool-less rows
  say ``"SYSTEM: You are a helpful assistant, with no access to external functions."`` and become trajectories
  without tools (their turns are text answers: no-call ground truth).
- ``chat``: turns separated by blank lines and prefixed ``USER: ``, ``ASSISTANT: ``, ``FUNCTION RESPONSE: ``;
  assistant turns end with `` <|endoftext|>``. A call is ``<functioncall> {"name": "f", "arguments": '{"a": 1}'}``:
  the arguments are JSON inside a single-quoted string, so the call is not JSON; a plain dict is accepted too.
The system message keeps the instruction text without the function JSON (the tools live in ``Trajectory.tools``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from curation.registry import sources
from curation.schema import Message, Reject, ToolCall, ToolSpec, Trajectory
from curation.sources import convert
from curation.sources.base import RawRecord, SourceAdapter, SourceError
from curation.sources.textparse import ParseError, parse_json_sequence, parse_value, strip_end_tokens

CALL_TAG = "<functioncall>"
_TURN_PREFIX = re.compile(r"(?:\A|\n+)[ \t]*(USER|ASSISTANT|FUNCTION RESPONSE):[ \t]?")
# {"name": "f", "arguments": '<JSON>'} where the JSON itself holds a single quote ("Tom's"): not a Python literal.
_QUOTED_ARGUMENTS = re.compile(r"\A\{\s*\"name\"\s*:\s*\"([^\"]+)\"\s*,\s*\"arguments\"\s*:\s*'(.*)'\s*\}\Z", re.DOTALL)


def system_tools(text: str) -> tuple[tuple[ToolSpec, ...], str]:
    """The functions in a Glaive system prompt, and the instruction text without them."""
    prompt = re.sub(r"\A\s*SYSTEM:\s*", "", text)
    start = prompt.find("{")
    if start < 0:
        return (), prompt.strip()
    try:
        functions = parse_json_sequence(prompt[start:])
    except ParseError:
        try:  # one block that is a Python literal or a JSON list
            functions = [parse_value(prompt[start:])]
        except ParseError as error:
            raise SourceError("function list in the system prompt is not valid JSON", str(error)) from None
    flat: list[Any] = []
    for value in functions:
        flat.extend(value if isinstance(value, list) else [value])
    instruction = prompt[:start].strip().rstrip("-").rstrip()
    return convert.tool_specs(flat, "system functions"), instruction


def glaive_call(text: str, where: str) -> ToolCall:
    """A ``<functioncall>`` payload: arguments as a single-quoted JSON string, or as a plain object."""
    try:
        value = parse_value(text)
    except ParseError:
        match = _QUOTED_ARGUMENTS.match(text.strip())
        if not match:
            raise SourceError(convert.BAD_CALL, f"{where}: {text[:200]}") from None
        value = {"name": match.group(1), "arguments": match.group(2)}
    return convert.tool_call(value, where)


def chat_turns(chat: str) -> list[tuple[str, str]]:
    """(speaker, text) pairs of a Glaive chat string."""
    parts = _TURN_PREFIX.split(chat)
    if parts[0].strip():
        raise SourceError("chat does not start with a speaker prefix", parts[0][:200])
    return [(parts[index], parts[index + 1]) for index in range(1, len(parts) - 1, 2)]


@sources.register("glaive")
class GlaiveAdapter(SourceAdapter):
    name = "glaive"
    license = "Apache-2.0"
    hub_id = "glaiveai/glaive-function-calling-v2"
    description = "Glaive function-calling v2: plain-text chats, <functioncall> with quoted arguments"

    def convert(self, raw: RawRecord) -> Iterator[Trajectory | Reject]:
        record = convert.require_dict(raw.value)
        chat = convert.require_text(record, "chat", "record has no chat text")
        system = record.get("system")
        if system is not None and not isinstance(system, str):
            raise SourceError("system prompt is not text", f"field 'system' is a {type(system).__name__}")
        tools, instruction = system_tools(system or "")
        messages: list[Message] = [Message(role="system", content=instruction)] if instruction else []
        open_call: ToolCall | None = None
        skipped = 0
        for index, (speaker, text) in enumerate(chat_turns(chat)):
            where = f"turn {index}"
            text = strip_end_tokens(text)
            if not text:
                skipped += 1
                continue
            if speaker == "USER":
                messages.append(Message(role="user", content=text))
                open_call = None
            elif speaker == "ASSISTANT":
                thought, tag, payload = text.partition(CALL_TAG)
                if tag:
                    open_call = glaive_call(payload, where)
                    messages.append(Message(role="assistant", content=thought.strip(), tool_calls=(open_call,)))
                else:
                    messages.append(Message(role="assistant", content=text))
                    open_call = None
            else:
                if open_call is None:
                    raise SourceError(convert.RESULT_WITHOUT_CALL, where)
                messages.extend(convert.result_messages((open_call,), [text]))
                open_call = None
        meta = {"skipped_empty_turns": skipped} if skipped else {}
        source_id = convert.source_id(record, raw.key)
        yield convert.trajectory(self.name, source_id, messages, tools, self.license, meta=meta)
