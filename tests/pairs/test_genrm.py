"""The GenRM prompt and its answer parser (shared with training and evaluation)."""

from __future__ import annotations

import pytest

from curation.genrm import (
    GENRM_VARIANTS,
    PROMPTS_DIR,
    parse_choice,
    prompt_messages,
    render_prompt,
    render_prompt_text,
    render_with_jinja,
)
from curation.schema import Message, ToolCall
from tests.pairs.records import WEATHER

HISTORY = (
    Message(role="system", content="You are a helpful travel assistant."),
    Message(role="user", content="What's the weather in Paris, in celsius?"),
)
CALL = Message(role="assistant", tool_calls=(ToolCall(name="get_weather", arguments={"city": "Paris", "unit": "c"}),))
TEXT = Message(role="assistant", content="Which city do you mean?")


@pytest.mark.parametrize(
    ("text", "choice", "strict"),
    [
        ("The first call is right.\n<choice>\n1\n</choice>", 1, True),
        ("Response 2 uses the right unit.\n<choice>\n2\n</choice>\n", 2, True),
        ("<choice>2</choice>", 2, False),
        ("<choice> 1 </choice>", 1, False),
        ("<choice>\n 2\n</choice>", 2, False),  # a stray space: not the strict form
        ("<think>Maybe <choice>\n1\n</choice>?</think>\nResponse 2 is right.\n<choice>\n2\n</choice>", 2, True),
        ("<think>I pick <choice>\n1\n</choice></think>\nI cannot decide.", None, False),
        ("<choice>\n1\n</choice> or perhaps <choice>2</choice>", None, False),  # a hedge counts as no choice
        ("<choice>\n1\n</choice> Final: <choice>1</choice>", 1, True),
        ("<choice>3</choice>", None, False),
        ("<choice>\n12\n</choice>", None, False),
        ("I choose 1.", None, False),
        ("", None, False),
    ],
)
def test_parse_choice(text: str, choice: int | None, strict: bool) -> None:
    result = parse_choice(text)
    assert (result.choice, result.strict) == (choice, strict)
    assert result.parsed is (choice is not None)


@pytest.mark.parametrize("variant", GENRM_VARIANTS)
def test_prompt_holds_tools_history_and_both_responses_in_order(variant: str) -> None:
    text = render_prompt(variant, (WEATHER,), HISTORY, CALL, TEXT)  # type: ignore[arg-type]
    assert '"name": "get_weather"' in text and '"enum": ["c", "f"]' in text
    assert "You are a helpful travel assistant." in text and "What's the weather in Paris, in celsius?" in text
    first, second = text.index("## Response 1"), text.index("## Response 2")
    call_at = text.index(
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}\n</tool_call>'
    )
    assert first < call_at < second < text.index("Which city do you mean?")
    assert text.rstrip().endswith("where N is 1 if Response 1 is better and 2 if Response 2 is better.")
    assert "<choice>\nN\n</choice>" in text
    assert "{{" not in text and "{%" not in text


def test_the_two_variants_differ_only_in_the_method() -> None:
    think = render_prompt("think", (WEATHER,), HISTORY, CALL, TEXT)
    no_think = render_prompt("no_think", (WEATHER,), HISTORY, CALL, TEXT)
    assert think != no_think
    assert "step by step" in think and "step by step" not in no_think
    assert "short evaluation" in no_think
    head = think.index("## How to answer")
    assert think[:head] == no_think[:head]


def test_prompt_messages_is_one_user_message() -> None:
    messages = prompt_messages("no_think", (), HISTORY[1:], TEXT, CALL)
    assert [m["role"] for m in messages] == ["user"]
    assert "(no tools)" in messages[0]["content"]


def test_unknown_variant_is_an_error_naming_the_choices() -> None:
    with pytest.raises(ValueError, match="think, no_think"):
        render_prompt("verbose", (), HISTORY, CALL, TEXT)  # type: ignore[arg-type]


def test_templates_ship_with_the_package() -> None:
    assert {p.name for p in PROMPTS_DIR.glob("*.j2")} >= {"genrm_base.j2", "genrm_think.j2", "genrm_no_think.j2"}


@pytest.mark.parametrize("variant", GENRM_VARIANTS)
def test_the_fast_path_renders_exactly_what_jinja_renders(variant: str) -> None:
    values = {
        "tools": '{"name": "f"}\n{{ not a jinja tag }} {% raw %}',
        "conversation": "[User]\nfind {{ x }} and \\x00tools\\x00 in <tags>",
        "response_1": "  leading space, unicode é, \x00 a NUL byte",
        "response_2": "",
    }
    assert render_prompt_text(variant, **values) == render_with_jinja(variant, **values)  # type: ignore[arg-type]
    values["tools"] = ""
    assert render_prompt_text(variant, **values) == render_with_jinja(variant, **values)  # type: ignore[arg-type]
