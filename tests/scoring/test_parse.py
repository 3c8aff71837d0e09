"""The parser: every output format a model writes, text answers, parse errors with reasons, and the round trip
of render_calls in every style (including a property test over arbitrary JSON arguments)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curation.schema import ToolCall
from curation.scoring.parse import parse_response, render_calls


def calls(*items: tuple[str, dict[str, Any]]) -> tuple[ToolCall, ...]:
    return tuple(ToolCall(name=name, arguments=arguments) for name, arguments in items)


WEATHER = calls(("get_weather", {"city": "Paris", "days": 3}))
TWO = calls(("get_weather", {"city": "Paris"}), ("math.factorial", {"number": 5}))

FORMATS = [
    (
        "hermes JSON",
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}\n</tool_call>',
        WEATHER,
    ),
    (
        "hermes python dict",
        "<tool_call>\n{'name': 'get_weather', 'arguments': {'city': 'Paris', 'days': 3}}\n</tool_call>",
        WEATHER,
    ),
    (
        "hermes, two blocks and prose",
        'Let me look.\n<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>\n'
        '<tool_call>{"name": "math.factorial", "arguments": {"number": 5}}</tool_call>',
        TWO,
    ),
    (
        "hermes, code fence inside",
        '<tool_call>\n```json\n{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}\n```\n</tool_call>',
        WEATHER,
    ),
    ("hermes, python call inside", "<tool_call>get_weather(city='Paris', days=3)</tool_call>", WEATHER),
    ("JSON object", '{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}', WEATHER),
    ("JSON object, parameters key", '{"name": "get_weather", "parameters": {"city": "Paris", "days": 3}}', WEATHER),
    (
        "JSON object, arguments as JSON text",
        '{"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\", \\"days\\": 3}"}',
        WEATHER,
    ),
    (
        "JSON list",
        '[{"name": "get_weather", "arguments": {"city": "Paris"}}, '
        '{"name": "math.factorial", "arguments": {"number": 5}}]',
        TWO,
    ),
    (
        "OpenAI tool_calls items",
        '[{"id": "call_1", "type": "function", '
        '"function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\", \\"days\\": 3}"}}]',
        WEATHER,
    ),
    (
        "OpenAI message with tool_calls",
        '{"role": "assistant", "content": null, "tool_calls": [{"type": "function", '
        '"function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\", \\"days\\": 3}"}}]}',
        WEATHER,
    ),
    ("BFCL decoded form", '[{"get_weather": {"city": "Paris", "days": 3}}]', WEATHER),
    ("python call", "get_weather(city='Paris', days=3)", WEATHER),
    ("python call list", '[get_weather(city="Paris"), math.factorial(number=5)]', TWO),
    ("python calls without brackets", 'get_weather(city="Paris"), math.factorial(number=5)', TWO),
    ("python call in a code fence", "```python\n[get_weather(city='Paris', days=3)]\n```", WEATHER),
    (
        "JSON in a code fence",
        '```json\n{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}\n```',
        WEATHER,
    ),
    ("reasoning first", '<think>Paris, 3 days. {"name": "x"}</think>\nget_weather(city="Paris", days=3)', WEATHER),
    (
        "reasoning opened by the template",
        'The user wants Paris.\n</think>\n\nget_weather(city="Paris", days=3)',
        WEATHER,
    ),
    ("end token", '{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}<|im_end|>', WEATHER),
    (
        "python literals and JSON constants in python calls",
        "f(a=True, b=None, c=true, d=null, e=(1, 2), f={'k': [1.5, -2]}, g=2*3, h=-4)",
        calls(("f", {"a": True, "b": None, "c": True, "d": None, "e": [1, 2], "f": {"k": [1.5, -2]}, "g": 6, "h": -4})),
    ),
    ("a bare name is a variable", "render(layout=gameLayout)", calls(("render", {"layout": "gameLayout"}))),
    ("an expression argument is its source", "log(at=datetime.now())", calls(("log", {"at": "datetime.now()"}))),
    (
        "names that are not identifiers",
        "f(**{'from': 1, 'my-key': 'x'}, b=2)",
        calls(("f", {"from": 1, "my-key": "x", "b": 2})),
    ),
    ("no arguments", "[ping()]", calls(("ping", {}))),
]


@pytest.mark.parametrize(("text", "expected"), [f[1:] for f in FORMATS], ids=[f[0] for f in FORMATS])
def test_formats(text: str, expected: tuple[ToolCall, ...]) -> None:
    result = parse_response(text)
    assert result.error is None
    assert result.calls == expected


TEXT_ANSWERS = [
    "The weather in Paris is sunny.",
    "I need the city name first (which one do you mean?)",
    "Note (see above): no function applies.",
    "[Note] I cannot do that.",
    "",
    "[]",
    "<think>nothing to call</think>Sorry, I can't help with that.",
]


@pytest.mark.parametrize("text", TEXT_ANSWERS)
def test_text_is_a_valid_no_call_answer(text: str) -> None:
    result = parse_response(text)
    assert result.ok and result.calls == ()


ERRORS = [
    ("unclosed tool_call", '<tool_call>{"name": "f", "arguments": {}}', "never closed"),
    ("bad JSON in a block", "<tool_call>{name: f}</tool_call>", "block 0"),
    ("empty block", "<tool_call>  </tool_call>", "empty"),
    ("JSON object that is no call", '{"answer": 42}', "no 'name'"),
    ("arguments that are no object", '{"name": "f", "arguments": [1, 2]}', "not an object"),
    ("truncated JSON", '[{"name": "f", "arguments": {"a": 1}', "not a tool call"),
    ("truncated python call", "get_weather(city='Paris'", "not a Python call"),
    ("positional argument", "get_weather('Paris')", "positional"),
    ("argument given twice", "f(a=1, **{'a': 2})", "twice"),
    ("unclosed reasoning", "<think>the user wants", "never closed"),
    ("list with a non-call", "[f(a=1), 3]", "not a call"),
    ("called object is not a name", "f()(a=1)", "not a function name"),
    ("non-string dict key", "f(a={1: 2})", "not a string"),
]


@pytest.mark.parametrize(("text", "reason"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_parse_errors_say_why(text: str, reason: str) -> None:
    result = parse_response(text)
    assert result.calls == ()
    assert result.error is not None and reason in result.error


def test_positional_arguments_with_parameter_names() -> None:
    result = parse_response("cd('docs')", positional=None)
    assert not result.ok
    named = parse_response("[cd('docs'), mv(source='a', destination='b')]", {"cd": ["folder"]})
    assert named.calls == calls(("cd", {"folder": "docs"}), ("mv", {"source": "a", "destination": "b"}))
    too_many = parse_response("cd('a', 'b')", {"cd": ["folder"]})
    assert too_many.error is not None and "2 positional arguments for 1" in too_many.error


@pytest.mark.parametrize("style", ["hermes", "json", "python"])
def test_render_round_trip(style: str) -> None:
    original = calls(
        ("a.b", {"from": 1, "x": [1.5, None, {"k": "v'\"\n"}], "y": True, "z": -3}),
        ("g", {}),
        ("h", {"unicode": "Zürich 東京", "empty": "", "nested": {"deep": [[1, 2], []]}}),
    )
    text = render_calls(original, style)  # type: ignore[arg-type]
    assert parse_response(text).calls == original
    assert render_calls((), style) == ""  # type: ignore[arg-type]


def test_render_styles_look_like_model_output() -> None:
    one = calls(("get_weather", {"city": "Paris"}))
    assert (
        render_calls(one, "hermes")
        == '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
    )
    assert render_calls(one, "json") == '[{"name": "get_weather", "arguments": {"city": "Paris"}}]'
    assert render_calls(one, "python") == "[get_weather(city='Paris')]"
    with pytest.raises(ValueError, match="unknown render style"):
        render_calls(one, "xml")  # type: ignore[arg-type]


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)
NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}(\.[A-Za-z_][A-Za-z0-9_]{0,8})?", fullmatch=True)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(NAMES, st.dictionaries(st.text(min_size=1, max_size=8), JSON_VALUES, max_size=4)),
        min_size=1,
        max_size=3,
    ),
    st.sampled_from(["hermes", "json", "python"]),
)
def test_render_round_trip_property(items: list[tuple[str, dict[str, Any]]], style: str) -> None:
    original = calls(*items)
    assert parse_response(render_calls(original, style)).calls == original  # type: ignore[arg-type]
