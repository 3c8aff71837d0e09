"""Java and JavaScript argument values, written as source text, turned into JSON values for the checker.

BFCL's Java and JavaScript categories ask the model for arguments in the language's own syntax, and BFCL's decoder
hands them to the checker as strings with the quotes of a top-level string literal already removed:
``"123L"``, ``"new int[]{1, 2}"``, ``"true"``, ``"myVariable"``. The declared (BFCL) type decides how a string is
read, with BFCL's rules: a Java ``long`` needs its ``L``, a Java ``float`` its ``f``, text that does not fit the
type stays a string (so a variable name is compared as a name). Collections are split on top-level commas only,
so a comma inside a string literal does not break an element (BFCL splits on every comma).
"""

from __future__ import annotations

import re
from typing import Any

_INTEGER = re.compile(r"-?\d+")
_JAVA_FLOAT = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?[fF]")
_JAVA_DOUBLE = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_JAVA_LONG = re.compile(r"-?\d+[lL]")
_JS_FLOAT = re.compile(r"-?\d+(\.\d+)?")
_JS_BIGINT = re.compile(r"-?\d+n")
_JAVA_ARRAY = re.compile(r"new\s+[\w.<>]+\s*\[\s*\]\s*\{(.*)\}", flags=re.DOTALL)
_JAVA_AS_LIST = re.compile(r"new\s+ArrayList\s*<[^>]*>\s*\(\s*(?:Arrays\.asList|List\.of)\s*\((.*)\)\s*\)", re.DOTALL)
_JAVA_ADD_BLOCK = re.compile(r"new\s+ArrayList\s*<[^>]*>\s*\(\s*\)\s*\{\s*\{(.*)\}\s*\}", flags=re.DOTALL)
_JAVA_EMPTY_LIST = re.compile(r"new\s+ArrayList\s*<[^>]*>\s*\(\s*\)")
_JAVA_PUT_BLOCK = re.compile(r"new\s+HashMap\s*<[^>]*>\s*\(\s*\)\s*\{\s*\{?(.*?)\}?\s*\}", flags=re.DOTALL)
_JAVA_EMPTY_MAP = re.compile(r"new\s+HashMap\s*<[^>]*>\s*\(\s*\)")
_JAVA_STATEMENT = re.compile(r"(add|put)\s*\((.*)\)\s*;?", flags=re.DOTALL)
_JS_NEW_ARRAY = re.compile(r"new\s+Array\s*\((.*)\)", flags=re.DOTALL)
_OPENERS = {"[": "]", "{": "}", "(": ")"}

# BFCL's own type names per language, lower-cased, mapped to how a string of that type is read.
JAVA_TYPES = {
    "byte": "integer",
    "short": "integer",
    "integer": "integer",
    "int": "integer",
    "long": "long",
    "float": "float",
    "double": "double",
    "boolean": "boolean",
    "char": "text",
    "string": "text",
    "any": "text",
    "array": "array",
    "arraylist": "arraylist",
    "hashmap": "hashmap",
}
JS_TYPES = {
    "string": "js_string",
    "integer": "integer",
    "float": "js_float",
    "bigint": "bigint",
    "boolean": "boolean",
    "dict": "js_dict",
    "object": "js_dict",
    "array": "js_array",
    "any": "text",
}


def convert_argument(text: str, language: str, type_name: str, item_type: str | None = None) -> Any:
    """The value that ``text`` (Java or JavaScript source of one argument) stands for under ``type_name``.

    Types BFCL does not convert (Set, Queue, ...) and text that does not fit its type stay as the text.
    """
    table = JAVA_TYPES if language == "java" else JS_TYPES
    rule = table.get(type_name.lower())
    if rule is None:
        return text
    value = text.strip()
    if rule == "text":
        return text
    if rule == "js_string":
        return _unquote(value) if _is_quoted(value) else text
    if rule == "integer":
        return int(value) if _INTEGER.fullmatch(value) else text
    if rule == "long":
        return int(value[:-1]) if _JAVA_LONG.fullmatch(value) else text
    if rule == "float":
        return float(value[:-1]) if _JAVA_FLOAT.fullmatch(value) else text
    if rule == "double":
        return float(value) if _JAVA_DOUBLE.fullmatch(value) else text
    if rule == "js_float":
        return float(value) if _JS_FLOAT.fullmatch(value) else text
    if rule == "bigint":
        return int(value[:-1]) if _JS_BIGINT.fullmatch(value) else text
    if rule == "boolean":
        return {"true": True, "false": False}.get(value, text)
    parsed = _collection(value, rule, language, item_type)
    return text if parsed is None else parsed


def _collection(value: str, rule: str, language: str, item_type: str | None) -> Any:
    if rule == "array":
        match = _JAVA_ARRAY.fullmatch(value)
        return None if match is None else _elements(match.group(1), language, item_type)
    if rule == "arraylist":
        if match := _JAVA_AS_LIST.fullmatch(value):
            return _elements(match.group(1), language, item_type)
        if match := _JAVA_ADD_BLOCK.fullmatch(value):
            return [_element(args, language, item_type) for _, args in _statements(match.group(1), "add")]
        return [] if _JAVA_EMPTY_LIST.fullmatch(value) else None
    if rule == "hashmap":
        if match := _JAVA_PUT_BLOCK.fullmatch(value):
            result: dict[str, Any] = {}
            for _, args in _statements(match.group(1), "put"):
                parts = split_top_level(args)
                if len(parts) != 2 or not _is_quoted(parts[0]):
                    return None
                result[_unquote(parts[0])] = literal(parts[1], language)
            return result
        return {} if _JAVA_EMPTY_MAP.fullmatch(value) else None
    if rule == "js_array":
        if value.startswith("[") and value.endswith("]"):
            return _elements(value[1:-1], language, item_type)
        if match := _JS_NEW_ARRAY.fullmatch(value):
            return _elements(match.group(1), language, item_type)
        return None
    if rule == "js_dict":
        return _js_object(value) if value.startswith("{") and value.endswith("}") else None
    return None


def _statements(block: str, verb: str) -> list[tuple[str, str]]:
    """The ``add(x);`` / ``put(k, v);`` statements of a double-brace initializer."""
    found = []
    for statement in split_top_level(block, separator=";"):
        match = _JAVA_STATEMENT.fullmatch(statement.strip())
        if match and match.group(1) == verb:
            found.append((verb, match.group(2)))
    return found


def _elements(inner: str, language: str, item_type: str | None) -> list[Any]:
    return [_element(part, language, item_type) for part in split_top_level(inner) if part.strip()]


def _element(text: str, language: str, item_type: str | None) -> Any:
    text = text.strip()
    if item_type is None:
        return literal(text, language)
    if item_type.lower() in {"string", "char"} and _is_quoted(text):
        return _unquote(text)
    if item_type.lower() in {"array", "arraylist", "dict", "hashmap", "object"} or text[:1] in "[{":
        return literal(text, language)
    return convert_argument(text, language, item_type)


def literal(text: str, language: str) -> Any:
    """An untyped Java/JavaScript literal: strings, numbers with suffixes, booleans, null, arrays, objects.

    Anything else (an identifier, ``new Foo(1)``) is kept as its text, as BFCL keeps variable names.
    """
    value = text.strip()
    if value in ("true", "false"):
        return value == "true"
    if value in ("null", "undefined"):
        return None
    if _is_quoted(value):
        return _unquote(value)
    if language == "java" and _JAVA_LONG.fullmatch(value):
        return int(value[:-1])
    if language == "java" and _JAVA_FLOAT.fullmatch(value):
        return float(value[:-1])
    if language == "javascript" and _JS_BIGINT.fullmatch(value):
        return int(value[:-1])
    if _INTEGER.fullmatch(value):
        return int(value)
    if re.fullmatch(r"-?\d+\.\d*([eE][+-]?\d+)?|-?\d+[eE][+-]?\d+", value):
        return float(value)
    if value.startswith("[") and value.endswith("]"):
        return [literal(part, language) for part in split_top_level(value[1:-1]) if part.strip()]
    if language == "javascript" and value.startswith("{") and value.endswith("}"):
        parsed = _js_object(value)
        return value if parsed is None else parsed
    if language == "java" and (parsed := _collection(value, "array", language, None)) is not None:
        return parsed
    return text


def _js_object(value: str) -> dict[str, Any] | None:
    result: dict[str, Any] = {}
    for entry in split_top_level(value[1:-1]):
        if not entry.strip():
            continue
        key, colon, rest = _split_key(entry)
        if not colon:
            return None
        result[key] = literal(rest, "javascript")
    return result


def _split_key(entry: str) -> tuple[str, bool, str]:
    """``key: value`` with a bare or quoted key; the colon is searched outside the quotes of the key."""
    entry = entry.strip()
    if entry[:1] in ("'", '"'):
        end = _string_end(entry, 0)
        if end < 0:
            return "", False, ""
        key, rest = _unquote(entry[: end + 1]), entry[end + 1 :].lstrip()
    else:
        colon = entry.find(":")
        if colon < 0:
            return entry, False, ""
        key, rest = entry[:colon].strip(), entry[colon:]
    if not rest.startswith(":"):
        return key, False, ""
    return key, True, rest[1:]


def split_top_level(text: str, separator: str = ",") -> list[str]:
    """``text`` split on ``separator`` outside brackets and string literals."""
    parts: list[str] = []
    depth = 0
    start = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char in "'\"`":
            end = _string_end(text, index)
            index = len(text) if end < 0 else end + 1
            continue
        if char in _OPENERS:
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append(text[start:index])
            start = index + 1
        index += 1
    parts.append(text[start:])
    return parts


def _string_end(text: str, start: int) -> int:
    """Index of the quote that closes the string literal opened at ``start``, or -1."""
    quote = text[start]
    index = start + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == quote:
            return index
        index += 1
    return -1


def _is_quoted(value: str) -> bool:
    return len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"`" and _string_end(value, 0) == len(value) - 1


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}


def _unquote(value: str) -> str:
    """The text of a quoted literal with its backslash escapes resolved (\\n, \\t, \\", \\', \\\\)."""
    inner = value[1:-1]
    if "\\" not in inner:
        return inner
    out: list[str] = []
    index = 0
    while index < len(inner):
        char = inner[index]
        if char == "\\" and index + 1 < len(inner):
            following = inner[index + 1]
            out.append(_ESCAPES.get(following, following))
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)
