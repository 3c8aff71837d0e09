"""Hermes function-calling v1 (NousResearch/hermes-function-calling-v1): ShareGPT with XML-tagged calls.

Native record (one JSON array): ``{"id": uuid, "conversations": [{"from": "system"|"human"|"gpt"|"tool", "value":
str}], "category", "subcategory", "task"}``.
- system: the tools inside ``<tools> ... </tools>``, often a Python repr (single quotes) of
  ``[{'type': 'function', 'function': {...}}]``. The prompt's prose also mentions "<tools> </tools> XML tags" and
  shows a ``<tool_call>`` template; only a block that holds a tool list counts, and only that block is cut from
  the system message (the tools live in ``Trajectory.tools``).
- gpt: ``<tool_call>{'arguments': {...}, 'name': ...}</tool_call>`` blocks (JSON or Python repr; several =
  parallel calls), free text around them kept as content; or a plain answer.
- tool: ``<tool_response>{"name": ..., "content": {...}}</tool_response>`` blocks, one tool message each.
- json-mode files (``json-mode-*.json``) have a JSON schema (``<schema>``) instead of tools and a JSON object as the
  answer. They are rejected ("json-mode record has no tools"): their ground truth is structured text output, not
  a decision about calling tools, and as no-call turns they would teach a tool-use reward model that a JSON blob
  is the right reply to a tool-calling context.
On the Hub the dataset has several configs (files); read_hub loads the default one (func-calling-singleturn), so
pass the other files as local paths.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from curation.registry import sources
from curation.schema import Message, Reject, ToolCall, ToolSpec, Trajectory
from curation.sources import convert
from curation.sources.base import RawRecord, SourceAdapter, SourceError
from curation.sources.textparse import ParseError, parse_value, remove_tag_blocks, tag_blocks

JSON_MODE = "json-mode record has no tools"
META_FIELDS = ("category", "subcategory", "task")
TOOL_SPEAKERS = {"tool", "function", "observation", "ipython"}


def _blocks(text: str, tag: str, where: str) -> list[str]:
    try:
        return tag_blocks(text, tag)
    except ParseError as error:
        raise SourceError(f"unclosed <{tag}> tag", f"{where}: {error}") from None


def system_tools(text: str) -> tuple[tuple[ToolSpec, ...], str]:
    """The tools in a Hermes system prompt (``<tools>`` block, JSON or Python repr), and the prompt without them."""
    tools: list[ToolSpec] = []
    prompt = text
    for block in _blocks(text, "tools", "system"):
        if not block.strip():  # the prose mention "<tools> </tools> XML tags"
            continue
        try:
            value = parse_value(block)
        except ParseError as error:
            raise SourceError(convert.BAD_TOOLS, f"<tools> block: {error}") from None
        tools.extend(convert.tool_specs(value, "<tools>"))
        prompt = prompt.replace(f"<tools>{block}</tools>", "", 1)
    return tuple(tools), prompt.strip()


def assistant_message(text: str, where: str) -> Message:
    """An assistant turn: ``<tool_call>`` blocks as calls, the text around them as content."""
    calls: list[ToolCall] = []
    for block in _blocks(text, "tool_call", where):
        calls.extend(convert.tool_calls(block, f"{where} <tool_call>"))
    content = remove_tag_blocks(text, "tool_call") if calls else text
    return Message(role="assistant", content=content, tool_calls=tuple(calls))


def tool_messages(text: str, open_calls: Sequence[ToolCall], where: str) -> tuple[list[Message], list[ToolCall]]:
    """Results of the open calls from ``<tool_response>`` blocks (or the whole text as one result)."""
    if not open_calls:
        raise SourceError(convert.RESULT_WITHOUT_CALL, where)
    blocks = _blocks(text, "tool_response", where) or [text]
    results: list[Any] = []
    names: list[str | None] = []
    for block in blocks:
        try:
            value = parse_value(block)
        except ParseError:  # a plain-text result
            value = block.strip()
        if isinstance(value, dict) and isinstance(value.get("name"), str) and "content" in value:
            names.append(value["name"])
            results.append(value["content"])
        else:
            names.append(None)
            results.append(value)
    try:
        return convert.answer_open_calls(open_calls, results, names)
    except SourceError as error:
        raise SourceError(error.reason, f"{where}: {error.detail}") from None


def hermes_messages(turns: Sequence[Any]) -> tuple[list[Message], int]:
    """Messages of a Hermes conversation (system prompt left as text; see ``system_tools``), and empty turns skipped."""
    messages: list[Message] = []
    open_calls: list[ToolCall] = []
    skipped = 0
    for index, turn in enumerate(turns):
        turn = convert.require_dict(turn, f"turn {index}")
        speaker, value, where = turn.get("from"), turn.get("value"), f"turn {index}"
        if not isinstance(speaker, str):
            raise SourceError("unknown speaker role", f"{where}: {speaker!r:.100}")
        if value is None or (isinstance(value, str) and not value.strip()):
            skipped += 1
            continue
        if not isinstance(value, str):
            raise SourceError("turn text is not a string", f"{where} ({speaker}): {type(value).__name__}")
        if speaker in TOOL_SPEAKERS:
            results, open_calls = tool_messages(value, open_calls, where)
            messages.extend(results)
        elif speaker in ("gpt", "assistant"):
            message = assistant_message(value, where)
            messages.append(message)
            open_calls = list(message.tool_calls)
        elif speaker in ("human", "user"):
            messages.append(Message(role="user", content=value))
            open_calls = []
        elif speaker == "system":
            messages.append(Message(role="system", content=value))
        else:
            raise SourceError("unknown speaker role", f"{where}: {speaker!r}")
    return messages, skipped


@sources.register("hermes")
class HermesAdapter(SourceAdapter):
    name = "hermes"
    license = "Apache-2.0"
    hub_id = "NousResearch/hermes-function-calling-v1"
    description = "Hermes function-calling v1: <tools> in the system prompt, <tool_call>/<tool_response> blocks"

    def convert(self, raw: RawRecord) -> Iterator[Trajectory | Reject]:
        record = convert.require_dict(raw.value)
        turns = convert.require_list(record, "conversations", "record has no conversation")
        messages, skipped = hermes_messages(turns)
        tools: tuple[ToolSpec, ...] = ()
        for index, message in enumerate(messages):
            if message.role == "system":
                found, prompt = system_tools(message.content)
                if found:
                    tools += found
                    messages[index] = Message(role="system", content=prompt)
                elif "<schema>" in message.content and not any(m.tool_calls for m in messages):
                    raise SourceError(JSON_MODE, "the system prompt gives a JSON schema and no <tools> list")
        meta: dict[str, Any] = {key: record[key] for key in META_FIELDS if isinstance(record.get(key), str)}
        if skipped:
            meta["skipped_empty_turns"] = skipped
        source_id = convert.source_id(record, raw.key)
        yield convert.trajectory(self.name, source_id, messages, tools, self.license, meta=meta)
