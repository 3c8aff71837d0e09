"""Hand-written tasks for the sampling tests, engine scripts and the benchmark: every task shape, real schemas."""

from __future__ import annotations

from typing import Any

from curation.schema import Message, Task, TaskKind, ToolCall, ToolSpec


def tool(name: str, properties: dict[str, Any], required: list[str], description: str = "") -> ToolSpec:
    return ToolSpec(
        name=name,
        description=description or f"{name.replace('_', ' ')}.",
        parameters={"type": "object", "properties": properties, "required": required},
    )


WEATHER = tool(
    "get_weather",
    {
        "city": {"type": "string", "description": "city name"},
        "units": {"type": "string", "enum": ["metric", "imperial"]},
        "days": {"type": "integer"},
    },
    ["city"],
)
SEND_EMAIL = tool(
    "send_email",
    {
        "to": {"type": "string"},
        "subject": {"type": "string"},
        "body": {"type": "string"},
        "urgent": {"type": "boolean"},
        "cc": {"type": "array", "items": {"type": "string"}},
    },
    ["to", "subject", "body"],
)
CONVERT = tool(
    "convert_currency",
    {"amount": {"type": "number"}, "from": {"type": "string"}, "to": {"type": "string"}},
    ["amount", "from", "to"],
)
STOCK = tool("get_stock_price", {"symbol": {"type": "string"}}, ["symbol"])


def task(
    task_id: str,
    tools: tuple[ToolSpec, ...],
    user: str,
    calls: tuple[ToolCall, ...] = (),
    text: str = "",
    kind: TaskKind | None = None,
    history: tuple[Message, ...] = (),
) -> Task:
    if kind is None:
        if not calls:
            kind = TaskKind.no_call
        elif len(calls) == 1:
            kind = TaskKind.single if len(tools) == 1 else TaskKind.multiple
        else:
            kind = TaskKind.parallel if len({c.name for c in calls}) == 1 else TaskKind.parallel_multiple
    return Task(
        id=f"test:{task_id}#{len(history) + 1}",
        trajectory_id=f"test:{task_id}",
        source="test",
        turn=len(history) + 1,
        tools=tools,
        history=(
            Message(role="system", content="You are a helpful assistant."),
            *history,
            Message(role="user", content=user),
        ),
        target=Message(role="assistant", content=text, tool_calls=calls),
        kind=kind,
        complexity=len(calls) + sum(len(c.arguments) for c in calls),
    )


def sample_tasks() -> list[Task]:
    """One task of each shape: single, multiple, parallel, parallel_multiple, multi-turn, no call."""
    weather_call = ToolCall(name="get_weather", arguments={"city": "Paris", "units": "metric", "days": 3})
    email_call = ToolCall(
        name="send_email",
        arguments={"to": "ana@example.com", "subject": "Lunch", "body": "See you at noon", "urgent": False},
    )
    earlier = (
        Message(role="user", content="What does AAPL trade at?"),
        Message(role="assistant", tool_calls=(ToolCall(name="get_stock_price", arguments={"symbol": "AAPL"}),)),
        Message(role="tool", name="get_stock_price", content='{"price": 187.2}'),
        Message(role="assistant", content="AAPL trades at 187.20 USD."),
    )
    return [
        task("single", (WEATHER,), "Weather in Paris for 3 days, metric please.", (weather_call,)),
        task("multiple", (WEATHER, SEND_EMAIL, STOCK), "Email Ana that lunch is at noon.", (email_call,)),
        task(
            "parallel",
            (WEATHER, STOCK),
            "Weather in Oslo and in Lima?",
            (
                ToolCall(name="get_weather", arguments={"city": "Oslo"}),
                ToolCall(name="get_weather", arguments={"city": "Lima"}),
            ),
        ),
        task(
            "parallel_multiple",
            (WEATHER, CONVERT, STOCK),
            "Convert 250 EUR to USD and get the MSFT price.",
            (
                ToolCall(name="convert_currency", arguments={"amount": 250.0, "from": "EUR", "to": "USD"}),
                ToolCall(name="get_stock_price", arguments={"symbol": "MSFT"}),
            ),
        ),
        task(
            "multi_turn",
            (STOCK, CONVERT),
            "And that in EUR?",
            (ToolCall(name="convert_currency", arguments={"amount": 187.2, "from": "USD", "to": "EUR"}),),
            kind=TaskKind.multi_turn,
            history=earlier,
        ),
        task("no_call", (WEATHER, STOCK), "Thanks, that's all!", text="You're welcome! Have a great day."),
    ]


def many_tasks(count: int) -> list[Task]:
    """``count`` distinct tasks (the sample shapes with numbered ids and user turns)."""
    shapes = sample_tasks()
    tasks = []
    for index in range(count):
        base = shapes[index % len(shapes)]
        history = (*base.history[:-1], Message(role="user", content=f"{base.history[-1].content} (#{index})"))
        tasks.append(base.model_copy(update={"id": f"{base.trajectory_id}-{index}#{base.turn}", "history": history}))
    return tasks
