"""hermes (v1): Python-repr <tools>, <tool_call> blocks (repr or JSON), <tool_response> blocks, json-mode rejects."""

from __future__ import annotations

from curation.schema import Message, ToolCall, ToolSpec, Trajectory
from tests.sources.helpers import one_reject, one_trajectory

FUNDAMENTALS = {
    "name": "get_stock_fundamentals",
    "description": "Get fundamental data for a stock symbol.",
    "parameters": {
        "type": "object",
        "properties": {"symbol": {"type": "string", "description": "The stock symbol."}},
        "required": ["symbol"],
    },
}
PROSE = (
    "You are a function calling AI model. You are provided with function signatures within <tools> </tools> XML "
    "tags. You may call one or more functions to assist with the user query. Don't make assumptions about what "
    "values to plug into functions.\n"
)
TEMPLATE = (
    "\nFor each function call return a json object with function name and arguments within <tool_call> </tool_call> "
    "tags with the following schema:\n<tool_call>\n{'arguments': <args-dict>, 'name': <function-name>}\n</tool_call>\n"
)
SYSTEM = PROSE + "<tools>\n" + repr([{"type": "function", "function": FUNDAMENTALS}]) + "\n</tools>" + TEMPLATE
RECORD = {
    "id": "7f2a0d1e-5c43-4bd4-9f33-0a1d2c3b4e5f",
    "conversations": [
        {"from": "system", "value": SYSTEM},
        {"from": "human", "value": "Fundamentals for AAPL and MSFT, please."},
        {
            "from": "gpt",
            "value": "<tool_call>\n{'arguments': {'symbol': 'AAPL'}, 'name': 'get_stock_fundamentals'}\n</tool_call>\n"
            '<tool_call>\n{"arguments": {"symbol": "MSFT"}, "name": "get_stock_fundamentals"}\n</tool_call>',
        },
        {
            "from": "tool",
            "value": '<tool_response>\n{"name": "get_stock_fundamentals", "content": {"symbol": "AAPL", '
            '"pe_ratio": 28.8}}\n'
            "</tool_response>\n<tool_response>\n{'name': 'get_stock_fundamentals', 'content': {'symbol': 'MSFT', "
            "'pe_ratio': 35.1}}\n</tool_response>",
        },
        {"from": "gpt", "value": "AAPL trades at 28.8x earnings and MSFT at 35.1x."},
    ],
    "category": "Finance",
    "subcategory": "Stock Analysis",
    "task": "Get stock fundamentals",
}


def test_record_becomes_parallel_calls_tool_responses_and_answer() -> None:
    assert one_trajectory("hermes", RECORD) == Trajectory(
        id="hermes:7f2a0d1e-5c43-4bd4-9f33-0a1d2c3b4e5f",
        source="hermes",
        license="Apache-2.0",
        meta={"category": "Finance", "subcategory": "Stock Analysis", "task": "Get stock fundamentals"},
        tools=(ToolSpec(**FUNDAMENTALS),),
        messages=(
            # the tool list is cut from the prompt; the prose mention of "<tools> </tools>" and the template stay
            Message(role="system", content=(PROSE + TEMPLATE).strip()),
            Message(role="user", content="Fundamentals for AAPL and MSFT, please."),
            Message(
                role="assistant",
                tool_calls=(
                    ToolCall(name="get_stock_fundamentals", arguments={"symbol": "AAPL"}),
                    ToolCall(name="get_stock_fundamentals", arguments={"symbol": "MSFT"}),
                ),
            ),
            Message(role="tool", name="get_stock_fundamentals", content='{"symbol": "AAPL", "pe_ratio": 28.8}'),
            Message(role="tool", name="get_stock_fundamentals", content='{"symbol": "MSFT", "pe_ratio": 35.1}'),
            Message(role="assistant", content="AAPL trades at 28.8x earnings and MSFT at 35.1x."),
        ),
    )


def test_single_turn_record_ends_at_the_call_and_keeps_free_text() -> None:
    record = {
        **RECORD,
        "conversations": [
            RECORD["conversations"][0],
            RECORD["conversations"][1],
            {
                "from": "gpt",
                "value": "Let me fetch that.\n<tool_call>\n{'arguments': {'symbol': 'AAPL'}, 'name': "
                "'get_stock_fundamentals'}\n</tool_call>",
            },
        ],
    }
    trajectory = one_trajectory("hermes", record)
    assert trajectory.messages[-1] == Message(
        role="assistant",
        content="Let me fetch that.",
        tool_calls=(ToolCall(name="get_stock_fundamentals", arguments={"symbol": "AAPL"}),),
    )


def test_json_mode_record_is_rejected_as_such() -> None:
    record = {
        "id": "j1",
        "conversations": [
            {
                "from": "system",
                "value": "You are a helpful assistant that answers in JSON. Here's the json schema you "
                "must adhere to:\n<schema>\n{'title': 'Movie', 'type': 'object'}\n</schema>\n",
            },
            {"from": "human", "value": "First Star Wars film?"},
            {"from": "gpt", "value": '{"title": "Star Wars", "year": 1977}'},
        ],
    }
    reject = one_reject("hermes", record)
    assert reject.reason == "json-mode record has no tools"
    assert "JSON schema" in reject.detail


def test_unreadable_records_are_rejected_with_reasons() -> None:
    system, human = RECORD["conversations"][:2]
    truncated = {"from": "gpt", "value": "<tool_call>\n{'arguments': {'symbol': 'AA\n</tool_call>"}
    assert one_reject("hermes", {**RECORD, "conversations": [system, human, truncated]}).reason == (
        "tool call is not valid JSON or Python literal"
    )
    unclosed = {
        "from": "gpt",
        "value": "<tool_call>\n{'arguments': {'symbol': 'AAPL'}, 'name': 'get_stock_fundamentals'}",
    }
    assert (
        one_reject("hermes", {**RECORD, "conversations": [system, human, unclosed]}).reason
        == "unclosed <tool_call> tag"
    )
    bad_tools = {"from": "system", "value": PROSE + "<tools>\n[{'type': 'function', 'function': {'name': \n</tools>"}
    assert one_reject("hermes", {**RECORD, "conversations": [bad_tools, *RECORD["conversations"][1:]]}).reason == (
        "tool list is not valid JSON or Python literal"
    )
    three_responses = {"from": "tool", "value": "<tool_response>\n{}\n</tool_response>" * 3}
    turns = [*RECORD["conversations"][:3], three_responses]
    assert (
        one_reject("hermes", {**RECORD, "conversations": turns}).reason == "tool results do not line up with the calls"
    )
    no_tools = {"from": "system", "value": "You are a helpful assistant."}
    assert one_reject("hermes", {**RECORD, "conversations": [no_tools, *RECORD["conversations"][1:]]}).reason == (
        "assistant turn references no tool list"
    )
    assert one_reject("hermes", {**RECORD, "conversations": [system, {"from": "robot", "value": "x"}]}).reason == (
        "unknown speaker role"
    )
    assert one_reject("hermes", {**RECORD, "conversations": {"from": "human"}}).reason == "record has no conversation"
