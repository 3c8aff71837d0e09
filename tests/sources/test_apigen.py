"""apigen (xlam-function-calling-60k): hand-written records in the card's exact shape -> exact trajectories."""

from __future__ import annotations

import json

from curation.schema import Message, ToolCall, ToolSpec, Trajectory
from tests.sources.helpers import one_reject, one_trajectory

# The dataset card's example (row 0), verbatim.
CARD_ROW_0 = {
    "id": 0,
    "query": "Where can I find live giveaways for beta access and games?",
    "answers": '[{"name": "live_giveaways_by_type", "arguments": {"type": "beta"}}, {"name": "live_giveaways_by_type", '
    '"arguments": {"type": "game"}}]',
    "tools": '[{"name": "live_giveaways_by_type", "description": "Retrieve live giveaways from the GamerPower API '
    'based on the specified type.", "parameters": {"type": {"description": "The type of giveaways to retrieve '
    '(e.g., game, loot, beta).", "type": "str", "default": "game"}}}]',
}


def test_card_example_becomes_a_parallel_call_turn() -> None:
    trajectory = one_trajectory("apigen", CARD_ROW_0)
    assert trajectory == Trajectory(
        id="apigen:0",
        source="apigen",
        license="CC-BY-4.0",
        tools=(
            ToolSpec(
                name="live_giveaways_by_type",
                description="Retrieve live giveaways from the GamerPower API based on the specified type.",
                parameters={
                    "type": "object",
                    "properties": {
                        "type": {
                            "type": "string",
                            "x-original-type": "str",  # kept by tool_schema so nothing is lost
                            "description": "The type of giveaways to retrieve (e.g., game, loot, beta).",
                            "default": "game",
                        }
                    },
                    "required": [],  # it has a default
                },
            ),
        ),
        messages=(
            Message(role="user", content="Where can I find live giveaways for beta access and games?"),
            Message(
                role="assistant",
                tool_calls=(
                    ToolCall(name="live_giveaways_by_type", arguments={"type": "beta"}),
                    ToolCall(name="live_giveaways_by_type", arguments={"type": "game"}),
                ),
            ),
        ),
    )


def test_flat_python_types_and_optional_become_json_schema() -> None:
    tools = [
        {
            "name": "find_primes",
            "description": "Primes in a range.",
            "parameters": {
                "numbers": {"description": "Candidates.", "type": "List[int]"},
                "limit": {"description": "Stop after this many.", "type": "int, optional"},
                "ratio": {"description": "A ratio.", "type": "float", "default": 0.5},
                "strict": {"description": "Be strict.", "type": "bool"},
                "options": {"description": "Extra options.", "type": "Dict[str, Any]"},
            },
        }
    ]
    record = {
        "id": 7,
        "query": "Primes among 3, 4, 5?",
        # arguments given as JSON text inside the JSON text
        "answers": json.dumps(
            [{"name": "find_primes", "arguments": json.dumps({"numbers": [3, 4, 5], "strict": True})}]
        ),
        "tools": json.dumps(tools),
    }
    trajectory = one_trajectory("apigen", record)
    properties = trajectory.tools[0].parameters["properties"]
    assert {name: spec.get("type") for name, spec in properties.items()} == {
        "numbers": "array",
        "limit": "integer",
        "ratio": "number",
        "strict": "boolean",
        "options": "object",
    }
    assert properties["numbers"]["items"] == {"type": "integer"}
    assert trajectory.tools[0].parameters["required"] == ["numbers", "strict", "options"]
    assert trajectory.messages[1].tool_calls == (
        ToolCall(name="find_primes", arguments={"numbers": [3, 4, 5], "strict": True}),
    )


def test_empty_answers_is_a_no_call_turn_and_missing_id_uses_the_key() -> None:
    record = {"query": "Tell me a joke.", "answers": "[]", "tools": "[]"}
    trajectory = one_trajectory("apigen", record, key="xlam:12")
    assert trajectory.id == "apigen:xlam:12"
    assert trajectory.messages == (Message(role="user", content="Tell me a joke."), Message(role="assistant"))


def test_unreadable_records_are_rejected_with_reasons() -> None:
    assert one_reject("apigen", {**CARD_ROW_0, "answers": '[{"name": "live_giveaways_by_type", "argu'}).reason == (
        "tool call is not valid JSON or Python literal"
    )
    assert one_reject("apigen", {**CARD_ROW_0, "answers": '{"name": "x"}'}).reason == "answers are not a list of calls"
    assert one_reject("apigen", {**CARD_ROW_0, "tools": "[]"}).reason == "assistant turn references no tool list"
    assert one_reject("apigen", {**CARD_ROW_0, "tools": 3}).reason == "tool list is not a list"
    assert one_reject("apigen", {**CARD_ROW_0, "query": ""}).reason == "record has no user query"
    assert (
        one_reject("apigen", {k: v for k, v in CARD_ROW_0.items() if k != "answers"}).reason == "record has no answers"
    )
    assert one_reject("apigen", ["not", "a", "record"]).reason == "record is not an object"
    no_name = json.dumps([{"arguments": {"type": "beta"}}])
    assert one_reject("apigen", {**CARD_ROW_0, "answers": no_name}).reason == "tool call has no function name"


def test_tool_definitions_that_differ_only_in_value_types_or_key_order_stay_apart() -> None:
    # Tool definitions are repaired once and reused; 1, 1.0 and true are equal in Python but not in the data.
    def record(parameter: dict[str, object]) -> dict[str, object]:
        tools = [{"name": "f", "description": "d", "parameters": {"n": parameter}}]
        return {"id": 1, "query": "q", "answers": '[{"name": "f", "arguments": {}}]', "tools": json.dumps(tools)}

    defaults = []
    for default in (1, 1.0, True, 1, 1.0, True):
        (tool,) = one_trajectory("apigen", record({"type": "int", "default": default})).tools
        defaults.append(json.loads(tool.model_dump_json())["parameters"]["properties"]["n"]["default"])
    assert [type(value) for value in defaults] == [int, float, bool] * 2
    for keys in (["default", "description"], ["description", "default"]):
        (tool,) = one_trajectory("apigen", record({"type": "string", **{key: "x" for key in keys}})).tools
        assert list(tool.parameters["properties"]["n"]) == ["type", *keys]
