"""button (BUTTONInstruct): <tool> list in the system prompt, <call>[...]</call> and <final> tags, tool lists."""

from __future__ import annotations

import json

from curation.schema import Message, ToolCall, ToolSpec, Trajectory
from tests.sources.helpers import one_reject, one_trajectory

TOOLS = [
    {
        "name": "get_exchange_rate",
        "description": "Exchange rate between two currencies.",
        "parameters": {
            "type": "object",
            "properties": {"base": {"type": "string"}, "target": {"type": "string"}},
            "required": ["base", "target"],
        },
    },
    {
        "name": "multiply",
        "description": "Multiply two numbers.",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
            "required": ["a", "b"],
        },
    },
]
SYSTEM = (
    "You are an expert in using functions (i.e., tools) to solve users' tasks. The functions available for you to "
    f"use are detailed below: \n<tool>\n{json.dumps(TOOLS)}\n</tool>\n\nIn your response, you need first provide "
    'your observation and thought ... Enclose the function call within the tag "<call></call>". If possible, you can '
    "call multiple functions in parallel, be sure the functions called parallelly are independent of each other.\n"
    '**Final Answer**: ... enclose the final answer within the tag "<final></final>".'
)
SYSTEM_WITHOUT_TOOLS = SYSTEM.replace(f"<tool>\n{json.dumps(TOOLS)}\n</tool>", "")
CALLS = [
    {"name": "get_exchange_rate", "arguments": {"base": "USD", "target": "EUR"}},
    {"name": "get_exchange_rate", "arguments": {"base": "USD", "target": "JPY"}},
]
RECORD = {
    "messages": [
        {"role": "systems", "content": SYSTEM},  # the README's spelling
        {"role": "user", "content": "How many euros and yen do 20 dollars buy?"},
        {"role": "assistant", "content": f"I need both rates; they are independent.\n<call>{json.dumps(CALLS)}</call>"},
        {
            "role": "tool",
            "content": json.dumps(
                [
                    {**CALLS[0], "results": {"rate": 0.92}},
                    {**CALLS[1], "results": {"rate": 151.3}},
                ]
            ),
        },
        {
            "role": "assistant",
            "content": 'Now multiply.\n<call>[{"name": "multiply", "arguments": {"a": 20, "b": 0.92}}]</call>',
        },
        {"role": "tool", "content": '[{"name": "multiply", "arguments": {"a": 20, "b": 0.92}, "results": 18.4}]'},
        {"role": "assistant", "content": "Done.\n<final>20 USD buy 18.40 EUR.</final>"},
    ]
}


def test_record_becomes_parallel_calls_aligned_results_and_final_answer() -> None:
    trajectory = one_trajectory("button", RECORD, key="button_instruct:4")
    assert trajectory == Trajectory(
        id="button:button_instruct:4",
        source="button",
        subset="parallel",
        license="CC-BY-4.0",
        tools=tuple(ToolSpec(**tool) for tool in TOOLS),
        messages=(
            Message(role="system", content=SYSTEM_WITHOUT_TOOLS.strip()),
            Message(role="user", content="How many euros and yen do 20 dollars buy?"),
            Message(
                role="assistant",
                content="I need both rates; they are independent.",
                tool_calls=(
                    ToolCall(name="get_exchange_rate", arguments={"base": "USD", "target": "EUR"}),
                    ToolCall(name="get_exchange_rate", arguments={"base": "USD", "target": "JPY"}),
                ),
            ),
            Message(role="tool", name="get_exchange_rate", content='{"rate": 0.92}'),
            Message(role="tool", name="get_exchange_rate", content='{"rate": 151.3}'),
            Message(
                role="assistant",
                content="Now multiply.",
                tool_calls=(ToolCall(name="multiply", arguments={"a": 20, "b": 0.92}),),
            ),
            Message(role="tool", name="multiply", content="18.4"),
            Message(role="assistant", content="Done.\n\n20 USD buy 18.40 EUR."),
        ),
    )


def test_sequential_prompt_and_plain_text_result_for_one_call() -> None:
    system = SYSTEM.replace(
        "If possible, you can call multiple functions in parallel", "You should call one function at a time"
    )
    record = {
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": "3 times 4?"},
            {"role": "assistant", "content": '<call>{"name": "multiply", "arguments": {"a": 3, "b": 4}}</call>'},
            {"role": "tool", "content": "twelve"},
            {"role": "assistant", "content": "<final>12</final>"},
        ]
    }
    trajectory = one_trajectory("button", record)
    assert trajectory.subset == "sequential"
    assert trajectory.messages[2].tool_calls == (ToolCall(name="multiply", arguments={"a": 3, "b": 4}),)
    assert trajectory.messages[3] == Message(role="tool", name="multiply", content="twelve")
    assert trajectory.messages[4] == Message(role="assistant", content="12")


def test_tool_block_with_one_json_object_per_tool() -> None:
    system = SYSTEM.replace(json.dumps(TOOLS), "\n".join(json.dumps(tool, indent=2) for tool in TOOLS))
    trajectory = one_trajectory(
        "button", {"messages": [{"role": "system", "content": system}, *RECORD["messages"][1:]]}
    )
    assert trajectory.tools == tuple(ToolSpec(**tool) for tool in TOOLS)


def test_unreadable_records_are_rejected_with_reasons() -> None:
    turns = RECORD["messages"]
    broken_call = {"role": "assistant", "content": '<call>[{"name": "multiply", "arguments": {"a": 3</call>'}
    assert one_reject("button", {"messages": [*turns[:2], broken_call]}).reason == (
        "tool call is not valid JSON or Python literal"
    )
    unclosed = {"role": "assistant", "content": '<call>[{"name": "multiply", "arguments": {"a": 3, "b": 4}}]'}
    assert one_reject("button", {"messages": [*turns[:2], unclosed]}).reason == "unclosed <call> tag"
    one_result = {"role": "tool", "content": json.dumps([{**CALLS[0], "results": {"rate": 0.92}}])}
    assert one_reject("button", {"messages": [*turns[:3], one_result, turns[6]]}).reason == (
        "tool results do not line up with the calls"
    )
    assert one_reject("button", {"messages": [*turns[:2], turns[3], turns[6]]}).reason == (
        "tool result without a preceding tool call"
    )
    bad_tools = {"role": "system", "content": "<tool>\n[{'name': 'multiply', \n</tool>"}
    assert (
        one_reject("button", {"messages": [bad_tools, *turns[1:]]}).reason
        == "tool list is not valid JSON or Python literal"
    )
    no_tools = {"role": "system", "content": "Use tools."}
    assert one_reject("button", {"messages": [no_tools, *turns[1:]]}).reason == "assistant turn references no tool list"
    assert one_reject("button", {"messages": [{"role": "narrator", "content": "x"}]}).reason == "unknown speaker role"
    assert (
        one_reject("button", {"messages": [turns[0], {"role": "user", "content": 5}]}).reason
        == "turn text is not a string"
    )
    assert one_reject("button", {"msgs": turns}).reason == "record has no messages"
