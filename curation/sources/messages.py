"""A generic reader for chat records in the OpenAI or Hermes style: ``{"messages": [...], "tools": [...]}``.

For datasets that are already in a chat format (an SFT mix, an export from another tool), as JSON, JSON Lines or
parquet. A record is ``{"id"?, "messages": [...], "tools"?: [...], "license"?: str, "subset"?: str, "meta"?: {}}``.
- messages: ``{"role": "system"|"user"|"assistant"|"tool"|"function", "content": str | [text parts] | null}``.
  Assistant calls come as OpenAI ``tool_calls`` (``[{"id", "type": "function", "function": {"name", "arguments":
  "<JSON text>"}}]``), the legacy ``function_call`` object, or Hermes ``<tool_call>`` blocks in the content. Tool
  results name their call by ``tool_call_id`` or ``name``, or come as Hermes ``<tool_response>`` blocks; a
  structured result becomes JSON text.
- tools: OpenAI ``{"type": "function", "function": {...}}`` or plain ``{name, description, parameters}`` (also
  under "functions", or as JSON text). Without a tool list, a Hermes ``<tools>`` block in the system prompt is used.
- ShareGPT turns (``"conversations": [{"from", "value"}]``) are read too, with the APIGen-MT or Hermes rules.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from curation.registry import sources
from curation.schema import Message, Reject, ToolCall, ToolSpec, Trajectory
from curation.sources import convert, hermes
from curation.sources.apigen_mt import sharegpt_messages
from curation.sources.base import RawRecord, SourceAdapter, SourceError

ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant", "tool": "tool"}
ROLES |= {"function": "tool", "ipython": "tool"}


def _content_text(content: Any, where: str) -> str:
    """Message content as text: a string, a list of text parts, or (for results) structured data as JSON."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(part, dict) for part in content):
        if all(part.get("type") == "text" and isinstance(part.get("text"), str) for part in content):
            return "\n".join(part["text"] for part in content)
        kinds = sorted({str(part.get("type")) for part in content})
        raise SourceError("message content has non-text parts", f"{where}: {', '.join(kinds)}")
    return convert.result_text(content)


class _Conversation:
    """Walks OpenAI-style messages, keeping the calls that still wait for a result."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.open_calls: list[ToolCall] = []
        self.open_ids: list[str | None] = []
        self.skipped = 0

    def add(self, turn: dict[str, Any], where: str) -> None:
        speaker = turn.get("role")
        role = ROLES.get(speaker) if isinstance(speaker, str) else None
        if role is None:
            raise SourceError("unknown speaker role", f"{where}: {turn.get('role')!r}")
        text = _content_text(turn.get("content"), where)
        if role == "assistant":
            self._assistant(turn, text, where)
        elif role == "tool":
            self._tool(turn, text, where)
        elif not text.strip():
            self.skipped += 1
        else:
            self.messages.append(Message(role="system" if role == "system" else "user", content=text))
            self.open_calls, self.open_ids = [], []

    def _assistant(self, turn: dict[str, Any], text: str, where: str) -> None:
        raw_calls = turn.get("tool_calls") or ([turn["function_call"]] if turn.get("function_call") else [])
        if raw_calls:
            calls = convert.tool_calls(raw_calls, f"{where} tool_calls")
            ids = [item.get("id") if isinstance(item, dict) else None for item in _as_list(raw_calls)]
            message = Message(role="assistant", content=text.strip(), tool_calls=calls)
        elif "<tool_call>" in text:
            message = hermes.assistant_message(text, where)
            ids = [None] * len(message.tool_calls)
        elif not text.strip():
            self.skipped += 1
            return
        else:
            message, ids = Message(role="assistant", content=text), []
        self.messages.append(message)
        self.open_calls, self.open_ids = list(message.tool_calls), [i if isinstance(i, str) else None for i in ids]

    def _tool(self, turn: dict[str, Any], text: str, where: str) -> None:
        if "<tool_response>" in text:
            results, self.open_calls = hermes.tool_messages(text, self.open_calls, where)
            self.open_ids = self.open_ids[len(results) :]
            self.messages.extend(results)
            return
        if not self.open_calls:
            raise SourceError(convert.RESULT_WITHOUT_CALL, where)
        call_id = turn.get("tool_call_id") if isinstance(turn.get("tool_call_id"), str) else None
        name = turn.get("name") if isinstance(turn.get("name"), str) else None
        position = _answered_position(self.open_calls, self.open_ids, call_id, name)
        if position is None:
            raise SourceError(
                convert.RESULTS_MISALIGNED, f"{where}: no open call matches id {call_id!r} / name {name!r}"
            )
        call = self.open_calls.pop(position)
        self.open_ids.pop(position)
        self.messages.append(Message(role="tool", name=name or call.name, content=text, tool_call_id=call_id))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _answered_position(
    calls: Sequence[ToolCall], ids: Sequence[str | None], call_id: str | None, name: str | None
) -> int | None:
    """Which open call a result answers: by id, else by name, else the first still open."""
    if call_id is not None and call_id in ids:
        return ids.index(call_id)
    if name is not None:
        names = [call.name for call in calls]
        return names.index(name) if name in names else None
    return 0


def _tools_from_system(messages: list[Message]) -> tuple[ToolSpec, ...]:
    """Tools from a Hermes ``<tools>`` block in a system message, which is then cut from the message."""
    tools: tuple[ToolSpec, ...] = ()
    for index, message in enumerate(messages):
        if message.role == "system" and "<tools>" in message.content:
            found, prompt = hermes.system_tools(message.content)
            if found:
                tools += found
                messages[index] = Message(role="system", content=prompt)
    return tools


@sources.register("messages")
class MessagesAdapter(SourceAdapter):
    name = "messages"
    license = ""  # per record ("license" field); datasets in this shape come under many licenses
    hub_id = None
    description = "generic OpenAI/Hermes chat records: {messages, tools} with tool_calls or <tool_call> blocks"

    def convert(self, raw: RawRecord) -> Iterator[Trajectory | Reject]:
        record = convert.require_dict(raw.value)
        if record.get("messages") is None and record.get("conversations") is not None:
            turns = convert.require_list(record, "conversations", "record has no messages")
            if any(isinstance(t, dict) and "<tool_call>" in str(t.get("value", "")) for t in turns):
                messages, skipped = hermes.hermes_messages(turns)
            else:
                messages, skipped = sharegpt_messages(turns)
        else:
            turns = convert.require_list(record, "messages", "record has no messages")
            conversation = _Conversation()
            for index, turn in enumerate(turns):
                conversation.add(convert.require_dict(turn, f"message {index}"), f"message {index}")
            messages, skipped = conversation.messages, conversation.skipped
        raw_tools = record.get("tools", record.get("functions"))
        tools = convert.tool_specs(raw_tools, "tools") if raw_tools is not None else _tools_from_system(messages)
        meta = dict(record["meta"]) if isinstance(record.get("meta"), dict) else {}
        if skipped:
            meta["skipped_empty_turns"] = skipped
        license = record.get("license") if isinstance(record.get("license"), str) else self.license
        subset = record.get("subset") if isinstance(record.get("subset"), str) else ""
        source_id = convert.source_id(record, raw.key)
        yield convert.trajectory(self.name, source_id, messages, tools, str(license), subset=str(subset), meta=meta)
