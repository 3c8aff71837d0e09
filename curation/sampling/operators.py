"""Perturbation operators: seeded, typed edits of a ground-truth turn that make a realistic wrong (or still right)
answer. Each operator returns a Draft, or None where it does not apply to the task (no second tool to confuse, no
optional argument to drop, ...); the perturb backend then draws another.

Error operators name the ErrorType they aim at (the scorer decides the real label); rewrites keep the answer
correct under the ToolRM rule (key order, call order and output format do not matter).
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from curation.schema import ErrorType, Task, ToolCall, ToolSpec


@dataclass(frozen=True)
class Draft:
    """A candidate before rendering: tool calls (rendered in a drawn style), or a text answer as is."""

    calls: tuple[ToolCall, ...] = ()
    text: str | None = None  # set for text answers and for malformed output


Operator = Callable[[Task, random.Random], Draft | None]

_PLAUSIBLE_EXTRA_PARAMS: dict[str, Any] = {
    "verbose": True,
    "format": "json",
    "limit": 10,
    "language": "en",
    "timeout": 30,
    "units": "metric",
    "page": 1,
    "include_details": True,
}
_TEXT_INSTEAD = (
    "I'll use {tool} to take care of that for you.",
    "Could you tell me a bit more before I call {tool}? I want to be sure of the details.",
    "Sure! Let me look into that.",
    "I'm sorry, but I can't help with that request.",
)
_VOWELS = "aeiou"


def _tool(task: Task, name: str) -> ToolSpec | None:
    return next((tool for tool in task.tools if tool.name == name), None)


def _properties(tool: ToolSpec | None) -> dict[str, Any]:
    properties = (tool.parameters.get("properties") if tool else None) or {}
    return properties if isinstance(properties, dict) else {}


def _required(tool: ToolSpec | None) -> set[str]:
    required = (tool.parameters.get("required") if tool else None) or []
    return {name for name in required if isinstance(name, str)}


def _gt_calls(task: Task) -> tuple[ToolCall, ...]:
    return task.target.tool_calls


def _replace(calls: tuple[ToolCall, ...], index: int, call: ToolCall) -> tuple[ToolCall, ...]:
    return (*calls[:index], call, *calls[index + 1 :])


# -- values ----------------------------------------------------------------------------------------------------
def _other_value(value: Any, schema: dict[str, Any], rng: random.Random) -> tuple[bool, Any]:
    """A different value of the same JSON type: (True, value), or (False, None) where there is none."""
    enum = schema.get("enum") if isinstance(schema, dict) else None
    if isinstance(enum, list):
        others = [option for option in enum if option != value and type(option) is type(value)]
        if others:
            return True, rng.choice(others)
    if isinstance(value, bool):
        return True, not value
    if isinstance(value, int):
        return True, value + rng.choice((1, -1, 2, 10, 100))
    if isinstance(value, float):
        return True, round(value * rng.choice((0.5, 1.5, 2.0)) + rng.choice((1.0, 0.25)), 4)
    if isinstance(value, str):
        return True, _misspell(value, rng)
    if isinstance(value, list) and value:
        if len(value) > 1 and rng.random() < 0.5:
            return True, value[:-1]
        position = rng.randrange(len(value))
        changed, item = _other_value(value[position], _items_schema(schema), rng)
        return (True, [*value[:position], item, *value[position + 1 :]]) if changed else (True, value[:-1])
    if isinstance(value, dict) and value:
        key = rng.choice(sorted(value))
        changed, item = _other_value(value[key], {}, rng)
        return (True, {**value, key: item}) if changed else (False, None)
    return False, None


def _items_schema(schema: dict[str, Any]) -> dict[str, Any]:
    items = schema.get("items") if isinstance(schema, dict) else None
    return items if isinstance(items, dict) else {}


def _misspell(text: str, rng: random.Random) -> str:
    digits = [i for i, char in enumerate(text) if char.isdigit()]
    if digits:
        i = rng.choice(digits)
        return text[:i] + rng.choice([d for d in string.digits if d != text[i]]) + text[i + 1 :]
    words = text.split()
    if len(words) > 2:
        drop = rng.randrange(len(words))
        return " ".join(words[:drop] + words[drop + 1 :])
    vowels = [i for i, char in enumerate(text) if char.lower() in _VOWELS]
    if vowels:
        i = rng.choice(vowels)
        vowel = rng.choice([v for v in _VOWELS if v != text[i].lower()])
        return text[:i] + (vowel.upper() if text[i].isupper() else vowel) + text[i + 1 :]
    return text + rng.choice(("s", "x", " 2")) if text else "unknown"


def _other_type(value: Any) -> tuple[bool, Any]:
    """The same content as another JSON type, as models get it wrong: 5 -> "5", "3" -> 3, [a, b] -> "a, b"."""
    if isinstance(value, bool):
        return True, str(value).lower()
    if isinstance(value, (int, float)):
        return True, str(value)
    if isinstance(value, str):
        try:
            return True, int(value)
        except ValueError:
            pass
        try:
            return True, float(value)
        except ValueError:
            return True, [value]
    if isinstance(value, list):
        return True, ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return True, json.dumps(value, ensure_ascii=False)
    return False, None


def _placeholder(schema: dict[str, Any], user_text: str) -> Any:
    """A value of the schema's type, for a call made where none was wanted."""
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    kind = schema.get("type")
    defaults: dict[str, Any] = {"integer": 1, "number": 1.0, "boolean": True, "array": [], "object": {}}
    if isinstance(kind, str) and kind in defaults:
        return defaults[kind]
    words = [word.strip(string.punctuation) for word in user_text.split() if len(word) > 3]
    return words[-1] if words else "example"


# -- error operators -------------------------------------------------------------------------------------------
def _edit_one_argument(
    task: Task, rng: random.Random, edit: Callable[[Any, dict[str, Any]], tuple[bool, Any]]
) -> Draft | None:
    calls = _gt_calls(task)
    spots = [(i, key) for i, call in enumerate(calls) for key in call.arguments]
    rng.shuffle(spots)
    for index, key in spots:
        call = calls[index]
        schema = _properties(_tool(task, call.name)).get(key) or {}
        changed, value = edit(call.arguments[key], schema if isinstance(schema, dict) else {})
        if changed and value != call.arguments[key]:
            arguments = {**call.arguments, key: value}
            return Draft(calls=_replace(calls, index, ToolCall(name=call.name, arguments=arguments)))
    return None


def wrong_value(task: Task, rng: random.Random) -> Draft | None:
    """One argument gets another value of its type; half the time a string takes another string of the same
    turn (EUR for USD, the sender for the recipient), the confusion models make most, else a near miss."""
    strings = sorted({v for call in _gt_calls(task) for v in call.arguments.values() if isinstance(v, str)})

    def edit(value: Any, schema: dict[str, Any]) -> tuple[bool, Any]:
        others = [other for other in strings if other != value]
        if isinstance(value, str) and others and not schema.get("enum") and rng.random() < 0.5:
            return True, rng.choice(others)
        return _other_value(value, schema, rng)

    return _edit_one_argument(task, rng, edit)


def wrong_type(task: Task, rng: random.Random) -> Draft | None:
    return _edit_one_argument(task, rng, lambda value, _schema: _other_type(value))


def wrong_function_name(task: Task, rng: random.Random) -> Draft | None:
    calls = _gt_calls(task)
    called = {call.name for call in calls}
    others = [tool.name for tool in task.tools if tool.name not in called]
    if not calls or not others:
        return None
    index = rng.randrange(len(calls))
    return Draft(calls=_replace(calls, index, ToolCall(name=rng.choice(others), arguments=calls[index].arguments)))


def _drop_argument(task: Task, rng: random.Random, *, required: bool) -> Draft | None:
    calls = _gt_calls(task)
    spots = [
        (i, key)
        for i, call in enumerate(calls)
        for key in call.arguments
        if (key in _required(_tool(task, call.name))) == required and _tool(task, call.name) is not None
    ]
    if not spots:
        return None
    index, key = rng.choice(spots)
    arguments = {name: value for name, value in calls[index].arguments.items() if name != key}
    return Draft(calls=_replace(calls, index, ToolCall(name=calls[index].name, arguments=arguments)))


def missing_required(task: Task, rng: random.Random) -> Draft | None:
    return _drop_argument(task, rng, required=True)


def missing_optional(task: Task, rng: random.Random) -> Draft | None:
    return _drop_argument(task, rng, required=False)


def unexpected_param(task: Task, rng: random.Random) -> Draft | None:
    calls = _gt_calls(task)
    if not calls:
        return None
    index = rng.randrange(len(calls))
    call = calls[index]
    known = set(_properties(_tool(task, call.name))) | set(call.arguments)
    extras = [name for name in _PLAUSIBLE_EXTRA_PARAMS if name not in known]
    if not extras:
        return None
    extra = rng.choice(extras)
    arguments = {**call.arguments, extra: _PLAUSIBLE_EXTRA_PARAMS[extra]}
    return Draft(calls=_replace(calls, index, ToolCall(name=call.name, arguments=arguments)))


def drop_call(task: Task, rng: random.Random) -> Draft | None:
    calls = _gt_calls(task)
    if len(calls) < 2:
        return None
    drop = rng.randrange(len(calls))
    return Draft(calls=(*calls[:drop], *calls[drop + 1 :]))


def duplicate_call(task: Task, rng: random.Random) -> Draft | None:
    calls = _gt_calls(task)
    if not calls:
        return None
    index = rng.randrange(len(calls))
    return Draft(calls=(*calls[: index + 1], calls[index], *calls[index + 1 :]))


def text_instead_of_call(task: Task, rng: random.Random) -> Draft | None:
    calls = _gt_calls(task)
    if not calls:
        return None
    return Draft(text=rng.choice(_TEXT_INSTEAD).format(tool=calls[0].name))


def call_instead_of_text(task: Task, rng: random.Random) -> Draft | None:
    if _gt_calls(task) or not task.tools:
        return None
    tool = rng.choice(task.tools)
    user_text = next((m.content for m in reversed(task.history) if m.role == "user"), "")
    properties = _properties(tool)
    arguments = {
        name: _placeholder(schema if isinstance(schema, dict) else {}, user_text)
        for name, schema in properties.items()
        if name in _required(tool)
    }
    return Draft(calls=(ToolCall(name=tool.name, arguments=arguments),))


def malformed(task: Task, rng: random.Random) -> Draft | None:
    """Output no parser accepts: a cut-off tool-call block, as when generation stops early. Always applies."""
    calls = _gt_calls(task) or (ToolCall(name=task.tools[0].name if task.tools else "answer", arguments={}),)
    call = rng.choice(calls)
    body = json.dumps({"name": call.name, "arguments": call.arguments}, ensure_ascii=False)
    cut = max(1, min(len(body) - 2, rng.randrange(len(body) // 2, len(body))))
    variants = (
        f"<tool_call>\n{body[:cut]}\n</tool_call>",  # JSON cut short inside a closed block
        f"<tool_call>\n{body[:cut]}",  # block never closed
        f'<tool_call>\n{{"name": "{call.name}", "arguments": {{{body[cut:]}\n</tool_call>',  # braces broken
    )
    return Draft(text=rng.choice(variants))


# -- meaning-preserving rewrites -------------------------------------------------------------------------------
def reorder_keys(task: Task, rng: random.Random) -> Draft | None:
    calls = _gt_calls(task)
    if not any(len(call.arguments) > 1 for call in calls):
        return None
    reordered = []
    for call in calls:
        keys = list(call.arguments)
        if len(keys) > 1:
            original = list(keys)
            while keys == original:
                rng.shuffle(keys)
        reordered.append(ToolCall(name=call.name, arguments={key: call.arguments[key] for key in keys}))
    return Draft(calls=tuple(reordered))


def reorder_calls(task: Task, rng: random.Random) -> Draft | None:
    calls = list(_gt_calls(task))
    if len(calls) < 2 or len(set(map(ToolCall.canonical_json, calls))) < 2:
        return None
    original = list(calls)
    while calls == original:
        rng.shuffle(calls)
    return Draft(calls=tuple(calls))


def reformat(task: Task, rng: random.Random) -> Draft | None:
    """The GT calls as they are; the backend renders them in a drawn output style."""
    calls = _gt_calls(task)
    return Draft(calls=calls) if calls else None


def restate_text(task: Task, rng: random.Random) -> Draft | None:
    """A no-call turn answered with text: the GT text with its whitespace normalized."""
    if _gt_calls(task):
        return None
    return Draft(text=" ".join(task.target.content.split()) or "I can't do that with the tools I have.")


# The ErrorType each operator aims at; None where the checker's label depends on the schema (a dropped optional
# argument is wrong against a GT that has it, but which label the checker gives is its call).
ERROR_OPERATORS: dict[str, tuple[Operator, ErrorType | None]] = {
    "wrong_value": (wrong_value, ErrorType.wrong_param_value),
    "wrong_function_name": (wrong_function_name, ErrorType.wrong_function_name),
    "missing_required": (missing_required, ErrorType.missing_required_param),
    "missing_optional": (missing_optional, None),
    "unexpected_param": (unexpected_param, ErrorType.unexpected_param),
    "wrong_type": (wrong_type, ErrorType.wrong_param_type),
    "drop_call": (drop_call, ErrorType.wrong_call_count),
    "duplicate_call": (duplicate_call, ErrorType.duplicate_call),
    "text_instead_of_call": (text_instead_of_call, ErrorType.missing_call),
    "call_instead_of_text": (call_instead_of_text, ErrorType.unexpected_call),
    "malformed": (malformed, ErrorType.parse_error),
}
REWRITE_OPERATORS: dict[str, Operator] = {
    "reorder_keys": reorder_keys,
    "reorder_calls": reorder_calls,
    "reformat": reformat,
    "restate_text": restate_text,
}
