"""One rendering of tools, calls and turns for everything that shows them to a model: GenRM prompts, the
`disc` and `trl` release configs, and the evaluators that judge model outputs the same way.

Why one place: a reward model must never learn to tell the chosen side from the rejected side by formatting.
Both sides of a pair are therefore rebuilt from their parsed calls with the same renderer (the ground truth's
own text and a model's raw text may differ in spacing, key order or preamble); only a turn that failed to parse
keeps its raw text, since that text is the error.

Tool calls follow the Hermes / Qwen convention (`<tool_call>` blocks of {"name", "arguments"} JSON) that
Qwen3's chat template produces itself, and chat-template messages use the OpenAI wire form, where
``arguments`` is a JSON string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from curation.schema import Candidate, Message, ToolCall, ToolSpec

_THINK_BLOCK = re.compile(r"^\s*<think>.*?</think>\s*", flags=re.DOTALL)


# One encoder for every call: json.dumps with keyword arguments builds a new encoder each time, which costs more
# than encoding a small value. Same output as json.dumps(value, ensure_ascii=False).
_TEMPLATE_ENCODER = json.JSONEncoder(ensure_ascii=False)


def template_json(value: Any) -> str:
    """JSON as Jinja's `tojson` in transformers' chat templates writes it: ", " and ": " separators, unicode kept."""
    return _TEMPLATE_ENCODER.encode(value)


def public_schema(schema: Any) -> Any:
    """A JSON Schema without our internal ``x-`` annotations (x-original-type, x-optional)."""
    if isinstance(schema, dict):
        # Leaves are returned as they are without a call: schemas are mostly strings, and this runs for every tool.
        return {
            key: public_schema(value) if isinstance(value, (dict, list)) else value
            for key, value in schema.items()
            if not str(key).startswith("x-")
        }
    if isinstance(schema, list):
        return [public_schema(item) if isinstance(item, (dict, list)) else item for item in schema]
    return schema


def tool_json(tool: ToolSpec) -> dict[str, Any]:
    """One tool as {"name", "description", "parameters"} (the shape BFCL and Hermes prompts list)."""
    return {"name": tool.name, "description": tool.description, "parameters": public_schema(tool.parameters)}


def openai_tools(tools: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    """Tools in the OpenAI / transformers form: [{"type": "function", "function": {...}}]."""
    return [{"type": "function", "function": tool_json(tool)} for tool in tools]


def tool_json_texts(tools: Sequence[ToolSpec]) -> list[str]:
    """Each tool's ``tool_json`` as JSON text: the one serialization per tool that the other tool texts reuse."""
    return [template_json(tool_json(tool)) for tool in tools]


def openai_tool_text(tool_text: str) -> str:
    """One tool in the OpenAI form as JSON text, from its ``tool_json_texts`` entry.

    json.dumps writes a nested value exactly as it writes that value alone, so wrapping the text gives the same
    bytes as serializing {"type": "function", "function": tool_json(tool)} again.
    """
    return f'{{"type": "function", "function": {tool_text}}}'


def json_list_text(item_texts: Sequence[str]) -> str:
    """The JSON text of a list from its items' JSON texts, as json.dumps writes it ("[a, b]")."""
    return f"[{', '.join(item_texts)}]"


def tools_text(tools: Sequence[ToolSpec]) -> str:
    """One tool JSON per line, as Qwen3's chat template lists them inside <tools></tools>."""
    return "\n".join(openai_tool_text(text) for text in tool_json_texts(tools))


def arguments_texts(message: Message) -> list[str]:
    """The JSON text of each call's arguments: what chat_message and message_text both show, written once."""
    return [template_json(call.arguments) for call in message.tool_calls]


def tool_call_text(call: ToolCall, arguments: str | None = None) -> str:
    """A call as one Hermes block, byte-identical to what Qwen3's chat template renders.

    ``arguments``: the call's arguments as JSON text, when the caller has written them already.
    """
    if arguments is None:
        arguments = template_json(call.arguments)
    body = f'{{"name": {template_json(call.name)}, "arguments": {arguments}}}'
    return f"<tool_call>\n{body}\n</tool_call>"


def strip_think(text: str) -> str:
    """A model's answer without a leading <think>…</think> block (a reasoning model's scratchpad)."""
    return _THINK_BLOCK.sub("", text, count=1)


def candidate_message(candidate: Candidate) -> Message:
    """The assistant turn a candidate stands for: its parsed calls, or its text when it made no call.

    A candidate whose output did not parse keeps its raw text: that text is the mistake being judged.
    """
    if candidate.calls:
        return Message(role="assistant", content="", tool_calls=candidate.calls)
    return Message(role="assistant", content=strip_think(candidate.text).strip())


def message_text(message: Message, arguments: Sequence[str] | None = None) -> str:
    """The visible text of a turn: its content, then its calls as <tool_call> blocks.

    ``arguments``: ``arguments_texts(message)``, when the caller has it already.
    """
    if arguments is None:
        arguments = arguments_texts(message)
    parts = [message.content.strip()] if message.content.strip() else []
    parts.extend(tool_call_text(call, text) for call, text in zip(message.tool_calls, arguments, strict=True))
    return "\n".join(parts)


def transcript(messages: Sequence[Message]) -> str:
    """A conversation as plain text with one header per turn, for a critique prompt."""
    blocks = []
    for message in messages:
        header = message.role.capitalize()
        if message.role == "tool":
            header = f"Tool result ({message.name})" if message.name else "Tool result"
        blocks.append(f"[{header}]\n{message_text(message) or '(empty)'}")
    return "\n\n".join(blocks)


def chat_message(message: Message, arguments: Sequence[str] | None = None) -> dict[str, Any]:
    """A message as chat templates read it. Every message has the same keys, so that it fits one parquet type.

    ``arguments``: ``arguments_texts(message)``, when the caller has it already.
    """
    if arguments is None:
        arguments = arguments_texts(message)
    return {
        "role": message.role,
        "content": message.content,
        "tool_calls": [
            {"type": "function", "function": {"name": call.name, "arguments": text}}
            for call, text in zip(message.tool_calls, arguments, strict=True)
        ],
        "name": message.name,
        "tool_call_id": message.tool_call_id,
    }


def tools_system_text(tools: Sequence[ToolSpec], system: str = "") -> str:
    """A system message that carries the tools the way Qwen3's chat template writes them.

    OpenRLHF's reward trainer applies the chat template without a ``tools`` argument, so the tools have to be in
    the system message itself for the reward model to see them.
    """
    return system_text_with_tools(tools_text(tools), system)


def system_text_with_tools(rendered_tools: str, system: str = "") -> str:
    """``tools_system_text`` from the tools already rendered by ``tools_text`` ("" for no tools)."""
    if not rendered_tools:
        return system
    head = f"{system.strip()}\n\n" if system.strip() else ""
    return (
        f"{head}# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
        "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
        f"{rendered_tools}\n</tools>\n\n"
        "For each function call, return a json object with function name and arguments within "
        "<tool_call></tool_call> XML tags:\n<tool_call>\n"
        '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
    )


def with_tools_in_system(tools: Sequence[ToolSpec], history: Sequence[Message]) -> list[Message]:
    """The history with the tools folded into its system message (one is added when there is none)."""
    return with_tools_text_in_system(tools_text(tools), history)


def with_tools_text_in_system(rendered_tools: str, history: Sequence[Message]) -> list[Message]:
    """``with_tools_in_system`` from the tools already rendered by ``tools_text`` ("" for no tools)."""
    messages = list(history)
    if messages and messages[0].role == "system":
        system = system_text_with_tools(rendered_tools, messages[0].content)
        return [Message(role="system", content=system), *messages[1:]]
    if not rendered_tools:
        return messages
    return [Message(role="system", content=system_text_with_tools(rendered_tools)), *messages]
