"""messages: generic OpenAI-style (tool_calls, tool_call_id) and Hermes-style ({messages}) chat records."""

from __future__ import annotations

from curation.schema import Message, ToolCall, ToolSpec, Trajectory
from tests.sources.helpers import one_reject, one_trajectory

WEATHER = {
    "name": "get_weather",
    "description": "Current weather.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
TIME = {
    "name": "get_time",
    "description": "Local time.",
    "parameters": {"type": "object", "properties": {"tz": {"type": "str"}}},
}
RECORD = {
    "id": "chat-1",
    "license": "MIT",
    "subset": "travel",
    "tools": [{"type": "function", "function": WEATHER}, TIME],
    "messages": [
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": [{"type": "text", "text": "Weather in Lima"}, {"type": "text", "text": "and the time?"}],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Lima"}'}},
                {"id": "c2", "type": "function", "function": {"name": "get_time", "arguments": {"tz": "America/Lima"}}},
            ],
        },
        # results arrive out of order; ids say which call each answers
        {"role": "tool", "tool_call_id": "c2", "content": "09:30"},
        {"role": "tool", "tool_call_id": "c1", "content": {"temp": 19}},
        {"role": "assistant", "content": "19°C, 09:30."},
    ],
}


def test_openai_record_with_ids_text_parts_and_structured_result() -> None:
    assert one_trajectory("messages", RECORD) == Trajectory(
        id="messages:chat-1",
        source="messages",
        subset="travel",
        license="MIT",
        tools=(
            ToolSpec(**WEATHER),
            ToolSpec(
                name="get_time",
                description="Local time.",
                parameters={"type": "object", "properties": {"tz": {"type": "string", "x-original-type": "str"}}},
            ),
        ),
        messages=(
            Message(role="system", content="Be brief."),
            Message(role="user", content="Weather in Lima\nand the time?"),
            Message(
                role="assistant",
                tool_calls=(
                    ToolCall(name="get_weather", arguments={"city": "Lima"}),
                    ToolCall(name="get_time", arguments={"tz": "America/Lima"}),
                ),
            ),
            Message(role="tool", name="get_time", content="09:30", tool_call_id="c2"),
            Message(role="tool", name="get_weather", content='{"temp": 19}', tool_call_id="c1"),
            Message(role="assistant", content="19°C, 09:30."),
        ),
    )


def test_hermes_style_messages_take_tools_from_the_system_prompt() -> None:
    system = "You may call functions.\n<tools>\n" + repr([{"type": "function", "function": WEATHER}]) + "\n</tools>"
    record = {
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": "Weather in Lima?"},
            {
                "role": "assistant",
                "content": "<tool_call>\n{'arguments': {'city': 'Lima'}, 'name': 'get_weather'}\n</tool_call>",
            },
            {
                "role": "tool",
                "content": '<tool_response>\n{"name": "get_weather", "content": {"temp": 19}}\n</tool_response>',
            },
            {"role": "assistant", "content": "19°C."},
        ]
    }
    trajectory = one_trajectory("messages", record, key="chat:4")
    assert trajectory.id == "messages:chat:4"
    assert trajectory.license == ""
    assert trajectory.tools == (ToolSpec(**WEATHER),)
    assert trajectory.messages == (
        Message(role="system", content="You may call functions."),
        Message(role="user", content="Weather in Lima?"),
        Message(role="assistant", tool_calls=(ToolCall(name="get_weather", arguments={"city": "Lima"}),)),
        Message(role="tool", name="get_weather", content='{"temp": 19}'),
        Message(role="assistant", content="19°C."),
    )


def test_legacy_function_call_and_function_role() -> None:
    record = {
        "functions": [WEATHER],
        "messages": [
            {"role": "user", "content": "Weather in Lima?"},
            {
                "role": "assistant",
                "content": "",
                "function_call": {"name": "get_weather", "arguments": '{"city": "Lima"}'},
            },
            {"role": "function", "name": "get_weather", "content": '{"temp": 19}'},
            {"role": "assistant", "content": "19°C."},
        ],
    }
    assert one_trajectory("messages", record).messages[1:3] == (
        Message(role="assistant", tool_calls=(ToolCall(name="get_weather", arguments={"city": "Lima"}),)),
        Message(role="tool", name="get_weather", content='{"temp": 19}'),
    )


def test_unreadable_records_are_rejected_with_reasons() -> None:
    turns = RECORD["messages"]
    bad_args = {
        "role": "assistant",
        "tool_calls": [{"id": "c1", "function": {"name": "get_weather", "arguments": '{"ci'}}],
    }
    assert one_reject("messages", {**RECORD, "messages": [turns[1], bad_args]}).reason == (
        "tool call is not valid JSON or Python literal"
    )
    stray = {"role": "tool", "tool_call_id": "c9", "name": "get_news", "content": "x"}
    assert one_reject("messages", {**RECORD, "messages": [*turns[:3], stray]}).reason == (
        "tool results do not line up with the calls"
    )
    assert one_reject("messages", {**RECORD, "messages": [turns[1], turns[3]]}).reason == (
        "tool result without a preceding tool call"
    )
    image = {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}
    assert (
        one_reject("messages", {**RECORD, "messages": [image, turns[5]]}).reason == "message content has non-text parts"
    )
    assert one_reject("messages", {**RECORD, "messages": [{"role": "robot", "content": "x"}]}).reason == (
        "unknown speaker role"
    )
    assert one_reject("messages", {"tools": RECORD["tools"]}).reason == "record has no messages"
    assert one_reject("messages", {**RECORD, "tools": None, "messages": turns}).reason == (
        "assistant turn references no tool list"
    )
