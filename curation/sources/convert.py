"""Building schema records from parsed native values: tool lists, tool calls, tool results, the trajectory.

Every adapter meets the same shapes once its text is parsed (a tool as ``{name, description, parameters}`` or
OpenAI's ``{"type": "function", "function": {...}}``, a call as ``{name, arguments}`` with the arguments as an object
or as JSON text, results aligned with the calls that asked for them). The rules for them, and the reject reasons a
curator sees, live here once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from curation.memo import BoundedMemo
from curation.schema import Message, ToolCall, ToolSpec, Trajectory
from curation.sources.base import SourceError
from curation.sources.textparse import ParseError, parse_value
from curation.tool_schema import exact_key, normalize_parameters

# Reject reasons shared by several adapters: short and countable.
BAD_CALL = "tool call is not valid JSON or Python literal"
BAD_TOOLS = "tool list is not valid JSON or Python literal"
NO_ASSISTANT = "conversation has no assistant turn"
CALLS_WITHOUT_TOOLS = "assistant turn references no tool list"
RESULTS_MISALIGNED = "tool results do not line up with the calls"
RESULT_WITHOUT_CALL = "tool result without a preceding tool call"


def parsed(value: Any, reason: str, what: str) -> Any:
    """``value`` itself, or the value written in it when it is text (JSON or a Python literal)."""
    if not isinstance(value, str):
        return value
    try:
        return parse_value(value)
    except ParseError as error:
        raise SourceError(reason, f"{what}: {error}: {_excerpt(value)}") from None


# Tools recur across the records of a source (APIGen draws ~3,600 APIs for 60K queries): each definition is repaired
# and validated once, keyed by its exact data (exact_key); ToolSpec is frozen, so one record can serve every
# trajectory that uses it. Bounded: cleared when full. Definitions that fail are never kept (their error names the
# record's position).
_TOOL_SPECS: BoundedMemo[bytes, ToolSpec] = BoundedMemo(8192)
_TOOL_KEY_LIMIT = 8_000  # bytes; a larger definition is rare and repaired every time
# And whole tool lists by their text, as the record gave it: many sources repeat one list in record after record.
_TOOL_LISTS: BoundedMemo[str, tuple[ToolSpec, ...]] = BoundedMemo(512)
_TOOL_LIST_KEY_LIMIT = 100_000  # characters


def tool_specs(value: Any, what: str = "tools") -> tuple[ToolSpec, ...]:
    """The tools of a record from a list (or one object, or its JSON/Python text) of tool definitions."""
    if not isinstance(value, str):
        return _tool_specs(value, what)
    if len(value) > _TOOL_LIST_KEY_LIMIT:
        return _tool_specs(value, what)
    return _TOOL_LISTS.get_or_make(value, lambda: _tool_specs(value, what))


def _tool_specs(value: Any, what: str) -> tuple[ToolSpec, ...]:
    value = parsed(value, BAD_TOOLS, what)
    if value is None:
        return ()
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise SourceError("tool list is not a list", f"{what} is a {type(value).__name__}")
    return tuple(tool_spec(item, f"{what}[{index}]") for index, item in enumerate(value))


def tool_spec(value: Any, what: str) -> ToolSpec:
    value = parsed(value, BAD_TOOLS, what)
    if not isinstance(value, dict):
        return _tool_spec(value, what)
    key = exact_key(value)
    if key is None or len(key) > _TOOL_KEY_LIMIT:
        return _tool_spec(value, what)
    return _TOOL_SPECS.get_or_make(key, lambda: _tool_spec(value, what))


def _tool_spec(value: Any, what: str) -> ToolSpec:
    if not isinstance(value, dict):
        raise SourceError("tool definition is not an object", f"{what} is a {type(value).__name__}")
    if isinstance(value.get("function"), dict):  # OpenAI's {"type": "function", "function": {...}}
        value = value["function"]
    name = value.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SourceError("tool definition has no name", f"{what}: {_excerpt(json.dumps(value, default=str))}")
    description = value.get("description")
    parameters = parsed(value.get("parameters"), BAD_TOOLS, f"{what}.parameters")
    if parameters is not None and not isinstance(parameters, dict):
        raise SourceError("tool parameters are not an object", f"{what} ({name}): {type(parameters).__name__}")
    if isinstance(parameters, dict) and "properties" in parameters and not isinstance(parameters["properties"], dict):
        shown = type(parameters["properties"]).__name__
        raise SourceError("tool parameters are not an object", f"{what} ({name}): properties is a {shown}")
    try:
        schema = normalize_parameters(parameters)
    except (TypeError, ValueError, AttributeError, RecursionError) as error:
        raise SourceError("tool parameters could not be repaired", f"{what} ({name}): {error}") from None
    return ToolSpec(
        name=name.strip(), description=description if isinstance(description, str) else "", parameters=schema
    )


def tool_call(value: Any, what: str = "call") -> ToolCall:
    """One call from ``{name, arguments}`` (OpenAI's ``{"function": {...}}`` too); arguments may be JSON text."""
    value = parsed(value, BAD_CALL, what)
    if not isinstance(value, dict):
        raise SourceError("tool call is not an object", f"{what} is a {type(value).__name__}")
    if isinstance(value.get("function"), dict):
        value = value["function"]
    name = value.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SourceError("tool call has no function name", f"{what}: {_excerpt(json.dumps(value, default=str))}")
    arguments = value.get("arguments", value.get("parameters"))
    if arguments is None or (isinstance(arguments, str) and not arguments.strip()):
        arguments = {}
    arguments = parsed(arguments, BAD_CALL, f"{what} ({name}) arguments")
    if not isinstance(arguments, dict):
        raise SourceError("tool call arguments are not an object", f"{what} ({name}): {type(arguments).__name__}")
    return ToolCall(name=name.strip(), arguments=arguments)


def tool_calls(value: Any, what: str = "calls") -> tuple[ToolCall, ...]:
    """Calls from a list of calls or one call (or their JSON/Python text)."""
    value = parsed(value, BAD_CALL, what)
    items = value if isinstance(value, list) else [value]
    return tuple(tool_call(item, f"{what}[{index}]") for index, item in enumerate(items))


def result_text(value: Any) -> str:
    """A tool result as message content: text stays as the source wrote it; structured values become JSON."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise SourceError("tool result is not JSON data", f"{type(error).__name__}: {error}") from None


def result_messages(
    calls: Sequence[ToolCall], results: Sequence[Any], names: Sequence[str | None] = ()
) -> list[Message]:
    """One tool message per result, named after the call it answers (results and calls are aligned by position).

    ``names`` overrides the name per position where the source names the result itself.
    """
    if not calls:
        raise SourceError(RESULT_WITHOUT_CALL)
    if len(results) != len(calls):
        raise SourceError(RESULTS_MISALIGNED, f"{len(calls)} calls, {len(results)} results")
    messages = []
    for index, (call, result) in enumerate(zip(calls, results, strict=True)):
        name = names[index] if index < len(names) and names[index] else call.name
        messages.append(Message(role="tool", name=name, content=result_text(result)))
    return messages


def answer_open_calls(
    open_calls: Sequence[ToolCall], results: Sequence[Any], names: Sequence[str | None] = ()
) -> tuple[list[Message], list[ToolCall]]:
    """Tool messages for the first ``len(results)`` open calls, and the calls still waiting for a result.

    For sources that may answer parallel calls in one turn or spread over several turns.
    """
    if not open_calls:
        raise SourceError(RESULT_WITHOUT_CALL)
    if len(results) > len(open_calls):
        raise SourceError(RESULTS_MISALIGNED, f"{len(open_calls)} open calls, {len(results)} results")
    answered = open_calls[: len(results)]
    return result_messages(answered, results, names), list(open_calls[len(results) :])


def trajectory(
    source: str,
    source_id: str,
    messages: Sequence[Message],
    tools: Sequence[ToolSpec],
    license: str,
    subset: str = "",
    meta: dict[str, Any] | None = None,
) -> Trajectory:
    """The trajectory, after the checks every source shares (an assistant turn exists; calls have tools)."""
    if not any(message.role == "assistant" for message in messages):
        raise SourceError(NO_ASSISTANT, f"roles: {[message.role for message in messages]}")
    if not tools and any(message.tool_calls for message in messages):
        called = sorted({call.name for message in messages for call in message.tool_calls})
        raise SourceError(CALLS_WITHOUT_TOOLS, f"calls {', '.join(called)} but the record defines no tools")
    result = Trajectory(
        id=f"{source}:{source_id}",
        source=source,
        subset=subset,
        tools=tuple(tools),
        messages=tuple(messages),
        license=license,
        meta=meta or {},
    )
    try:
        # Serializing to JSON bytes fails on exactly what the canonical form cannot hold, at a fraction of the
        # cost of building it; only then is the canonical form built, for its error (same message as ever).
        result.model_dump_json()
    except (ValueError, TypeError, RecursionError):
        pass
    else:
        return result
    try:
        result.canonical_json().encode("utf-8")
    except UnicodeEncodeError as error:  # a lone surrogate from a "\ud800" escape cannot be stored
        raise SourceError("text is not valid Unicode", str(error)[:300]) from None
    return result


def source_id(record: dict[str, Any], key: str, field: str = "id") -> str:
    """The record's own id when it has one, else the reader's stable key ("<file stem>:<index>")."""
    value = record.get(field)
    if isinstance(value, bool) or value is None:
        return key
    if isinstance(value, (str, int)) and str(value).strip():
        return str(value).strip()
    return key


def require_dict(value: Any, what: str = "record") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SourceError(f"{what} is not an object", f"got {type(value).__name__}")
    return value


def require_text(record: dict[str, Any], field: str, reason: str) -> str:
    """A string field that must be present and non-empty."""
    value = record.get(field)
    if not isinstance(value, str) or not value.strip():
        shown = "missing" if value is None else f"a {type(value).__name__}" if not isinstance(value, str) else "empty"
        raise SourceError(reason, f"field {field!r} is {shown}")
    return value


def require_list(record: dict[str, Any], field: str, reason: str) -> list[Any]:
    value = record.get(field)
    if isinstance(value, str):
        value = parsed(value, reason, field)
    if not isinstance(value, list) or not value:
        shown = "missing" if value is None else "empty" if value == [] else f"a {type(value).__name__}"
        raise SourceError(reason, f"field {field!r} is {shown}")
    return value


def _excerpt(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"
