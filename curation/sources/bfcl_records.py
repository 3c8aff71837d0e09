"""Typed BFCL records: one question line joined with its answer line, checked field by field.

A record that does not have the shape BFCL's own harness expects raises ``SourceError`` with a reason a curator
can read; the loader turns that into a Reject. Values are kept as BFCL wrote them (``raw_functions``,
``possible_answer``, ``turn_answers``) so that a faithful checker can use them, beside normalized tools.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from curation.schema import Message, ToolCall, ToolSpec
from curation.sources.base import SourceError
from curation.sources.bfcl_files import (
    ANSWER_STRING_CATEGORIES,
    AST_CATEGORIES,
    CATEGORIES,
    MULTI_TURN_CATEGORIES,
    NO_ANSWER_CATEGORIES,
    tool_spec,
)
from curation.sources.textparse import ParseError, json_value

PossibleAnswer = tuple[dict[str, dict[str, list[Any]]], ...]
# involved_classes -> (function docs, their ToolSpecs, the func-doc files); raises LookupError with a reason
ToolResolver = Callable[[Sequence[str]], tuple[list[dict[str, Any]], list[ToolSpec], list[str]]]
QUESTION_ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class BfclRecord:
    id: str
    category: str  # the v4 name (v3 simple -> simple_python, java -> simple_java, javascript -> simple_javascript)
    version: str  # "v3" | "v4"
    turns: tuple[tuple[Message, ...], ...]  # the question turns; empty turns (miss_func) kept as ()
    tools: tuple[ToolSpec, ...]  # normalized JSON Schema; multi-turn: from the func docs, minus excluded_function
    raw_functions: tuple[dict[str, Any], ...]  # the schemas as in the file (BFCL type names)
    possible_answer: PossibleAnswer | None = None  # AST categories: [{func: {param: [acceptable values]}}]
    turn_answers: tuple[tuple[str, ...], ...] | None = None  # multi-turn: Python call strings per turn
    answer_strings: tuple[str, ...] | None = None  # memory / web_search: acceptable final answers
    meta: dict[str, Any] = field(default_factory=dict)


def build_record(
    value: Any, *, version: str, category: str, answer: Any, resolve_tools: ToolResolver | None, meta: dict[str, Any]
) -> BfclRecord:
    """A BfclRecord from a parsed question line and its parsed answer line (None when there is none)."""
    if not isinstance(value, dict):
        raise SourceError("not a JSON object", f"got {type(value).__name__}")
    record_id = value.get("id")
    if not isinstance(record_id, str) or not record_id:
        raise SourceError("record without an id", "every BFCL question line has a string 'id'")
    if category not in CATEGORIES:
        raise SourceError("unknown BFCL category", f"{category!r}; known: {', '.join(sorted(CATEGORIES))}")
    turns = _turns(value.get("question"))
    meta = dict(meta)
    if category in MULTI_TURN_CATEGORIES or category in ANSWER_STRING_CATEGORIES:
        raw_functions, tools = _functions_from_docs(value, resolve_tools, meta)
    else:
        raw_functions = _function_list(value.get("function"))
        tools = [tool_spec(function) for function in raw_functions]
        if len(turns) != 1:
            raise SourceError("unexpected turn count", f"{category} records have one turn; this one has {len(turns)}")
    ground_truth = answer.get("ground_truth") if isinstance(answer, dict) else None
    if isinstance(answer, dict):
        meta.update({key: answer[key] for key in ("source", "num_hops") if key in answer})
    if answer is None and category not in NO_ANSWER_CATEGORIES:
        raise SourceError("missing possible answer", f"no line with id {record_id!r} in possible_answer/")
    possible_answer = turn_answers = answer_strings = None
    if category in AST_CATEGORIES:
        possible_answer = _possible_answer(ground_truth)
    elif category in MULTI_TURN_CATEGORIES:
        turn_answers = _turn_answers(ground_truth, len(turns))
    elif category in ANSWER_STRING_CATEGORIES:
        answer_strings = _answer_strings(ground_truth)
    elif answer is not None:  # irrelevance / relevance have no answer file upstream; keep one if it exists
        meta["unexpected_answer"] = ground_truth
    for key in ("involved_classes", "initial_config", "path", "missed_function", "excluded_function", "scenario"):
        if key in value:
            meta[key] = value[key]
    return BfclRecord(
        id=record_id,
        category=category,
        version=version,
        turns=turns,
        tools=tuple(tools),
        raw_functions=tuple(raw_functions),
        possible_answer=possible_answer,
        turn_answers=turn_answers,
        answer_strings=answer_strings,
        meta=meta,
    )


def _turns(question: Any) -> tuple[tuple[Message, ...], ...]:
    if not isinstance(question, list) or not question:
        raise SourceError("bad question", "'question' must be a non-empty list of turns (lists of messages)")
    turns = []
    for turn_index, turn in enumerate(question):
        if not isinstance(turn, list):
            raise SourceError("bad question", f"turn {turn_index} is a {type(turn).__name__}, not a list")
        messages = []
        for message_index, message in enumerate(turn):
            where = f"turn {turn_index} message {message_index}"
            if not isinstance(message, dict):
                raise SourceError("bad question", f"{where} is not an object")
            role, content = message.get("role"), message.get("content")
            if role not in QUESTION_ROLES:
                raise SourceError("bad question", f"{where} has role {role!r}")
            if not isinstance(content, str):
                raise SourceError("bad question", f"{where} has no text content")
            messages.append(Message(role=role, content=content))
        turns.append(tuple(messages))
    return tuple(turns)


def _function_list(functions: Any) -> list[dict[str, Any]]:
    if isinstance(functions, dict):  # BFCL v1/v2 simple records gave a single schema instead of a list
        functions = [functions]
    if not isinstance(functions, list):
        raise SourceError("no function list", "'function' must be a list of {name, description, parameters}")
    for index, function in enumerate(functions):
        if not isinstance(function, dict) or not isinstance(function.get("name"), str) or not function["name"]:
            raise SourceError("bad function schema", f"function {index} has no name")
        if "parameters" in function and not isinstance(function["parameters"], dict):
            raise SourceError("bad function schema", f"{function['name']}: 'parameters' is not an object")
    return functions


def _functions_from_docs(
    value: dict[str, Any], resolve: ToolResolver | None, meta: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[ToolSpec]]:
    classes = value.get("involved_classes")
    if not isinstance(classes, list) or not classes or not all(isinstance(c, str) for c in classes):
        raise SourceError("no involved classes", "multi-turn records name their tool classes in 'involved_classes'")
    if resolve is None:
        raise SourceError("tool docs missing", "multi-turn records need the multi_turn_func_doc/ folder beside them")
    try:
        functions, specs, files = resolve(classes)
    except LookupError as error:
        raise SourceError("tool docs missing", str(error)) from None
    excluded = value.get("excluded_function", [])
    missed = value.get("missed_function", {})
    if not isinstance(excluded, list) or not all(isinstance(name, str) for name in excluded):
        raise SourceError("bad excluded_function", "expected a list of function names")
    if not isinstance(missed, dict) or not all(
        isinstance(names, list) and all(isinstance(n, str) for n in names) for names in missed.values()
    ):
        raise SourceError("bad missed_function", "expected {turn index: [function names]}")
    names = {function["name"] for function in functions}
    for turn, held_back in missed.items():
        if not str(turn).isdigit():
            raise SourceError("bad missed_function", f"turn index {turn!r} is not a number")
        unknown = [name for name in held_back if name not in names]
        if unknown:
            raise SourceError("bad missed_function", f"turn {turn} holds back unknown functions {unknown}")
    meta["func_doc_files"] = files
    # Held-back (missed) functions stay in the list: the trajectory's later turns call them. meta says when.
    kept = [(function, spec) for function, spec in zip(functions, specs, strict=True) if spec.name not in excluded]
    return [function for function, _ in kept], [spec for _, spec in kept]


def _possible_answer(ground_truth: Any) -> PossibleAnswer:
    if not isinstance(ground_truth, list) or not ground_truth:
        raise SourceError("malformed possible answer", "'ground_truth' must be a non-empty list of calls")
    calls = []
    for index, call in enumerate(ground_truth):
        if not isinstance(call, dict) or len(call) != 1:
            raise SourceError("malformed possible answer", f"call {index} is not {{function: {{param: [values]}}}}")
        ((name, params),) = call.items()
        if not isinstance(params, dict):
            raise SourceError("malformed possible answer", f"call {index} ({name}): parameters are not an object")
        for param, acceptable in params.items():
            # An empty list occurs upstream (live_simple_106-63-0): no value is acceptable. The record stays
            # readable (its question matters for decontamination); ground_truth_calls gives no reference for it.
            if not isinstance(acceptable, list):
                raise SourceError("malformed possible answer", f"{name}.{param}: expected a list of acceptable values")
        calls.append({name: params})
    return tuple(calls)


def _turn_answers(ground_truth: Any, turn_count: int) -> tuple[tuple[str, ...], ...]:
    if not isinstance(ground_truth, list) or not all(
        isinstance(turn, list) and all(isinstance(call, str) for call in turn) for turn in ground_truth
    ):
        raise SourceError("malformed possible answer", "multi-turn 'ground_truth' must be a list of lists of strings")
    if len(ground_truth) != turn_count:
        raise SourceError("turn count mismatch", f"{turn_count} question turns, {len(ground_truth)} answer turns")
    return tuple(tuple(turn) for turn in ground_truth)


def _answer_strings(ground_truth: Any) -> tuple[str, ...]:
    if not isinstance(ground_truth, list) or not ground_truth or not all(isinstance(a, str) for a in ground_truth):
        raise SourceError("malformed possible answer", "expected a non-empty list of acceptable answer strings")
    return tuple(ground_truth)


# -- ground truth as calls ----------------------------------------------------------------------------------------


def ground_truth_calls(record: BfclRecord) -> tuple[ToolCall, ...] | None:
    """One reference answer for a single-turn AST record: the first acceptable value of every parameter.

    BFCL writes "" among the acceptable values of a parameter that may be omitted; when "" comes first the
    parameter is left out (unless the schema requires it: then the first other value is used). None when the
    record has no possible answer, or a parameter has no acceptable value at all (an empty list).
    """
    if record.possible_answer is None or any(
        acceptable == []
        for call in record.possible_answer
        for params in call.values()
        for acceptable in params.values()
    ):
        return None
    required = {
        function["name"]: set(parameters.get("required", []) or [])
        for function in record.raw_functions
        if isinstance(parameters := function.get("parameters", {}), dict)
    }
    calls = []
    for call in record.possible_answer:
        ((name, params),) = call.items()
        arguments = {}
        for param, acceptable in params.items():
            chosen = _first_acceptable(acceptable, param in required.get(name, set()))
            if chosen is not _OMIT:
                arguments[param] = chosen
        calls.append(ToolCall(name=name, arguments=arguments))
    return tuple(calls)


_OMIT = object()


def _first_acceptable(acceptable: list[Any], required: bool = False) -> Any:
    values = [value for value in acceptable if value != ""] if required else acceptable
    if not values or values[0] == "":
        return "" if required else _OMIT
    return _concrete(values[0])


def _concrete(value: Any) -> Any:
    """Nested dicts in possible answers are dicts of acceptable-value lists too; pick their first values."""
    if isinstance(value, dict):
        result = {}
        for key, sub in value.items():
            chosen = _first_acceptable(sub) if isinstance(sub, list) else sub
            if chosen is not _OMIT:
                result[key] = chosen
        return result
    if isinstance(value, list):
        return [_concrete(item) for item in value]
    return value


# -- multi-turn call strings -------------------------------------------------------------------------------------


def parse_call_string(text: str, param_order: Mapping[str, Sequence[str]] | None = None) -> ToolCall:
    """A call such as "cd(folder='document')" parsed with ``ast`` (never evaluated).

    Positional arguments (BFCL has a few, e.g. "message_login('USR001')") are named from ``param_order``, each
    tool's parameter names in schema order; without an entry for the function they are an error.
    Raises ValueError with a reason.
    """
    if not isinstance(text, str):
        raise ValueError(f"a call string is expected, not {type(text).__name__}")
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        raise ValueError(f"not a Python call: {getattr(error, 'msg', None) or error}") from None
    if not isinstance(node, ast.Call):
        raise ValueError(f"not a function call: {type(node).__name__}")
    name = _dotted_name(node.func)
    arguments: dict[str, Any] = {}
    if node.args:
        param_names = (param_order or {}).get(name)
        if param_names is None:
            raise ValueError(f"{name}: positional arguments need the tool's parameter names")
        if len(node.args) > len(param_names):
            raise ValueError(f"{name}: {len(node.args)} positional arguments for {len(param_names)} parameters")
        for param, arg in zip(param_names, node.args, strict=False):
            arguments[param] = _literal(arg, name, param)
    for keyword in node.keywords:
        if keyword.arg is None:
            raise ValueError(f"{name}: **kwargs are not supported")
        if keyword.arg in arguments:
            raise ValueError(f"{name}: argument {keyword.arg!r} given twice")
        arguments[keyword.arg] = _literal(keyword.value, name, keyword.arg)
    return ToolCall(name=name, arguments=arguments)


def _dotted_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted_name(node.value)}.{node.attr}"
    raise ValueError(f"the called object is not a name: {type(node).__name__}")


def _literal(node: ast.expr, function: str, param: str) -> Any:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise ValueError(f"{function}: argument {param!r} is not a literal") from None
    try:
        return json_value(value)
    except ParseError as error:  # a set, bytes, NaN, a non-string key: not JSON data
        raise ValueError(f"{function}: argument {param!r}: {error}") from None
