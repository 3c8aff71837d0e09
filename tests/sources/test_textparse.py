"""textparse: JSON or Python literals in strings, concatenated JSON, tagged blocks, end tokens."""

from __future__ import annotations

import pytest

from curation.sources.textparse import (
    LITERAL_EVAL_LIMIT,
    ParseError,
    parse_json_sequence,
    parse_value,
    remove_tag_blocks,
    strip_end_tokens,
    tag_blocks,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"name": "f", "arguments": {"x": 1}}', {"name": "f", "arguments": {"x": 1}}),
        ("{'name': 'f', 'arguments': {'ok': True, 'v': None}}", {"name": "f", "arguments": {"ok": True, "v": None}}),
        # Python quoting with JSON constants, which neither parser takes alone
        ("{'flag': true, 'missing': null, 'off': false}", {"flag": True, "missing": None, "off": False}),
        # true/null inside a string stay as they are
        ("{'text': 'true or null', 'n': true}", {"text": "true or null", "n": True}),
        ("('a', 'b')", ["a", "b"]),  # tuples become lists
        ('  [1, 2.5, "x"]\n', [1, 2.5, "x"]),
        ('{"text": "line one\nline two"}', {"text": "line one\nline two"}),  # raw newline inside a string
        ("{'name': \"Tom's\"}", {"name": "Tom's"}),
    ],
)
def test_parse_value_reads_json_and_python_literals(text: str, expected: object) -> None:
    assert parse_value(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ('{"name": "f", "arguments": {"x', "not valid JSON"),
        ("NaN", "not a JSON"),
        ('{"x": 1e999}', "not a JSON number"),
        ("{1, 2}", "set is not a JSON value"),
        ("{1: 'a'}", "keys that are not strings"),
        ("b'bytes'", "bytes is not a JSON value"),
        ("__import__('os').system('true')", "nor a Python literal"),  # never evaluated
    ],
)
def test_parse_value_errors_say_why(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_value(text)


def test_parse_value_does_not_try_huge_text_as_python() -> None:
    text = "{'a': '" + "x" * LITERAL_EVAL_LIMIT + "'}"
    with pytest.raises(ParseError, match="too long to try as a Python literal"):
        parse_value(text)


def test_parse_json_sequence_reads_concatenated_pretty_objects() -> None:
    text = '{\n    "name": "a"\n}\n\n{\n    "name": "b"\n}\n, [1]\n'
    assert parse_json_sequence(text) == [{"name": "a"}, {"name": "b"}, [1]]
    assert parse_json_sequence("  \n") == []
    with pytest.raises(ParseError, match="at character 15"):
        parse_json_sequence('{"name": "a"}\n {"name": ')


def test_tag_blocks_in_order_and_unclosed_tags() -> None:
    text = "think <call>[1]</call> more <call>[2]</call> end"
    assert tag_blocks(text, "call") == ["[1]", "[2]"]
    assert remove_tag_blocks(text, "call") == "think  more  end"
    assert tag_blocks("no tags here", "call") == []
    assert tag_blocks("within <tools> </tools> XML tags", "tools") == [" "]
    with pytest.raises(ParseError, match="<call> is opened but never closed"):
        tag_blocks("a <call>[1]</call> b <call>[2]", "call")


def test_strip_end_tokens() -> None:
    assert strip_end_tokens("Hello there. <|endoftext|>\n") == "Hello there."
    assert strip_end_tokens("x <|im_end|></s>") == "x"
    assert strip_end_tokens("no token") == "no token"


def test_parse_value_keeps_json_loads_own_errors_and_its_reading_of_odd_json() -> None:
    # A leading BOM is refused by json.loads before decoding, with its own message.
    with pytest.raises(ParseError, match="Unexpected UTF-8 BOM"):
        parse_value('\ufeff{"name": "f"}')
    # An out-of-range number before a NaN: the NaN is what json.loads refuses first.
    with pytest.raises(ParseError, match="NaN is not a JSON value"):
        parse_value('{"x": 1e999, "y": NaN}')
    # A repeated key keeps its last value, so an out-of-range number that was overwritten is no error.
    assert parse_value('{"x": 1e999, "x": 1.5}') == {"x": 1.5}
    assert parse_value('[{"x": -1e999}]'.replace("-1e999", "-1e308")) == [{"x": -1e308}]


def test_parse_value_nested_too_deeply_is_an_error_not_a_crash() -> None:
    assert parse_value("[" * 150 + "]" * 150) is not None
    with pytest.raises(ParseError, match="nested too deeply"):
        parse_value("[" * 2000 + "]" * 2000)
