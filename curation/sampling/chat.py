"""A task's history as OpenAI chat messages, the form both vLLM and OpenAI-compatible servers take (tools:
curation.render.openai_tools, the same form the release configs use)."""

from __future__ import annotations

import json
from typing import Any

from curation.schema import Message


def openai_messages(history: tuple[Message, ...]) -> list[dict[str, Any]]:
    """OpenAI chat messages, tool-call arguments as JSON text as the API defines them (vLLM decodes them for
    chat templates itself).

    Tool-call ids are made up where the source had none (``call_<turn>_<k>``), and a tool result without an id
    gets the id of the earliest call of that name not yet answered, since servers check that they match.
    """
    messages: list[dict[str, Any]] = []
    unanswered: list[tuple[str, str]] = []  # (call id, function name), oldest first
    for turn, message in enumerate(history):
        entry: dict[str, Any] = {"role": message.role, "content": message.content}
        if message.tool_calls:
            calls = []
            for k, call in enumerate(message.tool_calls):
                call_id = f"call_{turn}_{k}"
                unanswered.append((call_id, call.name))
                arguments = json.dumps(call.arguments, ensure_ascii=False)
                calls.append(
                    {"id": call_id, "type": "function", "function": {"name": call.name, "arguments": arguments}}
                )
            entry["tool_calls"] = calls
        if message.role == "tool":
            call_id = message.tool_call_id or _answer(unanswered, message.name)
            entry["tool_call_id"] = call_id
            if message.name:
                entry["name"] = message.name
        messages.append(entry)
    return messages


def _answer(unanswered: list[tuple[str, str]], name: str | None) -> str:
    for index, (call_id, call_name) in enumerate(unanswered):
        if name is None or call_name == name:
            del unanswered[index]
            return call_id
    return f"call_unmatched_{name or 'tool'}"
