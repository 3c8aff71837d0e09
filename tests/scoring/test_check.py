"""Golden tests for the BFCL-grade checker: every ErrorType and every rule of BFCL's AST checker, one row each.

The tools are written in BFCL's own dialect ("dict", "float", "tuple", "any", Java and JavaScript type names) and
normalized the way every source is (curation.tool_schema), so the checker sees what it sees in the pipeline.
Expected values are written by hand from BFCL's rules, never computed by the code under test.
"""

from __future__ import annotations

from typing import Any

import pytest

from curation.schema import ErrorType, ToolCall, ToolSpec
from curation.scoring.answers import expected_from_calls, validate_possible_answer
from curation.scoring.check import CheckOptions, CheckResult, check_calls
from curation.tool_schema import normalize_parameters


def tool(name: str, properties: dict[str, Any], required: list[str]) -> ToolSpec:
    raw = {"type": "dict", "properties": properties, "required": required}
    return ToolSpec(name=name, parameters=normalize_parameters(raw))


TOOLS = [
    tool(
        "get_weather",
        {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"},
            "days": {"type": "integer"},
        },
        ["city"],
    ),
    tool("calculate_bmi", {"height": {"type": "float"}, "weight": {"type": "integer"}}, ["height", "weight"]),
    tool("set_flag", {"enabled": {"type": "boolean"}}, ["enabled"]),
    tool(
        "book",
        {
            "details": {
                "type": "dict",
                "properties": {
                    "name": {"type": "string"},
                    "guests": {"type": "integer"},
                    "extras": {"type": "dict", "properties": {"breakfast": {"type": "boolean"}}},
                },
            },
            "tags": {"type": "array", "items": {"type": "string"}},
            "rooms": {"type": "array", "items": {"type": "dict"}},
        },
        ["details"],
    ),
    tool("math.factorial", {"number": {"type": "integer"}}, ["number"]),
    tool("plot", {"points": {"type": "array", "items": {"type": "float"}}, "size": {"type": "tuple"}}, ["points"]),
    tool("render", {"layout": {"type": "any"}, "config": {"type": "dict"}}, ["layout"]),
    tool("maybe", {"note": {"type": ["string", "null"]}}, []),
]

W = {"get_weather": {"city": ["Paris"], "unit": ["celsius", ""], "days": [""]}}  # BFCL-style possible answer


def call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


# (case, calls, possible answer, options, exact, error type)
CASES: list[tuple[str, list[ToolCall], list[dict[str, Any]], CheckOptions, bool, ErrorType | None]] = [
    ("exact single call", [call("get_weather", city="Paris")], [W], CheckOptions(), True, None),
    (
        "optional given with an acceptable value",
        [call("get_weather", city="Paris", unit="celsius")],
        [W],
        CheckOptions(),
        True,
        None,
    ),
    (
        "wrong function name",
        [call("get_forecast", city="Paris")],
        [W],
        CheckOptions(),
        False,
        ErrorType.wrong_function_name,
    ),
    (
        "missing required parameter",
        [call("get_weather", unit="celsius")],
        [W],
        CheckOptions(),
        False,
        ErrorType.missing_required_param,
    ),
    (
        "parameter unknown to the schema",
        [call("get_weather", city="Paris", country="FR")],
        [W],
        CheckOptions(),
        False,
        ErrorType.unexpected_param,
    ),
    (
        "schema parameter the answer does not list",
        [call("get_weather", city="Paris")],
        [{"get_weather": {"city": ["Paris"]}}],
        CheckOptions(),
        True,
        None,
    ),
    (
        "schema parameter the answer does not list, given",
        [call("get_weather", city="Paris", days=3)],
        [{"get_weather": {"city": ["Paris"]}}],
        CheckOptions(),
        False,
        ErrorType.unexpected_param,
    ),
    (
        "string for an integer",
        [call("get_weather", city="Paris", days="3")],
        [{"get_weather": {"city": ["Paris"], "days": [3]}}],
        CheckOptions(),
        False,
        ErrorType.wrong_param_type,
    ),
    (
        "bool for an integer",
        [call("calculate_bmi", height=6.0, weight=True)],
        [{"calculate_bmi": {"height": [6.0], "weight": [1]}}],
        CheckOptions(),
        False,
        ErrorType.wrong_param_type,
    ),
    (
        "int for a bool",
        [call("set_flag", enabled=1)],
        [{"set_flag": {"enabled": [True]}}],
        CheckOptions(),
        False,
        ErrorType.wrong_param_type,
    ),
    (
        "int for a float is accepted",
        [call("calculate_bmi", height=6, weight=80)],
        [{"calculate_bmi": {"height": [6.0], "weight": [80]}}],
        CheckOptions(),
        True,
        None,
    ),
    (
        "float for an integer",
        [call("calculate_bmi", height=6.0, weight=80.0)],
        [{"calculate_bmi": {"height": [6.0], "weight": [80]}}],
        CheckOptions(),
        False,
        ErrorType.wrong_param_type,
    ),
    (
        "value not acceptable",
        [call("calculate_bmi", height=6.0, weight=81)],
        [{"calculate_bmi": {"height": [6.0], "weight": [80]}}],
        CheckOptions(),
        False,
        ErrorType.wrong_param_value,
    ),
    (
        "second acceptable value",
        [call("get_weather", city="Paris", unit="celsius")],
        [{"get_weather": {"city": ["Paris"], "unit": ["fahrenheit", "celsius"]}}],
        CheckOptions(),
        True,
        None,
    ),
    (
        "optional left out, answer needs it (BFCL's missing optional)",
        [call("get_weather", city="Paris")],
        [{"get_weather": {"city": ["Paris"], "unit": ["fahrenheit"]}}],
        CheckOptions(),
        False,
        ErrorType.missing_required_param,
    ),
    (
        "strings normalised: case, spaces, punctuation",
        [call("get_weather", city="new-york, ny.")],
        [{"get_weather": {"city": ["New York NY"]}}],
        CheckOptions(),
        True,
        None,
    ),
    (
        "strings exact when normalisation is off",
        [call("get_weather", city="new york ny")],
        [{"get_weather": {"city": ["New York NY"]}}],
        CheckOptions(normalize_strings=False),
        False,
        ErrorType.wrong_param_value,
    ),
    (
        "single quotes read as double quotes",
        [call("get_weather", city="Joe's")],
        [{"get_weather": {"city": ['Joe"s']}}],
        CheckOptions(),
        True,
        None,
    ),
    (
        "nested dict answer",
        [call("book", details={"name": "ann", "guests": 2})],
        [{"book": {"details": [{"name": ["Ann"], "guests": [2, 3]}], "tags": [""]}}],
        CheckOptions(),
        True,
        None,
    ),
    (
        "nested dict: wrong inner value",
        [call("book", details={"name": "Ann", "guests": 4})],
        [{"book": {"details": [{"name": ["Ann"], "guests": [2, 3]}]}}],
        CheckOptions(),
        False,
        ErrorType.wrong_param_value,
    ),
    (
        "nested dict: unknown inner key",
        [call("book", details={"name": "Ann", "guests": 2, "pet": "cat"})],
        [{"book": {"details": [{"name": ["Ann"], "guests": [2]}]}}],
        CheckOptions(),
        False,
        ErrorType.wrong_param_value,
    ),
    (
        "nested dict: inner key may be left out",
        [call("book", details={"name": "Ann"})],
        [{"book": {"details": [{"name": ["Ann"], "guests": [2, ""]}]}}],
        CheckOptions(),
        True,
        None,
    ),
    (
        "nested dict: needed inner key left out",
        [call("book", details={"name": "Ann"})],
        [{"book": {"details": [{"name": ["Ann"], "guests": [2]}]}}],
        CheckOptions(),
        False,
        ErrorType.wrong_param_value,
    ),
    (
        "nested dict two levels down",
        [call("book", details={"name": "Ann", "extras": {"breakfast": True}})],
        [{"book": {"details": [{"name": ["Ann"], "extras": [{"breakfast": [True]}]}]}}],
        CheckOptions(),
        True,
        None,
    ),
    (
        "nested type checked recursively: int for a nested bool",
        [call("book", details={"name": "Ann", "extras": {"breakfast": 1}})],
        [{"book": {"details": [{"name": ["Ann"], "extras": [{"breakfast": [True]}]}]}}],
        CheckOptions(),
        False,
        ErrorType.wrong_param_type,
    ),
    (
        "a bare value in a pattern stands for itself (BFCL's simple_java_64 shape)",
        [call("render", layout="x", config={"format": "epoch_millis"})],
        [{"render": {"layout": ["x"], "config": [{"format": "epoch_millis"}]}}],
        CheckOptions(),
        True,
        None,
    ),
    (
        "list of dicts, element by element",
        [call("book", details={"name": "A"}, rooms=[{"beds": 2}, {"beds": 1}])],
        [{"book": {"details": [{"name": ["A"]}], "rooms": [[{"beds": [2]}, {"beds": [1]}]]}}],
        CheckOptions(),
        True,
        None,
    ),
    (
        "list order matters",
        [call("book", details={"name": "A"}, tags=["b", "a"])],
        [{"book": {"details": [{"name": ["A"]}], "tags": [["a", "b"]]}}],
        CheckOptions(),
        False,
        ErrorType.wrong_param_value,
    ),
    (
        "list elements normalised",
        [call("book", details={"name": "A"}, tags=["Sea View", "QUIET"])],
        [{"book": {"details": [{"name": ["A"]}], "tags": [["sea view", "quiet"]]}}],
        CheckOptions(),
        True,
        None,
    ),
    (
        "int for float inside a list is accepted",
        [call("plot", points=[1, 2.5])],
        [{"plot": {"points": [[1.0, 2.5]]}}],
        CheckOptions(),
        True,
        None,
    ),
    (
        "bool inside a list of numbers",
        [call("plot", points=[True, 2.5])],
        [{"plot": {"points": [[1.0, 2.5]]}}],
        CheckOptions(),
        False,
        ErrorType.wrong_param_type,
    ),
    (
        "bool never equals an int, even untyped",
        [call("render", layout=True)],
        [{"render": {"layout": [1]}}],
        CheckOptions(),
        False,
        ErrorType.wrong_param_value,
    ),
    (
        "tuple parameter takes a list",
        [call("plot", points=[1.0], size=[3, 4])],
        [{"plot": {"points": [[1.0]], "size": [[3, 4]]}}],
        CheckOptions(),
        True,
        None,
    ),
    (
        "variable name for a dict parameter (BFCL's variable rule)",
        [call("render", layout="x", config="myConfig")],
        [{"render": {"layout": ["x"], "config": ["myConfig"]}}],
        CheckOptions(),
        True,
        None,
    ),
    (
        "variables are compared without normalisation",
        [call("render", layout="x", config="MYCONFIG")],
        [{"render": {"layout": ["x"], "config": ["myConfig"]}}],
        CheckOptions(),
        False,
        ErrorType.wrong_param_value,
    ),
    (
        "null where the schema allows it",
        [call("maybe", note=None)],
        [{"maybe": {"note": [None, ""]}}],
        CheckOptions(),
        True,
        None,
    ),
    (
        "number where only string or null",
        [call("maybe", note=5)],
        [{"maybe": {"note": [None, ""]}}],
        CheckOptions(),
        False,
        ErrorType.wrong_param_type,
    ),
    (
        "no schema for the function: values only",
        [call("unknown_fn", a="1")],
        [{"unknown_fn": {"a": ["1"]}}],
        CheckOptions(),
        True,
        None,
    ),
    (
        "dotted name as is",
        [call("math.factorial", number=5)],
        [{"math.factorial": {"number": [5]}}],
        CheckOptions(),
        True,
        None,
    ),
    (
        "dots as underscores when asked",
        [call("math_factorial", number=5)],
        [{"math.factorial": {"number": [5]}}],
        CheckOptions(dots_to_underscores=True),
        True,
        None,
    ),
    (
        "dots as underscores is an option",
        [call("math_factorial", number=5)],
        [{"math.factorial": {"number": [5]}}],
        CheckOptions(),
        False,
        ErrorType.wrong_function_name,
    ),
    # -- the call list --
    (
        "parallel calls in any order",
        [call("calculate_bmi", height=5.6, weight=60), call("calculate_bmi", height=6.0, weight=80)],
        [{"calculate_bmi": {"height": [6.0], "weight": [80]}}, {"calculate_bmi": {"height": [5.6], "weight": [60]}}],
        CheckOptions(),
        True,
        None,
    ),
    (
        "greedy matching fails, an assignment exists",
        # Expected call 1 accepts both candidates; expected call 2 only the first. Greedy gives candidate 1 to
        # expected call 1 and leaves expected call 2 without one.
        [call("get_weather", city="Paris"), call("get_weather", city="Rome")],
        [{"get_weather": {"city": ["Paris", "Rome"]}}, {"get_weather": {"city": ["Paris"]}}],
        CheckOptions(),
        True,
        None,
    ),
    (
        "parallel calls, one wrong",
        [call("calculate_bmi", height=6.0, weight=80), call("calculate_bmi", height=5.6, weight=61)],
        [{"calculate_bmi": {"height": [6.0], "weight": [80]}}, {"calculate_bmi": {"height": [5.6], "weight": [60]}}],
        CheckOptions(),
        False,
        ErrorType.wrong_param_value,
    ),
    (
        "multiple functions in any order",
        [call("set_flag", enabled=True), call("get_weather", city="Paris")],
        [W, {"set_flag": {"enabled": [True]}}],
        CheckOptions(),
        True,
        None,
    ),
    (
        "duplicate call",
        [call("get_weather", city="Paris"), call("get_weather", city="Paris")],
        [W, {"get_weather": {"city": ["Rome"]}}],
        CheckOptions(),
        False,
        ErrorType.duplicate_call,
    ),
    (
        "duplicate call beyond the count",
        [call("get_weather", city="Paris"), call("get_weather", city="Paris")],
        [W],
        CheckOptions(),
        False,
        ErrorType.duplicate_call,
    ),
    (
        "repeated call the answer expects twice",
        [call("get_weather", city="Paris"), call("get_weather", city="Paris")],
        [W, W],
        CheckOptions(),
        True,
        None,
    ),
    (
        "too many calls",
        [call("get_weather", city="Paris"), call("set_flag", enabled=True)],
        [W],
        CheckOptions(),
        False,
        ErrorType.wrong_call_count,
    ),
    (
        "too few calls",
        [call("get_weather", city="Paris")],
        [W, {"set_flag": {"enabled": [True]}}],
        CheckOptions(),
        False,
        ErrorType.wrong_call_count,
    ),
    (
        "a call where none is expected",
        [call("get_weather", city="Paris")],
        [],
        CheckOptions(),
        False,
        ErrorType.unexpected_call,
    ),
    ("no call where one is expected", [], [W], CheckOptions(), False, ErrorType.missing_call),
    ("no call, none expected", [], [], CheckOptions(), True, None),
]


@pytest.mark.parametrize(
    ("calls", "answer", "options", "exact", "error_type"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bfcl_rules(calls, answer, options, exact, error_type) -> None:
    result = check_calls(calls, answer, TOOLS, options)
    assert (result.exact, result.error_type) == (exact, error_type), result.detail
    assert bool(result.detail) == (not exact)


def test_every_error_type_has_a_golden_case() -> None:
    covered = {case[5] for case in CASES}
    missing = set(ErrorType) - covered - {ErrorType.parse_error}  # parse errors come from parse.py: test_parse
    assert not missing


def test_detail_names_the_call_and_parameter() -> None:
    result = check_calls(
        [call("calculate_bmi", height=6.0, weight=80), call("calculate_bmi", height=5.6, weight=61)],
        [{"calculate_bmi": {"height": [6.0], "weight": [80]}}, {"calculate_bmi": {"height": [5.6], "weight": [60]}}],
        TOOLS,
    )
    assert result.detail == (
        "expected call 2 of 2 (calculate_bmi) against call 2: calculate_bmi: parameter 'weight': got 61, "
        "expected one of [60]"
    )
    single = check_calls(
        [call("get_weather", city="Paris", days="3")], [{"get_weather": {"city": ["Paris"], "days": [3]}}], TOOLS
    )
    assert "get_weather: parameter 'days'" in single.detail and "integer" in single.detail


def test_reported_pair_is_the_one_left_after_the_best_assignment() -> None:
    # Candidate 1 matches expected call 2 exactly; the error must pair expected call 1 with candidate 2.
    result = check_calls(
        [call("get_weather", city="Rome"), call("get_weather", city="Oslo")],
        [{"get_weather": {"city": ["Paris"]}}, {"get_weather": {"city": ["Rome"]}}],
        TOOLS,
    )
    assert result.error_type is ErrorType.wrong_param_value
    assert result.detail.startswith("expected call 1 of 2 (get_weather) against call 2:")
    assert "'Oslo'" in result.detail


def test_reported_error_prefers_the_closest_candidate() -> None:
    # Expected set_flag; the candidates are a wrong name and a wrong value: the wrong value is closer.
    result = check_calls(
        [call("get_weather", city="Paris"), call("set_flag", enabled=False), call("get_weather", city="Rome")],
        [{"set_flag": {"enabled": [True]}}, W, {"get_weather": {"city": ["Rome"]}}],
        TOOLS,
    )
    assert result.error_type is ErrorType.wrong_param_value
    assert "(set_flag) against call 2" in result.detail


# -- Java and JavaScript: arguments as source text, read with the declared BFCL type -------------------------

JAVA = [
    tool(
        "Foo.run",
        {
            "count": {"type": "long"},
            "ratio": {"type": "float"},
            "weight": {"type": "double"},
            "names": {"type": "Array", "items": {"type": "String"}},
            "ids": {"type": "ArrayList", "items": {"type": "integer"}},
            "meta": {"type": "HashMap"},
            "ready": {"type": "boolean"},
            "target": {"type": "any"},
        },
        ["count"],
    )
]
JAVA_ANSWER = {
    "Foo.run": {
        "count": [123],
        "ratio": [2.5, ""],
        "weight": [0.5, ""],
        "names": [["a", "b,c"], ""],
        "ids": [[1, 2], ""],
        "meta": [{"k": ["v"]}, ""],
        "ready": [True, ""],
        "target": ["myObject", ""],
    }
}
JAVA_CASES = [
    ("long with its L", {"count": "123L"}, True, None),
    ("long without its L is text", {"count": "123"}, False, ErrorType.wrong_param_type),
    ("float with f", {"count": "123L", "ratio": "2.5f"}, True, None),
    ("float without f", {"count": "123L", "ratio": "2.5"}, False, ErrorType.wrong_param_type),
    ("double", {"count": "123L", "weight": "0.5"}, True, None),
    ("String array, comma inside an element", {"count": "123L", "names": 'new String[]{"a", "b,c"}'}, True, None),
    ("ArrayList of ints", {"count": "123L", "ids": "new ArrayList<>(Arrays.asList(1, 2))"}, True, None),
    (
        "ArrayList in the wrong order",
        {"count": "123L", "ids": "new ArrayList<>(Arrays.asList(2, 1))"},
        False,
        ErrorType.wrong_param_value,
    ),
    ("HashMap", {"count": "123L", "meta": 'new HashMap<String, String>() {{ put("k", "v"); }}'}, True, None),
    ("boolean", {"count": "123L", "ready": "true"}, True, None),
    ("boolean spelled wrong is text", {"count": "123L", "ready": "yes"}, False, ErrorType.wrong_param_type),
    ("any is text", {"count": "123L", "target": "myObject"}, True, None),
    ("native JSON values are read too", {"count": 123, "ready": True}, True, None),
]


@pytest.mark.parametrize(
    ("arguments", "exact", "error_type"), [c[1:] for c in JAVA_CASES], ids=[c[0] for c in JAVA_CASES]
)
def test_java_arguments(arguments, exact, error_type) -> None:
    result = check_calls(
        [ToolCall(name="Foo.run", arguments=arguments)], [JAVA_ANSWER], JAVA, CheckOptions(language="java")
    )
    assert (result.exact, result.error_type) == (exact, error_type), result.detail


def test_java_strict_strings_rejects_native_values() -> None:
    options = CheckOptions(language="java", java_js_require_strings=True)
    result = check_calls([ToolCall(name="Foo.run", arguments={"count": 123})], [JAVA_ANSWER], JAVA, options)
    assert result.error_type is ErrorType.wrong_param_type
    assert "source text" in result.detail


JS = [
    tool(
        "js",
        {
            "big": {"type": "Bigint"},
            "flag": {"type": "Boolean"},
            "obj": {"type": "dict", "properties": {"a": {"type": "String"}}},
            "arr": {"type": "array", "items": {"type": "String"}},
            "n": {"type": "float"},
            "s": {"type": "String"},
        },
        [],
    )
]
JS_ANSWER = {
    "js": {
        "big": [5, ""],
        "flag": [False, ""],
        "obj": [{"a": ["x"], "b": [[1, 2], ""]}, ""],
        "arr": [["p", "q"], ""],
        "n": [1.5, ""],
        "s": ["hello", ""],
    }
}
JS_CASES = [
    ("Bigint with n", {"big": "5n"}, True, None),
    ("Bigint without n is text", {"big": "5"}, False, ErrorType.wrong_param_type),
    ("Boolean", {"flag": "false"}, True, None),
    ("object literal, bare and quoted keys", {"obj": "{a: 'x', \"b\": [1, 2]}"}, True, None),
    ("array literal", {"arr": "['p', \"q\"]"}, True, None),
    ("float", {"n": "1.5"}, True, None),
    ("quoted String", {"s": "'hello'"}, True, None),
    ("wrong String", {"s": "'bye'"}, False, ErrorType.wrong_param_value),
]


@pytest.mark.parametrize(("arguments", "exact", "error_type"), [c[1:] for c in JS_CASES], ids=[c[0] for c in JS_CASES])
def test_javascript_arguments(arguments, exact, error_type) -> None:
    result = check_calls(
        [ToolCall(name="js", arguments=arguments)], [JS_ANSWER], JS, CheckOptions(language="javascript")
    )
    assert (result.exact, result.error_type) == (exact, error_type), result.detail


# -- possible answers from exact ground truth ------------------------------------------------------------------


def test_expected_from_calls_accepts_exactly_the_ground_truth() -> None:
    truth = [call("book", details={"name": "Ann", "extras": {"breakfast": True}}, tags=["a", "b"])]
    expected = expected_from_calls(truth, TOOLS)
    assert expected == [
        {"book": {"details": [{"name": ["Ann"], "extras": [{"breakfast": [True]}]}], "tags": [["a", "b"]]}}
    ]
    assert check_calls(truth, expected, TOOLS).exact
    dropped_key = [call("book", details={"name": "Ann"}, tags=["a", "b"])]
    assert check_calls(dropped_key, expected, TOOLS).error_type is ErrorType.wrong_param_value
    added_optional = [call("book", details={"name": "Ann", "extras": {"breakfast": True}}, tags=["a", "b"], rooms=[])]
    assert check_calls(added_optional, expected, TOOLS).error_type is ErrorType.unexpected_param


def test_expected_from_calls_schema_defaults() -> None:
    # unit has the default "celsius": passing it when the truth leaves it out, or leaving it out when the truth
    # passes the default, is the same call. days has no default: passing it is an unexpected parameter.
    expected = expected_from_calls([call("get_weather", city="Paris")], TOOLS)
    assert expected == [{"get_weather": {"city": ["Paris"], "unit": ["", "celsius"]}}]
    assert check_calls([call("get_weather", city="Paris", unit="celsius")], expected, TOOLS).exact
    wrong_unit = check_calls([call("get_weather", city="Paris", unit="fahrenheit")], expected, TOOLS)
    assert wrong_unit.error_type is ErrorType.wrong_param_value
    given_default = expected_from_calls([call("get_weather", city="Paris", unit="celsius")], TOOLS)
    assert check_calls([call("get_weather", city="Paris")], given_default, TOOLS).exact
    strict = expected_from_calls([call("get_weather", city="Paris")], TOOLS, omit_defaults=False)
    assert strict == [{"get_weather": {"city": ["Paris"]}}]
    extra = check_calls([call("get_weather", city="Paris", unit="celsius")], strict, TOOLS)
    assert extra.error_type is ErrorType.unexpected_param


def test_validate_possible_answer_names_the_problem() -> None:
    assert validate_possible_answer([{"f": {"a": [1]}}]) == [{"f": {"a": [1]}}]
    with pytest.raises(ValueError, match="not a list of acceptable values"):
        validate_possible_answer([{"f": {"a": 1}}])
    with pytest.raises(ValueError, match="expected call 0"):
        validate_possible_answer([{"f": {}, "g": {}}])


def test_check_result_is_a_plain_value() -> None:
    assert check_calls([], [], TOOLS) == CheckResult(exact=True)
    assert check_calls([], [W], TOOLS, CheckOptions()) == CheckResult(
        False, ErrorType.missing_call, "expected get_weather; got no call"
    )


def test_options_forbid_unknown_fields() -> None:
    with pytest.raises(ValueError, match="extra"):
        CheckOptions(strict=True)  # type: ignore[call-arg]


def test_report_skips_candidates_a_later_expected_call_takes() -> None:
    # Call 2 is right for expected call 2; expected call 1's error is the renamed call 1, not a value mismatch
    # with call 2 (which would be "closer" by kind of error).
    result = check_calls(
        [call("calc_bmi", height=6.0, weight=80), call("calculate_bmi", height=5.6, weight=60)],
        [{"calculate_bmi": {"height": [6.0], "weight": [80]}}, {"calculate_bmi": {"height": [5.6], "weight": [60]}}],
        TOOLS,
    )
    assert result.error_type is ErrorType.wrong_function_name
    assert result.detail.startswith("expected call 1 of 2 (calculate_bmi) against call 1:")


def test_open_schema_takes_unlisted_parameters_the_answer_names() -> None:
    open_tool = ToolSpec(
        name="search",
        parameters={"type": "object", "properties": {"q": {"type": "string"}}, "additionalProperties": True},
    )
    answer = [{"search": {"q": ["cats"], "lang": ["en"]}}]
    assert check_calls([call("search", q="cats", lang="en")], answer, [open_tool]).exact
    unknown = check_calls([call("search", q="cats", page=2)], answer, [open_tool])
    assert unknown.error_type is ErrorType.unexpected_param
    assert "not in the expected answer" in unknown.detail
    closed = check_calls([call("get_weather", city="Paris", country="FR")], [W], TOOLS)
    assert "not in the schema" in closed.detail
