"""Expected answers in BFCL's possible-answer form, and how to build one from exact ground-truth calls.

A possible answer is a list of expected calls, each ``{function name: {parameter: [acceptable values]}}``. Among
the acceptable values, "" means "may be left out"; a dict is a pattern of the same shape one level down
(``{key: [acceptable values]}``); a list is one acceptable list, matched element by element. BFCL writes these
by hand; the pipeline's ground truth is one exact call list, turned into this form by ``expected_from_calls``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from curation.schema import ToolCall, ToolSpec
from curation.scoring.values import OMITTED, matches

ExpectedCall: TypeAlias = Mapping[str, Mapping[str, Sequence[Any]]]
PossibleAnswer: TypeAlias = Sequence[ExpectedCall]


def expected_from_calls(
    calls: Sequence[ToolCall], tools: Sequence[ToolSpec] = (), *, omit_defaults: bool = True
) -> list[dict[str, dict[str, list[Any]]]]:
    """The possible answer that accepts exactly ``calls`` (each value becomes ``[value]``).

    With ``omit_defaults`` (the default, and what BFCL's hand-written answers do): an optional parameter whose
    schema gives a default may be left out when the ground truth passes that default, and may be passed with its
    default when the ground truth leaves it out. Any other optional parameter the ground truth leaves out is not
    in the answer, so passing it is an unexpected parameter, as in BFCL.
    """
    schemas = {tool.name: tool.parameters for tool in tools}
    expected: list[dict[str, dict[str, list[Any]]]] = []
    for call in calls:
        parameters = schemas.get(call.name, {})
        properties = parameters.get("properties", {}) if isinstance(parameters, dict) else {}
        required = set(parameters.get("required", []) or []) if isinstance(parameters, dict) else set()
        answers: dict[str, list[Any]] = {}
        for name, value in call.arguments.items():
            answers[name] = [answer_value(value)]
            if omit_defaults and name not in required and _has_default(properties, name):
                default = properties[name]["default"]
                if matches(value, answer_value(default), normalize=False):
                    answers[name].append(OMITTED)
        if omit_defaults:
            for name, schema in properties.items():
                if name not in answers and name not in required and _has_default(properties, name):
                    answers[name] = [OMITTED, answer_value(schema["default"])]
        expected.append({call.name: answers})
    return expected


def _has_default(properties: Any, name: str) -> bool:
    schema = properties.get(name) if isinstance(properties, dict) else None
    return isinstance(schema, dict) and "default" in schema


def answer_value(value: Any) -> Any:
    """One exact value as an acceptable value: dicts become patterns that accept exactly their keys and values."""
    if isinstance(value, dict):
        return {key: [answer_value(item)] for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [answer_value(item) for item in value]
    return value


def validate_possible_answer(answer: Any) -> list[dict[str, dict[str, list[Any]]]]:
    """``answer`` checked for the possible-answer shape; ValueError names the first thing that is wrong."""
    if not isinstance(answer, (list, tuple)):
        raise ValueError(f"a possible answer is a list of calls, not a {type(answer).__name__}")
    result: list[dict[str, dict[str, list[Any]]]] = []
    for index, call in enumerate(answer):
        if not isinstance(call, Mapping) or len(call) != 1:
            raise ValueError(f"expected call {index} is not {{function: {{parameter: [acceptable values]}}}}")
        ((name, parameters),) = call.items()
        if not isinstance(name, str) or not isinstance(parameters, Mapping):
            raise ValueError(f"expected call {index}: parameters of {name!r} are not an object")
        for parameter, acceptable in parameters.items():
            if not isinstance(acceptable, list):
                raise ValueError(f"expected call {index} ({name}): {parameter!r} is not a list of acceptable values")
        result.append({name: dict(parameters)})
    return result
