"""segment and validate on hand-built trajectories: kinds, complexity, schema repair, GT checks."""

from __future__ import annotations

import json

import pytest

from curation.schema import Message, Task, TaskKind, ToolCall, ToolSpec, Trajectory
from curation.steps.base import RejectRecord
from curation.steps.segment import Segment
from curation.steps.validate import Validate

WEATHER = ToolSpec(
    name="get_weather",
    description="Current weather for a city.",
    parameters={
        "type": "dict",
        "properties": {
            "city": {"type": "String"},
            "days": {"type": "int"},
            "unit": {"type": "str", "enum": ["celsius", "fahrenheit"]},
            "coords": {"type": "tuple", "items": {"type": "float"}},
        },
        "required": ["city"],
    },
)
TIME = ToolSpec(name="get_time", parameters={"type": "object", "properties": {"zone": {"type": "string"}}})


def call(name: str, **arguments: object) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


def assistant(*calls: ToolCall, text: str = "") -> Message:
    return Message(role="assistant", content=text, tool_calls=calls)


def trajectory(*messages: Message, tools: tuple[ToolSpec, ...] = (WEATHER, TIME)) -> Trajectory:
    return Trajectory(id="demo:1", source="demo", tools=tools, messages=messages, license="CC-BY-4.0")


USER = Message(role="user", content="Weather in Paris and Rome?")


def test_one_task_per_assistant_turn_with_kind_and_complexity() -> None:
    record = trajectory(
        Message(role="system", content="Be brief."),
        USER,
        assistant(call("get_weather", city="Paris", days=2), call("get_weather", city="Rome")),
        Message(role="tool", name="get_weather", content='{"temp": 20}'),
        Message(role="tool", name="get_weather", content='{"temp": 25}'),
        assistant(text="Paris 20, Rome 25."),
        Message(role="user", content="And the time in Rome?"),
        assistant(call("get_time", zone="Europe/Rome")),
    )
    tasks = Segment().process(record)
    assert [t.id for t in tasks] == ["demo:1#2", "demo:1#5", "demo:1#7"]
    assert [t.kind for t in tasks] == [TaskKind.parallel, TaskKind.no_call, TaskKind.multi_turn]
    # calls + arguments: 2 calls with 2 + 1 arguments; no calls; 1 call with 1 argument
    assert [t.complexity for t in tasks] == [5, 0, 2]
    assert [len(t.history) for t in tasks] == [2, 5, 7]
    assert tasks[1].history[-1].content == '{"temp": 25}'
    assert tasks[0].license == "CC-BY-4.0"


@pytest.mark.parametrize(
    ("calls", "tools", "kind"),
    [
        ((call("get_weather", city="Paris"),), (WEATHER,), TaskKind.single),
        ((call("get_weather", city="Paris"),), (WEATHER, TIME), TaskKind.multiple),
        ((call("get_weather", city="A"), call("get_weather", city="B")), (WEATHER,), TaskKind.parallel),
        ((call("get_weather", city="A"), call("get_time")), (WEATHER, TIME), TaskKind.parallel_multiple),
    ],
)
def test_kinds_follow_bfcl_categories(calls: tuple[ToolCall, ...], tools: tuple[ToolSpec, ...], kind: TaskKind) -> None:
    (task,) = Segment().process(trajectory(USER, assistant(*calls), tools=tools))
    assert task.kind == kind


def test_no_call_turns_can_be_left_out_and_empty_trajectories_are_rejected() -> None:
    record = trajectory(USER, assistant(text="Which city?"))
    assert Segment().process(record)[0].kind == TaskKind.no_call
    with pytest.raises(RejectRecord) as caught:
        Segment(include_no_call=False).process(record)
    assert caught.value.reason == "no usable assistant turn"


def one_task(
    *calls: ToolCall, history: tuple[Message, ...] = (USER,), tools: tuple[ToolSpec, ...] = (WEATHER, TIME)
) -> Task:
    (task,) = Segment().process(trajectory(*history, assistant(*calls), tools=tools))
    return task


def test_validate_repairs_python_type_names_and_drops_duplicate_tools() -> None:
    task = one_task(call("get_weather", city="Paris", days=3, coords=[48.8, 2]), tools=(WEATHER, TIME, WEATHER))
    step = Validate()
    (valid,) = step.process(task)
    assert [t.name for t in valid.tools] == ["get_weather", "get_time"]
    parameters = valid.tools[0].parameters
    assert parameters["type"] == "object"
    assert parameters["properties"]["city"]["type"] == "string"
    assert parameters["properties"]["days"]["type"] == "integer"
    assert parameters["properties"]["coords"] == {
        "type": "array",
        "items": {"type": "number", "x-original-type": "float"},
        "x-original-type": "tuple",
    }
    assert step.counters == {"duplicate tools removed": 1}


@pytest.mark.parametrize(
    ("ground_truth", "reason", "detail_part"),
    [
        (call("get_stock", symbol="X"), "unknown function", "get_stock is not among the tools"),
        (call("get_weather", days=2), "missing required argument", "get_weather: city"),
        (call("get_weather", city="Paris", colour="red"), "unknown argument", "get_weather: colour"),
        (call("get_weather", city="Paris", days="2"), "wrong argument type", "get_weather.days should be integer"),
        (call("get_weather", city="Paris", days=True), "wrong argument type", "got boolean"),
        (call("get_weather", city="Paris", days=2.5), "wrong argument type", "got number"),
        (call("get_weather", city="Paris", coords=[1.0, "2"]), "wrong argument type", "get_weather.coords[1]"),
        (call("get_weather", city="Paris", unit="kelvin"), "value not in enum", "unit = 'kelvin'"),
    ],
)
def test_validate_rejects_ground_truth_calls_the_schema_does_not_allow(
    ground_truth: ToolCall, reason: str, detail_part: str
) -> None:
    with pytest.raises(RejectRecord) as caught:
        Validate().process(one_task(ground_truth))
    assert caught.value.reason == reason
    assert detail_part in caught.value.detail


def test_validate_accepts_an_int_where_a_float_is_expected() -> None:
    (valid,) = Validate().process(one_task(call("get_weather", city="Paris", coords=[48, 2])))
    assert valid.target.tool_calls[0].arguments["coords"] == [48, 2]


def test_enum_check_can_be_switched_off() -> None:
    (valid,) = Validate(check_enums=False).process(one_task(call("get_weather", city="Paris", unit="kelvin")))
    assert valid.target.tool_calls[0].arguments["unit"] == "kelvin"


@pytest.mark.parametrize(
    ("history", "problem"),
    [
        ((Message(role="assistant", content="hi"), USER), "message 0: an assistant turn before any user message"),
        ((USER, Message(role="tool", content="{}")), "message 1: a tool result with no tool call before it"),
        ((USER, Message(role="system", content="late")), "message 1: a system message after the conversation"),
        ((Message(role="system", content="only a system prompt"),), "no user message before the ground-truth turn"),
    ],
)
def test_validate_checks_role_order(history: tuple[Message, ...], problem: str) -> None:
    task = Task(
        id="demo:1#9",
        trajectory_id="demo:1",
        source="demo",
        turn=len(history),
        tools=(WEATHER,),
        history=history,
        target=assistant(call("get_weather", city="Paris")),
        kind=TaskKind.single,
        complexity=2,
    )
    with pytest.raises(RejectRecord) as caught:
        Validate().process(task)
    assert caught.value.reason == "role order"
    assert caught.value.detail.startswith(problem)


def test_held_back_tools_are_offered_only_from_their_reveal_turn() -> None:
    record = Trajectory(
        id="bfcl:multi_turn_miss_func_1",
        source="bfcl",
        tools=(WEATHER, TIME),
        messages=(
            USER,
            assistant(call("get_weather", city="Paris")),
            Message(role="user", content="I have updated some more functions you can choose from."),
            assistant(call("get_time", zone="UTC")),
        ),
        meta={"held_back_tools": {"get_time": 2}},
    )
    first, second = Segment().process(record)
    assert [t.name for t in first.tools] == ["get_weather"]
    assert [t.name for t in second.tools] == ["get_weather", "get_time"]


def test_source_code_arguments_of_java_and_javascript_subsets_skip_type_checks() -> None:
    array_tool = ToolSpec(
        name="sortRows", parameters={"type": "dict", "properties": {"rows": {"type": "Array"}}, "required": ["rows"]}
    )
    record = Trajectory(
        id="bfcl:simple_javascript_1",
        source="bfcl",
        subset="simple_javascript",
        tools=(array_tool,),
        messages=(USER, assistant(call("sortRows", rows="reportRows"))),
    )
    (task,) = Segment().process(record)
    assert Validate().process(task)[0].subset == "simple_javascript"
    with pytest.raises(RejectRecord):
        Validate(source_code_subsets=[]).process(task)


def test_validate_repairs_tools_that_differ_only_in_value_types_apart() -> None:
    # Repaired tools are reused across tasks; 1, 1.0 and true are equal in Python but not in the data.
    defaults = []
    for default in (1, 1.0, True, 1, 1.0, True):
        tool = ToolSpec(name="f", parameters={"n": {"type": "int", "default": default}})
        (valid,) = Validate().process(one_task(call("f", n=2), tools=(tool,)))
        defaults.append(json.loads(valid.tools[0].model_dump_json())["parameters"]["properties"]["n"]["default"])
    assert [type(value) for value in defaults] == [int, float, bool] * 2
