"""complexfuncbench: list-valued function_call and observation, aligned; domain subset; parentheses in names."""

from __future__ import annotations

from curation.schema import Message, ToolCall, ToolSpec, Trajectory
from tests.sources.helpers import one_reject, one_trajectory

FUNCTIONS = [
    {
        "name": "Search_Hotel_Destination",
        "description": "Search a destination.",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
    },
    {
        "name": "Get_Hotel_Reviews(Tips)",
        "description": "Review tips of a hotel.",
        "parameters": {"type": "object", "properties": {"hotel_id": {"type": "integer"}}, "required": ["hotel_id"]},
    },
]
RECORD = {
    "id": "Car-Rental-12",
    "conversations": [
        {"role": "user", "content": "Destinations for Paris and Rome, then tips for hotel 7."},
        {
            "role": "assistant",
            "function_call": [
                {"name": "Search_Hotel_Destination", "arguments": {"query": "Paris"}},
                {"name": "Search_Hotel_Destination", "arguments": {"query": "Rome"}},
            ],
        },
        {
            "role": "observation",
            "content": [
                {"status": True, "message": "Success", "data": [{"dest_id": "-1456928"}]},
                {"status": True, "message": "Success", "data": [{"dest_id": "-126693"}]},
            ],
        },
        {"role": "assistant", "function_call": [{"name": "Get_Hotel_Reviews(Tips)", "arguments": {"hotel_id": 7}}]},
        {"role": "observation", "content": [{"status": True, "data": ["Quiet rooms."]}]},
        {"role": "assistant", "content": "Paris is -1456928, Rome -126693; guests say the rooms are quiet."},
    ],
    "functions": FUNCTIONS,
}


def test_record_becomes_parallel_step_then_single_step_then_answer() -> None:
    assert one_trajectory("complexfuncbench", RECORD) == Trajectory(
        id="complexfuncbench:Car-Rental-12",
        source="complexfuncbench",
        subset="Car-Rental",
        license="Apache-2.0",
        tools=tuple(ToolSpec(**function) for function in FUNCTIONS),
        messages=(
            Message(role="user", content="Destinations for Paris and Rome, then tips for hotel 7."),
            Message(
                role="assistant",
                tool_calls=(
                    ToolCall(name="Search_Hotel_Destination", arguments={"query": "Paris"}),
                    ToolCall(name="Search_Hotel_Destination", arguments={"query": "Rome"}),
                ),
            ),
            Message(
                role="tool",
                name="Search_Hotel_Destination",
                content='{"status": true, "message": "Success", "data": [{"dest_id": "-1456928"}]}',
            ),
            Message(
                role="tool",
                name="Search_Hotel_Destination",
                content='{"status": true, "message": "Success", "data": [{"dest_id": "-126693"}]}',
            ),
            Message(
                role="assistant", tool_calls=(ToolCall(name="Get_Hotel_Reviews(Tips)", arguments={"hotel_id": 7}),)
            ),
            Message(role="tool", name="Get_Hotel_Reviews(Tips)", content='{"status": true, "data": ["Quiet rooms."]}'),
            Message(role="assistant", content="Paris is -1456928, Rome -126693; guests say the rooms are quiet."),
        ),
    )


def test_observation_as_json_text_and_single_dict_call_are_read() -> None:
    turns = [
        RECORD["conversations"][0],
        {"role": "assistant", "function_call": {"name": "Get_Hotel_Reviews(Tips)", "arguments": '{"hotel_id": 7}'}},
        {"role": "observation", "content": '[{"status": true}]'},
        {"role": "assistant", "content": "ok"},
    ]
    trajectory = one_trajectory("complexfuncbench", {**RECORD, "conversations": turns})
    assert trajectory.messages[1].tool_calls == (ToolCall(name="Get_Hotel_Reviews(Tips)", arguments={"hotel_id": 7}),)
    assert trajectory.messages[2] == Message(role="tool", name="Get_Hotel_Reviews(Tips)", content='{"status": true}')


def test_unreadable_records_are_rejected_with_reasons() -> None:
    turns = RECORD["conversations"]
    three_results = {"role": "observation", "content": [{}, {}, {}]}
    assert one_reject("complexfuncbench", {**RECORD, "conversations": [*turns[:2], three_results]}).reason == (
        "tool results do not line up with the calls"
    )
    assert one_reject("complexfuncbench", {**RECORD, "conversations": [turns[0], turns[2]]}).reason == (
        "tool result without a preceding tool call"
    )
    bad_arguments = {"role": "assistant", "function_call": [{"name": "Search_Hotel_Destination", "arguments": '{"qu'}]}
    assert one_reject("complexfuncbench", {**RECORD, "conversations": [turns[0], bad_arguments]}).reason == (
        "tool call is not valid JSON or Python literal"
    )
    list_arguments = {"role": "assistant", "function_call": [{"name": "Search_Hotel_Destination", "arguments": [1]}]}
    assert one_reject("complexfuncbench", {**RECORD, "conversations": [turns[0], list_arguments]}).reason == (
        "tool call arguments are not an object"
    )
    assert one_reject("complexfuncbench", {k: v for k, v in RECORD.items() if k != "functions"}).reason == (
        "record has no tool list"
    )
    assert (
        one_reject("complexfuncbench", {**RECORD, "conversations": [{"role": "bot"}]}).reason == "unknown speaker role"
    )
    assert one_reject("complexfuncbench", {**RECORD, "functions": [{"description": "x"}]}).reason == (
        "tool definition has no name"
    )
