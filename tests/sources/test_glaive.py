"""glaive (v2): plain-text system with concatenated pretty JSON, quoted arguments, <|endoftext|>, tool-less rows."""

from __future__ import annotations

import json

from curation.schema import Message, ToolCall, ToolSpec, Trajectory
from tests.sources.helpers import one_reject, one_trajectory

EXCHANGE = {
    "name": "get_exchange_rate",
    "description": "Get the exchange rate between two currencies",
    "parameters": {
        "type": "object",
        "properties": {
            "base_currency": {"type": "string", "description": "The currency to convert from"},
            "target_currency": {"type": "string", "description": "The currency to convert to"},
        },
        "required": ["base_currency", "target_currency"],
    },
}
NEWS = {
    "name": "get_news",
    "description": "Get news headlines",
    "parameters": {"type": "object", "properties": {"country": {"type": "string"}}, "required": []},
}
SYSTEM = (
    "SYSTEM: You are a helpful assistant with access to the following functions. Use them if required -\n"
    + json.dumps(EXCHANGE, indent=4)
    + "\n\n"
    + json.dumps(NEWS, indent=4)
    + "\n"
)
CHAT = (
    "USER: Hi, can you tell me the exchange rate from USD to EUR?\n\n\n"
    'ASSISTANT: <functioncall> {"name": "get_exchange_rate", "arguments": \'{"base_currency": "USD", '
    '"target_currency": "EUR"}\'} <|endoftext|>\n\n\n'
    'FUNCTION RESPONSE: {"exchange_rate": 0.85}\n\n\n'
    "ASSISTANT: The exchange rate from USD to EUR is 0.85. <|endoftext|>\n\n\n"
    "USER: Can you book me a taxi too?\n\n\n"
    "ASSISTANT: I'm sorry, but I can't book taxis. My functions only cover exchange rates and news. <|endoftext|>\n\n\n"
)


def test_record_becomes_system_call_response_answer_and_refusal() -> None:
    trajectory = one_trajectory("glaive", {"system": SYSTEM, "chat": CHAT}, key="glaive-function-calling-v2:9")
    assert trajectory == Trajectory(
        id="glaive:glaive-function-calling-v2:9",
        source="glaive",
        license="Apache-2.0",
        tools=(ToolSpec(**EXCHANGE), ToolSpec(**NEWS)),
        messages=(
            Message(
                role="system",
                content="You are a helpful assistant with access to the following functions. Use them if required",
            ),
            Message(role="user", content="Hi, can you tell me the exchange rate from USD to EUR?"),
            Message(
                role="assistant",
                tool_calls=(
                    ToolCall(name="get_exchange_rate", arguments={"base_currency": "USD", "target_currency": "EUR"}),
                ),
            ),
            Message(role="tool", name="get_exchange_rate", content='{"exchange_rate": 0.85}'),
            Message(role="assistant", content="The exchange rate from USD to EUR is 0.85."),
            Message(role="user", content="Can you book me a taxi too?"),
            Message(
                role="assistant",
                content="I'm sorry, but I can't book taxis. My functions only cover exchange rates and news.",
            ),
        ),
    )


def test_arguments_with_an_apostrophe_and_as_a_plain_dict() -> None:
    quoted = (
        "USER: Say hi\n\n\nASSISTANT: Sure. <functioncall> "
        '{"name": "get_news", "arguments": \'{"country": "Côte d\'Ivoire"}\'}'
        " <|endoftext|>\n\n\n"
    )
    trajectory = one_trajectory("glaive", {"system": SYSTEM, "chat": quoted})
    assert trajectory.messages[2] == Message(
        role="assistant",
        content="Sure.",
        tool_calls=(ToolCall(name="get_news", arguments={"country": "Côte d'Ivoire"}),),
    )
    plain = (
        'USER: News?\n\n\nASSISTANT: <functioncall> {"name": "get_news", "arguments": {"country": "FR"}} <|endoftext|>'
    )
    trajectory = one_trajectory("glaive", {"system": SYSTEM, "chat": plain})
    assert trajectory.messages[2].tool_calls == (ToolCall(name="get_news", arguments={"country": "FR"}),)


def test_tool_less_row_is_a_trajectory_without_tools() -> None:
    record = {
        "system": "SYSTEM: You are a helpful assistant, with no access to external functions.",
        "chat": "USER: What is 2+2?\n\n\nASSISTANT: 2+2 is 4. <|endoftext|>\n\n\n",
    }
    assert one_trajectory("glaive", record).messages == (
        Message(role="system", content="You are a helpful assistant, with no access to external functions."),
        Message(role="user", content="What is 2+2?"),
        Message(role="assistant", content="2+2 is 4."),
    )


def test_unreadable_records_are_rejected_with_reasons() -> None:
    truncated = (
        "USER: Rate?\n\n\nASSISTANT: <functioncall> "
        '{"name": "get_exchange_rate", "arguments": \'{"base_cur <|endoftext|>'
    )
    assert (
        one_reject("glaive", {"system": SYSTEM, "chat": truncated}).reason
        == "tool call is not valid JSON or Python literal"
    )
    broken_system = SYSTEM[: SYSTEM.index('"description"') + 5]
    assert one_reject("glaive", {"system": broken_system, "chat": CHAT}).reason == (
        "function list in the system prompt is not valid JSON"
    )
    tool_less = "SYSTEM: You are a helpful assistant, with no access to external functions."
    assert one_reject("glaive", {"system": tool_less, "chat": CHAT}).reason == "assistant turn references no tool list"
    response_first = 'USER: Hi\n\n\nFUNCTION RESPONSE: {"a": 1}\n\n\nASSISTANT: ok <|endoftext|>'
    assert (
        one_reject("glaive", {"system": SYSTEM, "chat": response_first}).reason
        == "tool result without a preceding tool call"
    )
    assert one_reject("glaive", {"system": SYSTEM, "chat": "hello\nUSER: hi"}).reason == (
        "chat does not start with a speaker prefix"
    )
    assert one_reject("glaive", {"system": SYSTEM}).reason == "record has no chat text"
    assert (
        one_reject("glaive", {"system": SYSTEM, "chat": "USER: hi\n\n\n"}).reason
        == "conversation has no assistant turn"
    )
    assert one_reject("glaive", {"system": 1, "chat": CHAT}).reason == "system prompt is not text"
