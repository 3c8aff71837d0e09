"""readback.reads_back: every time it says the parser would give the rendered calls back, the real parser does,
with the same names, key order and value types; and it says so for ordinary calls, so the sampler's shortcut is
really taken."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curation.sampling.readback import MAX_DEPTH, reads_back
from curation.schema import ToolCall
from curation.scoring.parse import RenderStyle, parse_response, render_calls

STYLES: tuple[RenderStyle, ...] = ("hermes", "json", "python")

# Pieces of text that change how the parser cuts up or reads a turn, next to ordinary ones.
TRICKY_TEXT = [
    "<think>",
    "</think>",
    "<tool_call>",
    "</tool_call>",
    "<|im_end|>",
    "</s>",
    " padded ",
    "line\nbreak",
    "quote\"'",
    "back\\slash",
    "\u2028",
    "nul\x00",
    "ünïcödé 中文 🎉",
    "ﬀ",
    "nan",
    "inf",
    "True",
    "None",
    "```",
    "f(x=1)",
    "",
]
NAMES = [
    "get_weather",
    "a.b",
    "get.weather_now",
    "Get_Reviews(Tips)",
    " padded",
    "padded ",
    "class",
    "None",
    "a.class",
    "ﬀunc",
    "ключ",
    "x²",
    "f\n",
    "",
    "a..b",
    "_private",
    "__debug__",
    "name with space",
    "True.x",
]
KEYS = ["city", "from", "class", "my-param", "2x", "ﬀ", "__debug__", "True", "_", "match", "x y", "", "ключ", "k\n"]


def strict(value: Any) -> str:
    """repr tells 1 from 1.0 from True, a list from a tuple, -0.0 from 0.0, and keeps key order."""
    return repr(value)


def same_calls(parsed: tuple[ToolCall, ...], calls: tuple[ToolCall, ...]) -> bool:
    return [(c.name, strict(c.arguments)) for c in parsed] == [(c.name, strict(c.arguments)) for c in calls]


plain_text = st.text(alphabet=st.characters(blacklist_characters="<"), max_size=12)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e16, 5e-324, 1.5, float("nan"), float("-inf")]),
    plain_text,
    plain_text,
    st.sampled_from(TRICKY_TEXT),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=2).map(tuple),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), inner, max_size=3),
    ),
    max_leaves=8,
)
identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
# Mostly ordinary names and keys, so that many examples do read back and the claim is really tested.
arguments = st.dictionaries(
    st.one_of(identifiers, identifiers, st.sampled_from(KEYS), st.text(max_size=8)), values, max_size=4
)
names = st.one_of(identifiers, st.from_regex(r"[a-z]{1,5}\.[a-z_]{1,5}", fullmatch=True), st.sampled_from(NAMES))
calls_strategy = st.lists(
    st.builds(lambda n, a: ToolCall(name=n, arguments=a), names, arguments), min_size=0, max_size=3
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls=calls_strategy, style=st.sampled_from(STYLES))
def test_whenever_reads_back_says_so_the_parser_agrees(calls: list[ToolCall], style: RenderStyle) -> None:
    try:
        text = render_calls(calls, style=style)
    except ValueError:  # an int too long to write: the backend would fail the same way with or without readback
        return
    if reads_back(tuple(calls), style, text):
        parsed = parse_response(text)
        assert parsed.error is None, (text, parsed.error)
        assert same_calls(parsed.calls, tuple(calls)), (text, parsed.calls)


def deep(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("call", "styles"),
    [
        (ToolCall(name="f", arguments={"note": "see <think> here"}), STYLES),
        (ToolCall(name="f", arguments={"note": "a </think> b"}), STYLES),
        (ToolCall(name="f", arguments={"note": "x </tool_call> y"}), ("hermes",)),
        (ToolCall(name="f", arguments={"note": "x <tool_call> y"}), STYLES),
        (ToolCall(name="f ", arguments={}), ("hermes", "json")),  # the parser strips names
        (ToolCall(name="class", arguments={}), ("python",)),  # a keyword cannot be called
        (ToolCall(name="ﬀunc", arguments={}), ("python",)),  # Python folds it to "ffunc"
        (ToolCall(name="convert", arguments={"from": "EUR", "amount": 2}), ("python",)),  # **{...} comes back last
        (ToolCall(name="f", arguments={"x": float("nan")}), STYLES),
        (ToolCall(name="f", arguments={"x": float("inf")}), STYLES),
        (ToolCall(name="f", arguments={"x": (1, 2)}), STYLES),  # comes back a list
        (ToolCall(name="f", arguments={"x": deep(MAX_DEPTH)}), STYLES),
    ],
)
def test_calls_the_parser_may_change_are_left_to_the_parser(call: ToolCall, styles: tuple[RenderStyle, ...]) -> None:
    for style in styles:
        assert not reads_back((call,), style, render_calls((call,), style=style))


@pytest.mark.parametrize("style", STYLES)
def test_ordinary_calls_read_back_in_every_style(style: RenderStyle) -> None:
    calls = (
        ToolCall(name="get_weather", arguments={"city": "Zürich", "days": 3, "units": None, "ok": True}),
        ToolCall(name="convert_currency", arguments={"amount": -250.5, "to": "USD", "from": "EUR"}),
        ToolCall(name="api.search", arguments={"filters": {"tags": ["a", "b"], "max": 1e16}, "q": 'it\'s "here"'}),
    )
    text = render_calls(calls, style=style)
    assert reads_back(calls, style, text)
    parsed = parse_response(text)
    assert parsed.error is None and same_calls(parsed.calls, calls)


def test_no_calls_and_unknown_styles_are_never_trusted() -> None:
    assert not reads_back((), "json", "")
    call = ToolCall(name="f", arguments={})
    assert not reads_back((call,), "yaml", render_calls((call,), style="json"))  # type: ignore[arg-type]
