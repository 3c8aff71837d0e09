"""apigen_mt (APIGen-MT-5k): ShareGPT from/value with function_call/observation and a policy system prompt."""

from __future__ import annotations

import json

from curation.schema import Message, ToolCall, ToolSpec, Trajectory
from tests.sources.helpers import one_reject, one_trajectory

POLICY = "# Airline Agent Policy\nThe current time is 2024-05-15 15:00:00 EST.\n\nAs an airline agent, ..."
TOOLS = [
    {
        "name": "get_reservation_details",
        "description": "Get the details of a reservation.",
        "parameters": {
            "type": "object",
            "properties": {"reservation_id": {"type": "string", "description": "The reservation id."}},
            "required": ["reservation_id"],
        },
    }
]
RECORD = {
    "conversations": [
        {"from": "human", "value": "Hello, can I still cancel reservation 0U4NPP?"},
        {"from": "gpt", "value": "Let me look it up."},
        {
            "from": "function_call",
            "value": '{"name": "get_reservation_details", "arguments": {"reservation_id": "0U4NPP"}}',
        },
        {"from": "observation", "value": '{"reservation_id": "0U4NPP", "cabin": "basic_economy", "insurance": "no"}'},
        {"from": "gpt", "value": ""},
        {"from": "gpt", "value": "I'm sorry, basic economy without insurance cannot be cancelled."},
    ],
    "system": POLICY,
    "tools": json.dumps(TOOLS),
}


def test_dialogue_becomes_policy_user_thought_call_result_answer() -> None:
    trajectory = one_trajectory("apigen_mt", RECORD, key="apigen-mt_5k:3")
    assert trajectory == Trajectory(
        id="apigen_mt:apigen-mt_5k:3",
        source="apigen_mt",
        subset="airline",
        license="CC-BY-NC-4.0",
        meta={"skipped_empty_turns": 1},
        tools=(ToolSpec(**TOOLS[0]),),
        messages=(
            Message(role="system", content=POLICY),
            Message(role="user", content="Hello, can I still cancel reservation 0U4NPP?"),
            # the text turn right before a function_call is the call's thought
            Message(
                role="assistant",
                content="Let me look it up.",
                tool_calls=(ToolCall(name="get_reservation_details", arguments={"reservation_id": "0U4NPP"}),),
            ),
            Message(
                role="tool",
                name="get_reservation_details",
                content='{"reservation_id": "0U4NPP", "cabin": "basic_economy", "insurance": "no"}',
            ),
            Message(role="assistant", content="I'm sorry, basic economy without insurance cannot be cancelled."),
        ),
    )


def test_parallel_calls_answered_by_one_list_or_by_several_observations() -> None:
    calls = (
        '[{"name": "get_reservation_details", "arguments": {"reservation_id": "A"}}, '
        '{"name": "get_reservation_details", "arguments": {"reservation_id": "B"}}]'
    )
    one_list = {
        **RECORD,
        "conversations": [
            {"from": "human", "value": "Check A and B."},
            {"from": "function_call", "value": calls},
            {"from": "observation", "value": '[{"id": "A"}, {"id": "B"}]'},
            {"from": "gpt", "value": "Both found."},
        ],
    }
    several = {
        **one_list,
        "conversations": [
            *one_list["conversations"][:2],
            {"from": "observation", "value": '{"id": "A"}'},
            {"from": "observation", "value": '{"id": "B"}'},
            one_list["conversations"][3],
        ],
    }
    for record in (one_list, several):
        tool_messages = [m for m in one_trajectory("apigen_mt", record).messages if m.role == "tool"]
        assert [(m.name, m.content) for m in tool_messages] == [
            ("get_reservation_details", '{"id": "A"}'),
            ("get_reservation_details", '{"id": "B"}'),
        ]


def test_retail_policy_heading_gives_the_subset() -> None:
    record = {**RECORD, "system": "# Retail agent policy\nAs a retail agent, ..."}
    assert one_trajectory("apigen_mt", record).subset == "retail"


def test_unreadable_dialogues_are_rejected_with_reasons() -> None:
    turns = RECORD["conversations"]
    truncated = [turns[0], {"from": "function_call", "value": '{"name": "get_reservation_details", "argu'}]
    assert one_reject("apigen_mt", {**RECORD, "conversations": truncated}).reason == (
        "tool call is not valid JSON or Python literal"
    )
    assert one_reject("apigen_mt", {**RECORD, "conversations": [turns[3], turns[5]]}).reason == (
        "tool result without a preceding tool call"
    )
    assert one_reject("apigen_mt", {**RECORD, "conversations": [{"from": "bot", "value": "hi"}]}).reason == (
        "unknown speaker role"
    )
    assert one_reject("apigen_mt", {**RECORD, "conversations": []}).reason == "record has no conversation"
    assert (
        one_reject("apigen_mt", {**RECORD, "conversations": turns[:1]}).reason == "conversation has no assistant turn"
    )
    assert one_reject("apigen_mt", {**RECORD, "system": ["policy"]}).reason == "system policy is not text"
    assert (
        one_reject("apigen_mt", {k: v for k, v in RECORD.items() if k != "tools"}).reason == "record has no tool list"
    )
    assert one_reject("apigen_mt", {**RECORD, "tools": "[{'name': 'x', 'description': "}).reason == (
        "tool list is not valid JSON or Python literal"
    )
