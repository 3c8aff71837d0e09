"""The BFCL-grade check: does a candidate's call list match the expected answer exactly, and if not, why first.

A clean, typed reimplementation of the rules of BFCL's AST checker (``bfcl_eval/eval_checker/ast_eval``):

* per call, in BFCL's order: the function name (with "." read as "_" as an option, for models whose API cannot
  spell dots), then every parameter the schema requires, then each given parameter in turn (known to the schema
  and to the expected answer, of the declared type, one of the acceptable values), then every parameter the
  answer needs that was left out;
* the "variable" rule: a value whose type differs from the declared one passes the type check when it has the
  type of the acceptable values (BFCL answers name variables as strings, e.g. an ``any`` or ``dict`` parameter
  with the answer "gameLayout"), and is then compared without string normalisation;
* Java and JavaScript arguments, written as source text, are read with the declared BFCL type first (java_js.py);
* the call list as a whole: no call where none is expected, no call missing where one is, no duplicated call the
  answer has no room for, the right number of calls, and a one-to-one assignment of candidate calls to expected
  calls in which every pair matches (bipartite matching, assignment.py; BFCL matches greedily in answer order,
  which fails where an assignment exists). When none exists, the error reported is that of the first expected
  call no assignment can match, against the closest candidate call left free.

Values and types follow values.py; its docstring lists where they differ from BFCL on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from curation.schema import ErrorType, ToolCall, ToolSpec
from curation.scoring.answers import ExpectedCall, PossibleAnswer
from curation.scoring.assignment import match_all
from curation.scoring.java_js import convert_argument
from curation.scoring.similarity import exactly_equal
from curation.scoring.tool_plans import ABSENT, plan_for
from curation.scoring.values import (
    OMITTED,
    first_answer_kind,
    matches_any,
    short,
)
from curation.tool_schema import kind_of, value_type_error

Language = Literal["python", "java", "javascript"]


class CheckOptions(BaseModel):
    """How strict the check is. The defaults are BFCL's rules for Python with standard function names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    normalize_strings: bool = Field(
        default=True,
        description="compare strings as BFCL's standardize_string does: case, spaces and ,./-_*^ ignored",
    )
    dots_to_underscores: bool = Field(
        default=False,
        description="read '.' in function names as '_' (models whose API cannot spell dots, e.g. math.factorial)",
    )
    language: Language = Field(
        default="python", description="java / javascript: arguments given as source text are read with BFCL types"
    )
    java_js_require_strings: bool = Field(
        default=False,
        description="java / javascript: reject arguments that are not source text (BFCL's rule; ours reads JSON too)",
    )


DEFAULT_OPTIONS = CheckOptions()


class CheckResult(NamedTuple):
    """The verdict on one candidate turn: exact, else the first ErrorType and a detail naming call and parameter."""

    exact: bool
    error_type: ErrorType | None = None
    detail: str = ""


EXACT = CheckResult(exact=True)

# How far from right a failing pair of calls is; the closest pair is the one reported.
_DISTANCE = {
    ErrorType.wrong_param_value: 1,
    ErrorType.wrong_param_type: 2,
    ErrorType.unexpected_param: 3,
    ErrorType.missing_required_param: 4,
    ErrorType.wrong_function_name: 5,
}


_SCALARS = frozenset({str, int, float, bool})
# (Python type of a value, declared JSON Schema type) pairs that fit without looking further.
_SCALAR_FITS = frozenset(
    {
        (str, "string"),
        (int, "integer"),
        (int, "number"),
        (float, "number"),
        (bool, "boolean"),
        (type(None), "null"),
    }
)


class _Failure:
    """Why one candidate call does not match one expected call. The detail is written only when it is reported:
    most failing pairs of a parallel turn are never shown."""

    __slots__ = ("_render", "error_type")

    def __init__(self, error_type: ErrorType, render: Callable[[], str]) -> None:
        self.error_type = error_type
        self._render = render

    @property
    def detail(self) -> str:
        return self._render()


def check_calls(
    calls: Sequence[ToolCall],
    expected: PossibleAnswer,
    tools: Sequence[ToolSpec] | Mapping[str, ToolSpec] = (),
    options: CheckOptions = DEFAULT_OPTIONS,
) -> CheckResult:
    """Whether ``calls`` match ``expected`` exactly; otherwise the first ErrorType and a detail naming the place.

    ``expected`` is a possible answer (answers.py; an empty one means "no call is right"); ``tools`` are the
    normalized schemas of the functions the model could call, as a list or as a dict by name (faster when one
    task's tools serve many candidates).
    """
    if not expected:
        if not calls:
            return EXACT
        return CheckResult(False, ErrorType.unexpected_call, f"no call expected; got {_names(calls)}")
    if not calls:
        return CheckResult(False, ErrorType.missing_call, f"expected {_names_of_expected(expected)}; got no call")
    index = tools if isinstance(tools, dict) else dict(tools) if isinstance(tools, Mapping) else _by_name(tools)
    checker = _CallChecker(calls, expected, index, options)
    size = len(expected)
    if len(calls) == size == 1:  # the common case, without the matching machinery
        failure = checker.check_pair(calls[0], expected[0])
        return EXACT if failure is None else CheckResult(False, failure.error_type, failure.detail)
    unmatched: int | None = None
    if len(calls) == size:
        owners, unmatched = match_all(size, checker.fits)
        if unmatched is None:
            return EXACT
    duplicate = checker.duplicate()
    if duplicate:
        return CheckResult(False, ErrorType.duplicate_call, duplicate)
    if unmatched is None:
        return CheckResult(
            False,
            ErrorType.wrong_call_count,
            f"expected {size} calls ({_names_of_expected(expected)}); got {len(calls)} ({_names(calls)})",
        )
    return checker.report_unmatched(unmatched, owners)


def _by_name(tools: Sequence[ToolSpec]) -> dict[str, ToolSpec]:
    return {tool.name: tool for tool in tools}


class _CallChecker:
    """Candidate calls against expected calls, pair by pair, with BFCL's rules in BFCL's order. Each pair is
    checked at most once (the greedy try, the matching and the report share the results)."""

    __slots__ = ("_memo", "calls", "expected", "options", "rename", "source_text", "tools")

    def __init__(
        self,
        calls: Sequence[ToolCall],
        expected: PossibleAnswer,
        tools: Mapping[str, ToolSpec],
        options: CheckOptions,
    ) -> None:
        self.calls = calls
        self.expected = expected
        self.tools = tools
        self.options = options
        self.rename = options.dots_to_underscores
        self.source_text = options.language != "python"
        self._memo: dict[tuple[int, int], _Failure | None] = {}

    # -- the call list ---------------------------------------------------------------------------------------

    def fits(self, answer_index: int, call_index: int) -> bool:
        return self.check(call_index, answer_index) is None

    def duplicate(self) -> str | None:
        """A call given more often than the expected answer has matching calls for it, described; else None."""
        calls = self.calls
        count = len(calls)
        for first in range(count - 1):
            call = calls[first]
            name, arguments = call.name, call.arguments
            copies = 1
            for other in range(first + 1, count):
                twin = calls[other]
                # == first (C speed, but True == 1 there): only equal argument dicts can be exactly equal
                if twin.name == name and twin.arguments == arguments and exactly_equal(twin.arguments, arguments):
                    copies += 1
            if copies == 1:
                continue
            # Room for copies: how often the expected answer holds the call this one fits (a model may repeat a call
            # the answer repeats, e.g. two identical random draws); never more than the calls of that function.
            room = len(self.expected) if self.rename else sum(1 for answer in self.expected if name in answer)
            if copies <= room:
                room = 0
                for answer_index, answer in enumerate(self.expected):
                    if self.check(first, answer_index) is None:
                        room = sum(1 for other in self.expected if other == answer)
                        break
            if copies > room:
                return f"{name} {short(arguments)} is called {copies} times; the expected answer fits {room}"
        return None

    def report_unmatched(self, answer_index: int, owners: list[int | None]) -> CheckResult:
        """The error of the first expected call no assignment can match, against the closest candidate call the
        earlier expected calls left free (a wrong value before a wrong type, ..., a wrong name last), passing over
        candidates that a later expected call takes as they are: those are not the ones that went wrong."""
        ranked = sorted(
            (_DISTANCE[failure.error_type], call_index, failure)
            for call_index, owner in enumerate(owners)
            if owner is None and (failure := self.check(call_index, answer_index)) is not None
        )
        later = range(answer_index + 1, len(self.expected))
        _, call_index, failure = next(
            (entry for entry in ranked if not any(self.check(entry[1], other) is None for other in later)), ranked[0]
        )
        (name,) = self.expected[answer_index]
        where = f"expected call {answer_index + 1} of {len(self.expected)} ({name}) against call {call_index + 1}"
        return CheckResult(False, failure.error_type, f"{where}: {failure.detail}")

    # -- one pair ----------------------------------------------------------------------------------------------

    def check(self, call_index: int, answer_index: int) -> _Failure | None:
        key = (call_index, answer_index)
        if key in self._memo:
            return self._memo[key]
        failure = self.check_pair(self.calls[call_index], self.expected[answer_index])
        self._memo[key] = failure
        return failure

    def _renamed_tool(self, name: str) -> ToolSpec | None:
        """The tool whose name differs from the answer's only by "." for "_", when that is allowed."""
        if not self.rename:
            return None
        wanted = name.replace(".", "_")
        return next((t for t in self.tools.values() if t.name.replace(".", "_") == wanted), None)

    def check_pair(self, call: ToolCall, answer: ExpectedCall) -> _Failure | None:
        ((name, parameters),) = answer.items()
        if call.name != name and (not self.rename or call.name.replace(".", "_") != name.replace(".", "_")):
            return _Failure(ErrorType.wrong_function_name, lambda: f"expected function {name!r}, got {call.name!r}")
        tool = self.tools.get(name) or self._renamed_tool(name)
        arguments = call.arguments
        plan = plan_for(tool) if tool is not None else None
        # No schema for the expected function: nothing is required by it and types are not checked.
        if plan is not None:
            for parameter in plan.required:
                if parameter not in arguments:
                    return _Failure(
                        ErrorType.missing_required_param,
                        partial(_missing_required, name, parameter),
                    )
        plain = not self.source_text
        for parameter, value in arguments.items():
            answers = parameters.get(parameter, ABSENT)
            if plan is None:
                schema_of_parameter = None
            else:
                fast_types = plan.fast_types.get(parameter)
                if fast_types is None:
                    # A schema that says so (additionalProperties: true or a schema) takes parameters it does not
                    # list, as the validate step lets them through; the answer still decides.
                    schema_of_parameter = plan.extra
                else:
                    schema_of_parameter = plan.properties[parameter]
                    # The common case inline: a scalar of its declared type that equals an acceptable value.
                    if plain and type(value) in fast_types and type(answers) is list:
                        value_type = type(value)
                        for answer_value in answers:
                            if type(answer_value) is value_type and answer_value == value:
                                break
                        else:
                            answer_value = ABSENT
                        if answer_value is not ABSENT:
                            continue
                    # The same for a list of scalars of the declared item type (a list of strings, say).
                    elif plain and type(value) is list and type(answers) is list:
                        item_types = plan.item_types.get(parameter)
                        if item_types is not None and _equal_scalar_list(value, answers, item_types):
                            continue
            if answers is ABSENT or schema_of_parameter is ABSENT:
                known = schema_of_parameter is not ABSENT  # to the schema: then the answer is what lacks it
                return _Failure(ErrorType.unexpected_param, partial(_unexpected, name, parameter, known))
            failure = self._check_value(name, parameter, value, answers, schema_of_parameter)
            if failure is not None:
                return failure
        if len(parameters) > len(arguments):
            for parameter, acceptable in parameters.items():
                if parameter not in arguments and (type(acceptable) is not list or OMITTED not in acceptable):
                    # BFCL's "missing optional": optional in the schema, needed by the answer. ErrorType has no
                    # member of its own for it; the detail says which case it is.
                    return _Failure(
                        ErrorType.missing_required_param,
                        partial(_missing_optional, name, parameter),
                    )
        return None

    def _check_value(self, name: str, parameter: str, value: Any, answers: Any, schema: Any) -> _Failure | None:
        """One given value against its schema (a dict, or anything else for "no type known") and answers."""
        acceptable = answers if type(answers) is list else [answers]
        as_variable = False
        if type(schema) is dict:
            if self.source_text:
                if type(value) is str:
                    value = self._source_value(value, schema)
                elif self.options.java_js_require_strings:
                    return _Failure(
                        ErrorType.wrong_param_type,
                        partial(_not_source_text, name, parameter, self.options.language, value),
                    )
            declared = schema.get("type")
            value_type = type(value)
            if declared is None or (type(declared) is str and (value_type, declared) in _SCALAR_FITS):
                # The common case, a scalar of the declared type: an exact hit needs no further work.
                if value_type in _SCALARS:
                    for answer in acceptable:
                        if type(answer) is value_type and answer == value:
                            return None
            else:
                where = f"{name}: parameter {parameter!r}"
                error = value_type_error(value, schema, where)
                if error is not None:
                    # BFCL's variable rule: a value whose own type is not the declared one but that of the answer
                    # (a variable name) passes, and is compared as is. Further down (a list item, a dict value)
                    # the answer's own values decide the same way: an exact copy of an acceptable value passes
                    # (BFCL's answers sometimes disagree with their schemas there), anything else is a wrong type.
                    if value_type_error(value, {"type": declared}, where) is None:
                        if matches_any(value, acceptable, False):
                            return None
                        return _Failure(ErrorType.wrong_param_type, lambda: error)
                    if first_answer_kind(acceptable) != kind_of(value):
                        return _Failure(ErrorType.wrong_param_type, lambda: error)
                    as_variable = True
        if not matches_any(value, acceptable, self.options.normalize_strings and not as_variable):
            return _Failure(ErrorType.wrong_param_value, partial(_wrong_value, name, parameter, value, acceptable))
        return None

    def _source_value(self, text: str, schema: Mapping[str, Any]) -> Any:
        type_name = _original_type(schema)
        if type_name is None:
            return text
        items = schema.get("items")
        item_type = _original_type(items) if isinstance(items, Mapping) else None
        return convert_argument(text, self.options.language, type_name, item_type)


def _equal_scalar_list(value: list[Any], answers: list[Any], item_types: frozenset[type]) -> bool:
    """Whether ``value`` (a list) holds items of ``item_types`` only and is, item by item with types, one of the
    acceptable lists: then it has its declared type and matches, and the full check would pass it too."""
    for item in value:
        if type(item) not in item_types:
            return False
    size = len(value)
    for answer in answers:
        if type(answer) is list and len(answer) == size:
            for item, expected in zip(value, answer, strict=True):
                if type(expected) is not type(item) or expected != item:
                    break
            else:
                return True
    return False


def _original_type(schema: Mapping[str, Any]) -> str | None:
    """The type name the source wrote (BFCL's "String", "long", "HashMap"), kept by tool_schema.normalize."""
    original = schema.get("x-original-type", schema.get("type"))
    if original == "object":  # JSON Schema's spelling of BFCL's dict
        return "dict"
    return original if isinstance(original, str) else None


def _names(calls: Sequence[ToolCall]) -> str:
    return ", ".join(call.name for call in calls)


def _names_of_expected(expected: PossibleAnswer) -> str:
    return ", ".join(name for answer in expected for name in answer)


def _unexpected(name: str, parameter: str, known_to_schema: bool) -> str:
    where = "the expected answer" if known_to_schema else "the schema"
    return f"{name}: parameter {parameter!r} is not in {where}"


def _missing_required(name: str, parameter: str) -> str:
    return f"{name}: required parameter {parameter!r} is missing"


def _missing_optional(name: str, parameter: str) -> str:
    return f"{name}: parameter {parameter!r} is missing (optional in the schema, needed by the expected answer)"


def _not_source_text(name: str, parameter: str, language: str, value: Any) -> str:
    return f"{name}: parameter {parameter!r}: {language} arguments are source text, got {kind_of(value)} {short(value)}"


def _wrong_value(name: str, parameter: str, value: Any, acceptable: list[Any]) -> str:
    return f"{name}: parameter {parameter!r}: got {short(value)}, expected one of {short(acceptable, 160)}"
