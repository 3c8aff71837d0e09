"""Model text -> tool calls, or a parse error with a reason; and calls -> text in the same formats.

Read, in this order:
  1. reasoning (``<think>…</think>``) is removed first; a ``<think>`` that never closes is a truncated turn;
  2. Hermes ``<tool_call>`` blocks, one call per block, each JSON or a Python-dict repr (a list inside a block is
     read as several calls);
  3. otherwise the whole text, or the inside of a code fence that is the whole text: a JSON object or list of calls
     (``{"name", "arguments"}`` with arguments as an object or as JSON text, OpenAI's ``{"function": {...}}`` items
     and ``{"tool_calls": [...]}`` messages, BFCL's decoded ``{"fn": {"arg": value}}``), or Python call syntax
     ``fn(a=1)`` / ``[f(...), g(...)]`` (dotted names allowed) read with ``ast`` and never evaluated: literals,
     JSON's true/false/null, folded arithmetic, a bare name as the variable name it is (BFCL's convention), any
     other expression as its source text; positional arguments only when the caller gives the parameter order;
  4. anything else is a text answer: a valid "no call", not an error. Text that starts like a call (``{"``,
     ``[{``, ``name(`` ending in ``)`` or followed by ``arg=``) but cannot be read is a parse error, as is an
     object that is not a call. End-of-turn tokens (``<|im_end|>``...) are dropped.

The tolerant JSON-or-Python-literal reading and the tag handling are curation/sources/textparse.py's, shared with
the source adapters.

``render_calls`` writes calls in the hermes, json or python style; ``parse_response`` reads all three back to the
same calls (the perturbation sampler and the ground-truth candidates rely on that round trip).
"""

from __future__ import annotations

import ast
import json
import keyword
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from curation.schema import ToolCall
from curation.sources.textparse import ParseError, parse_value, strip_end_tokens, tag_blocks

RenderStyle = Literal["hermes", "json", "python"]

_THINK_BLOCK = re.compile(r"<think>.*?</think>", flags=re.DOTALL)
_FENCE = re.compile(r"^```[\w+-]*[ \t]*\n?(.*?)\n?```$", flags=re.DOTALL)
# A name directly followed by "(" (prose puts a space there: "Note (see above)").
_PYTHON_CALL_START = re.compile(r"^\[?\s*[A-Za-z_][\w.]*\(")
_KEYWORD_AFTER_PAREN = re.compile(r"^\[?\s*[A-Za-z_][\w.]*\(\s*(\*\*|[A-Za-z_]\w*\s*=)")
_ARGUMENT_KEYS = ("arguments", "parameters")
# Arithmetic in Python-call arguments (``f(x=2*3)``) is folded, never evaluated; huge powers are refused.
_MAX_EXPONENT = 1000


@dataclass(frozen=True, slots=True)
class ParseResult:
    """The calls read from a model turn (empty for a text answer), or why the text could not be read."""

    calls: tuple[ToolCall, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class _NotACall(ValueError):
    """Structured text that is not a tool call; the message is the reason."""


def parse_response(text: str, positional: Mapping[str, Sequence[str]] | None = None) -> ParseResult:
    """The tool calls in one model turn. Never raises: problems come back as ``ParseResult.error``.

    ``positional`` maps function names to their parameter names in order; with it, positional arguments of
    Python-syntax calls are named from it (as Python would bind them). Without it they are a parse error.
    """
    try:
        body = strip_end_tokens(strip_reasoning(text))
    except _NotACall as error:
        return ParseResult(error=str(error))
    try:
        if "<tool_call>" in body:
            return ParseResult(calls=_hermes_calls(body, positional))
        return ParseResult(calls=_structured_calls(body, positional))
    except (_NotACall, ParseError) as error:
        return ParseResult(error=str(error))
    except RecursionError:
        return ParseResult(error="the text nests too deeply to read")


def strip_reasoning(text: str) -> str:
    """``text`` without ``<think>`` blocks, stripped.

    A lone ``</think>`` (chat templates that open the block in the prompt) drops everything before it; a
    ``<think>`` that never closes means the turn was cut off inside its reasoning, which is an error.
    """
    body = _THINK_BLOCK.sub("", text)
    if "</think>" in body:
        body = body.rsplit("</think>", 1)[1]
    if "<think>" in body:
        raise _NotACall("<think> is opened but never closed: the turn ends inside its reasoning")
    return body.strip()


# -- Hermes blocks --------------------------------------------------------------------------------------------


def _hermes_calls(body: str, positional: Mapping[str, Sequence[str]] | None) -> tuple[ToolCall, ...]:
    calls: list[ToolCall] = []
    for index, block in enumerate(tag_blocks(body, "tool_call")):
        content = _unfence(block.strip())
        if not content:
            raise _NotACall(f"<tool_call> block {index} is empty")
        try:
            found = _calls_from_text(content, positional)
        except (_NotACall, ParseError) as error:
            raise _NotACall(f"<tool_call> block {index}: {error}") from None
        if not found:
            raise _NotACall(f"<tool_call> block {index} holds no call")
        calls.extend(found)
    return tuple(calls)


# -- whole-text formats ------------------------------------------------------------------------------------------


def _structured_calls(body: str, positional: Mapping[str, Sequence[str]] | None) -> tuple[ToolCall, ...]:
    content = _unfence(body)
    if not _looks_like_a_call(content):
        return ()  # a text answer
    return _calls_from_text(content, positional)


def _unfence(text: str) -> str:
    match = _FENCE.match(text.strip())
    return match.group(1).strip() if match else text.strip()


def _looks_like_a_call(text: str) -> bool:
    """Structured text that is meant as calls (its errors are parse errors, not a text answer): a JSON object or
    list of objects (closed or cut off), or a name directly followed by "(" that ends the text with ")" or goes
    on with ``name=`` (a cut-off call)."""
    if text.startswith("{"):
        return text.endswith("}") or text[1:].lstrip()[:1] in ('"', "'")
    if text.startswith("[") and text[1:].lstrip()[:1] in ("{", "]"):
        return True
    if not _PYTHON_CALL_START.match(text):
        return False
    return text.endswith((")", ")]")) or bool(_KEYWORD_AFTER_PAREN.match(text))


def _calls_from_text(text: str, positional: Mapping[str, Sequence[str]] | None) -> tuple[ToolCall, ...]:
    """Calls written as Python call syntax, or as JSON / a Python literal."""
    if _PYTHON_CALL_START.match(text) or not text.startswith(("{", "[")):
        return _python_calls(text, positional)
    try:
        value = parse_value(text)
    except ParseError as error:
        raise _NotACall(f"not a tool call: {error}") from None
    return calls_from_value(value)


def calls_from_value(value: Any) -> tuple[ToolCall, ...]:
    """Calls from parsed JSON: one call object, a list of them, or an OpenAI message with ``tool_calls``."""
    if isinstance(value, list):
        return tuple(call for index, item in enumerate(value) for call in _calls_in_item(item, f"item {index}"))
    return _calls_in_item(value, "the object")


def _calls_in_item(item: Any, where: str) -> tuple[ToolCall, ...]:
    if isinstance(item, dict) and "tool_calls" in item and "name" not in item:
        tool_calls = item["tool_calls"]
        if tool_calls is None:
            return ()
        if not isinstance(tool_calls, list):
            raise _NotACall(f"{where}: 'tool_calls' is a {type(tool_calls).__name__}, not a list")
        return tuple(call_from_object(call, f"{where} tool_calls[{i}]") for i, call in enumerate(tool_calls))
    return (call_from_object(item, where),)


def call_from_object(item: Any, where: str = "the call") -> ToolCall:
    """One call from ``{"name", "arguments"|"parameters"}``, ``{"function": {...}}`` or ``{"fn": {args}}``."""
    if not isinstance(item, dict):
        raise _NotACall(f"{where} is a {type(item).__name__}, not a call object")
    if isinstance(item.get("function"), dict) and "name" not in item:  # OpenAI: {"type": "function", "function": …}
        item = item["function"]
    if "name" in item:
        name = item["name"]
        if not isinstance(name, str) or not name.strip():
            raise _NotACall(f"{where}: the function name is not a non-empty string")
        return ToolCall(name=name.strip(), arguments=_arguments(item, where))
    if len(item) == 1:  # BFCL's decoded form {"fn": {"arg": value}}
        ((name, arguments),) = item.items()
        if isinstance(arguments, dict) and name.strip():
            return ToolCall(name=name.strip(), arguments=arguments)
    keys = ", ".join(sorted(item)) or "none"
    raise _NotACall(f"{where} is not a tool call: no 'name' (keys: {keys})")


def _arguments(item: dict[str, Any], where: str) -> dict[str, Any]:
    key = next((key for key in _ARGUMENT_KEYS if key in item), None)
    raw = item.get(key) if key else None
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):  # OpenAI and Glaive send arguments as JSON text
        try:
            raw = parse_value(raw)
        except ParseError as error:
            raise _NotACall(f"{where}: arguments text is {error}") from None
    if not isinstance(raw, dict):
        raise _NotACall(f"{where}: arguments are a {type(raw).__name__}, not an object")
    return raw


# -- Python call syntax ----------------------------------------------------------------------------------------


def _python_calls(text: str, positional: Mapping[str, Sequence[str]] | None) -> tuple[ToolCall, ...]:
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError as error:
        raise _NotACall(f"not a Python call: {error.msg} (line {error.lineno}, column {error.offset})") from None
    except (ValueError, MemoryError) as error:
        raise _NotACall(f"not a Python call: {error}") from None
    if isinstance(node, ast.Call):
        return (_python_call(node, positional),)
    if isinstance(node, (ast.List, ast.Tuple)):
        calls = []
        for index, element in enumerate(node.elts):
            if not isinstance(element, ast.Call):
                raise _NotACall(f"item {index} of the call list is not a call")
            calls.append(_python_call(element, positional))
        return tuple(calls)
    raise _NotACall(f"not a Python call: a {type(node).__name__} expression")


def _python_call(node: ast.Call, positional: Mapping[str, Sequence[str]] | None) -> ToolCall:
    name = _dotted_name(node.func)
    arguments: dict[str, Any] = {}
    if node.args:
        names = positional.get(name) if positional is not None else None
        if names is None:
            raise _NotACall(f"{name}: positional arguments cannot be matched to parameter names; use name=value")
        if len(node.args) > len(names):
            raise _NotACall(f"{name}: {len(node.args)} positional arguments for {len(names)} parameters")
        for parameter, value_node in zip(names, node.args, strict=False):
            if isinstance(value_node, ast.Starred):
                raise _NotACall(f"{name}: *arguments are not supported")
            arguments[parameter] = _literal(value_node, name)
    for keyword_node in node.keywords:
        if keyword_node.arg is None:  # f(**{"from": 1}): how render_calls writes names that are not identifiers
            expanded = _literal(keyword_node.value, name)
            if not isinstance(expanded, dict):
                raise _NotACall(f"{name}: ** needs a dict literal")
            items = list(expanded.items())
        else:
            items = [(keyword_node.arg, _literal(keyword_node.value, name))]
        for key, value in items:
            if key in arguments:
                raise _NotACall(f"{name}: argument {key!r} is given twice")
            arguments[key] = value
    return ToolCall(name=name, arguments=arguments)


def _dotted_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted_name(node.value)}.{node.attr}"
    raise _NotACall(f"the called object is a {type(node).__name__}, not a function name")


_JSON_CONSTANTS: dict[str, Any] = {"true": True, "false": False, "null": None}


def _literal(node: ast.expr, function: str) -> Any:
    """A JSON value from an argument expression, without evaluating anything."""
    if isinstance(node, ast.Constant):
        value = node.value
        if value is Ellipsis:
            return "..."
        if isinstance(value, (str, bool, int)) or value is None:
            return value
        if isinstance(value, float) and value == value and abs(value) != float("inf"):
            return value
        raise _NotACall(f"{function}: {value!r} is not a JSON value")
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(element, function) for element in node.elts]
    if isinstance(node, ast.Dict):
        result: dict[str, Any] = {}
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            if key_node is None:
                raise _NotACall(f"{function}: ** inside a dict literal is not supported")
            key = _literal(key_node, function)
            if not isinstance(key, str):
                raise _NotACall(f"{function}: dict key {key!r} is not a string")
            result[key] = _literal(value_node, function)
        return result
    if isinstance(node, ast.Name):
        # JSON spellings are common in model output; any other bare name is a variable reference, kept as its
        # name (BFCL's possible answers name variables as strings, e.g. "gameLayout").
        return _JSON_CONSTANTS.get(node.id, node.id)
    if isinstance(node, (ast.UnaryOp, ast.BinOp)):
        return _arithmetic(node, function)
    if isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        return ast.unparse(node)  # an expression such as datetime.now(): its source text
    raise _NotACall(f"{function}: a {type(node).__name__} expression is not a literal value")


def _arithmetic(node: ast.expr, function: str) -> int | float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _arithmetic(node.operand, function)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _arithmetic(node.left, function), _arithmetic(node.right, function)
        try:
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(node.op, ast.Div):
                return left / right
            if isinstance(node.op, ast.FloorDiv):
                return left // right
            if isinstance(node.op, ast.Mod):
                return left % right
            if isinstance(node.op, ast.Pow) and abs(right) <= _MAX_EXPONENT and abs(left) < 1e6:
                result: int | float = left**right
                return result
        except (ZeroDivisionError, OverflowError) as error:
            raise _NotACall(f"{function}: arithmetic in an argument failed ({error})") from None
    raise _NotACall(f"{function}: {ast.unparse(node)!r} is not a literal value")


# -- rendering ---------------------------------------------------------------------------------------------------


def render_calls(calls: Sequence[ToolCall], style: RenderStyle = "hermes") -> str:
    """Calls as model text in one style; ``parse_response`` reads every style back to the same calls.

    No calls render as "" (a text answer is the caller's to write).
    """
    if not calls:
        return ""
    if style == "hermes":
        return "\n".join(f"<tool_call>\n{_call_json(call)}\n</tool_call>" for call in calls)
    if style == "json":
        return "[" + ", ".join(_call_json(call) for call in calls) + "]"
    if style == "python":
        return "[" + ", ".join(_python_text(call) for call in calls) + "]"
    raise ValueError(f"unknown render style {style!r}; use hermes, json or python")


def _call_json(call: ToolCall) -> str:
    return json.dumps({"name": call.name, "arguments": call.arguments}, ensure_ascii=False)


def _python_text(call: ToolCall) -> str:
    named = [f"{key}={value!r}" for key, value in call.arguments.items() if _is_keyword_name(key)]
    others = {key: value for key, value in call.arguments.items() if not _is_keyword_name(key)}
    if others:  # "from", "my-param", "2x": not writable as name=value, but as **{...}
        named.append(f"**{others!r}")
    return f"{call.name}({', '.join(named)})"


def _is_keyword_name(name: str) -> bool:
    # Python reads identifiers in NFKC form ("ﬀ" becomes "ff"): such names must go through **{...} to survive.
    return name.isidentifier() and not keyword.iskeyword(name) and unicodedata.normalize("NFKC", name) == name
