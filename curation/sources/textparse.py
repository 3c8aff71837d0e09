"""Tolerant parsing of the text that tool-calling datasets embed: JSON or Python literals, tagged blocks.

Sources write structured values inside strings in several dialects: JSON, Python reprs with single quotes
(Hermes), JSON with Python's True/None or Python with JSON's true/null (model output), pretty-printed JSON objects
written one after another (Glaive's system prompt), blocks between tags (``<tool_call>``, ``<call>``,
``<tools>``). Everything here is pure and never evaluates code: Python literals go through ``ast.literal_eval``.
"""

from __future__ import annotations

import ast
import io
import json
import math
import re
import tokenize
from typing import Any

# Longer texts are not tried as Python literals: ast.literal_eval builds a full syntax tree and is slow and
# memory-hungry on megabyte strings, and no real tool call or tool list is that long in Python syntax.
LITERAL_EVAL_LIMIT = 200_000
# Tokens that end a model turn in raw chat dumps, e.g. Glaive's " <|endoftext|>".
END_TOKENS = ("<|endoftext|>", "<|im_end|>", "<|eot_id|>", "</s>")
_JSON_NAMES_AS_PYTHON = {"true": "True", "false": "False", "null": "None"}


class ParseError(ValueError):
    """Text that is neither JSON nor a Python literal, or a tag that is opened but never closed."""


def _reject_constant(name: str) -> Any:
    raise ParseError(f"{name} is not a JSON value")


# Texts with at most this many brackets skip json_value's walk after json.loads. Deeper texts keep the walk, whose
# recursion gives up sooner than json.loads does: a value nested that deep is reported exactly as before.
_SHALLOW_BRACKETS = 200


class _NonFiniteFloat(Exception):
    """A float literal out of range (json.loads reads it as inf): parse again the slow way for json_value's error."""


def _finite_float(literal: str) -> float:
    value = float(literal)
    if value in (math.inf, -math.inf):
        raise _NonFiniteFloat
    return value


# json.loads(text, **options) builds a decoder per call; one decoder serves all (json.loads refuses a leading BOM
# before decoding, so texts that start with one take the json.loads path, for its message).
_FAST_DECODER = json.JSONDecoder(strict=False, parse_constant=_reject_constant, parse_float=_finite_float)


def parse_value(text: str) -> Any:
    """The value written in ``text``: JSON first, then a Python literal (single quotes, True/None).

    Raises ParseError with a short reason when neither reading works.
    """
    stripped = text.strip()
    if not stripped:
        raise ParseError("empty text")
    try:
        # strict=False: raw newlines and tabs inside strings are common in generated data.
        if stripped.count("[") + stripped.count("{") <= _SHALLOW_BRACKETS and stripped[0] != "\ufeff":
            try:
                # What json.loads returns is plain JSON data already, but for a number too large for a float
                # (1e999 -> inf): that is the one thing json_value would refuse, so only then is it walked.
                return _FAST_DECODER.decode(stripped)
            except _NonFiniteFloat:
                pass
        return json_value(json.loads(stripped, strict=False, parse_constant=_reject_constant))
    except json.JSONDecodeError as error:
        json_error = f"{error.msg}, character {error.pos}"
    except RecursionError:
        json_error = "nested too deeply"
    if len(stripped) > LITERAL_EVAL_LIMIT:
        raise ParseError(f"not valid JSON ({json_error}; too long to try as a Python literal)")
    try:
        return json_value(ast.literal_eval(stripped))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    try:
        # Python syntax with JSON's constants ({'a': true}), which neither parser accepts alone.
        return json_value(ast.literal_eval(_python_constants(stripped)))
    except ParseError:
        raise
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError, tokenize.TokenError) as error:
        raise ParseError(f"not valid JSON ({json_error}) nor a Python literal ({type(error).__name__})") from None


def json_value(value: Any) -> Any:
    """``value`` as plain JSON data (tuples become lists); ParseError for sets, bytes, NaN, non-string keys."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ParseError(f"{value} is not a JSON number")
        return value
    if isinstance(value, (list, tuple)):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise ParseError("an object has keys that are not strings")
        return {key: json_value(item) for key, item in value.items()}
    raise ParseError(f"a {type(value).__name__} is not a JSON value")


def _python_constants(text: str) -> str:
    """``text`` with the bare names true/false/null (outside strings) written as True/False/None."""
    tokens = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.NAME and token.string in _JSON_NAMES_AS_PYTHON:
            token = token._replace(string=_JSON_NAMES_AS_PYTHON[token.string])
        tokens.append(token)
    return tokenize.untokenize(tokens)


def parse_json_sequence(text: str) -> list[Any]:
    """Consecutive JSON values written one after another (whitespace or commas between), e.g. Glaive's functions."""
    decoder = json.JSONDecoder(strict=False)
    values: list[Any] = []
    position = 0
    while True:
        while position < len(text) and (text[position].isspace() or text[position] == ","):
            position += 1
        if position >= len(text):
            return values
        try:
            value, position = decoder.raw_decode(text, position)
        except (json.JSONDecodeError, RecursionError) as error:
            raise ParseError(f"not a sequence of JSON values (at character {position}: {error})") from None
        values.append(value)


def tag_blocks(text: str, tag: str) -> list[str]:
    """The contents of every ``<tag>...</tag>`` block in ``text``, in order (not stripped).

    Raises ParseError when a tag is opened and never closed (a truncated turn).
    """
    opening, closing = f"<{tag}>", f"</{tag}>"
    blocks: list[str] = []
    position = 0
    while True:
        start = text.find(opening, position)
        if start < 0:
            return blocks
        end = text.find(closing, start + len(opening))
        if end < 0:
            raise ParseError(f"<{tag}> is opened but never closed")
        blocks.append(text[start + len(opening) : end])
        position = end + len(closing)


def remove_tag_blocks(text: str, tag: str) -> str:
    """``text`` without its ``<tag>...</tag>`` blocks, stripped (the free text around tool calls)."""
    pattern = re.compile(rf"<{re.escape(tag)}>.*?</{re.escape(tag)}>", flags=re.DOTALL)
    return pattern.sub("", text).strip()


def strip_end_tokens(text: str) -> str:
    """``text`` without trailing end-of-turn tokens such as Glaive's `` <|endoftext|>``, stripped."""
    result = text.strip()
    changed = True
    while changed:
        changed = False
        for token in END_TOKENS:
            if result.endswith(token):
                result = result[: -len(token)].rstrip()
                changed = True
    return result
