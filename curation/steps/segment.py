"""`segment`: cut a trajectory into tasks, one per assistant turn (history before it, the turn as ground truth)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from curation.registry import steps
from curation.schema import Message, Task, TaskKind, ToolCall, ToolSpec, Trajectory
from curation.steps.base import RejectRecord, Step


def task_kind(target: Message, history: Sequence[Message], tools: Sequence[ToolSpec]) -> TaskKind:
    """BFCL's categories, read off the ground-truth turn. A turn after an earlier assistant turn is multi_turn."""
    if not target.tool_calls:
        return TaskKind.no_call
    if any(message.role == "assistant" for message in history):
        return TaskKind.multi_turn
    if len(target.tool_calls) == 1:
        return TaskKind.single if len(tools) <= 1 else TaskKind.multiple
    names = {call.name for call in target.tool_calls}
    return TaskKind.parallel if len(names) == 1 else TaskKind.parallel_multiple


def complexity(calls: Sequence[ToolCall]) -> int:
    """METHOD.md: number of GT calls plus the total number of arguments over them."""
    return len(calls) + sum(len(call.arguments) for call in calls)


def tools_available_at(record: Trajectory, turn: int) -> tuple[ToolSpec, ...]:
    """The tools offered at message ``turn``: a source may hold some back until a later message (BFCL miss_func)."""
    held_back = record.meta.get("held_back_tools")
    if not isinstance(held_back, dict) or not held_back:
        return record.tools
    return tuple(tool for tool in record.tools if int(held_back.get(tool.name, 0)) <= turn)


@steps.register("segment")
class Segment(Step):
    """Trajectory -> one Task per assistant turn, with its kind and complexity."""

    name = "segment"
    description = "Trajectory -> Task per assistant turn (history before it, the turn as ground truth)"
    input_type = Trajectory
    output_type = Task
    parallel = True  # pure per record: batches may run in worker processes

    include_no_call: bool = Field(default=True, description="keep turns whose ground truth is text, not a call")
    max_tasks_per_trajectory: int | None = Field(
        default=None, ge=1, description="keep at most this many tasks per trajectory (the first ones)"
    )

    def process(self, record: Trajectory) -> list[Task]:
        tasks = []
        for turn, message in enumerate(record.messages):
            if message.role != "assistant":
                continue
            if not message.tool_calls and not message.content.strip():
                self.count("empty assistant turns skipped")
                continue
            if not message.tool_calls and not self.include_no_call:
                self.count("no-call turns skipped")
                continue
            history = record.messages[:turn]
            tools = tools_available_at(record, turn)
            kind = task_kind(message, history, tools)
            tasks.append(
                Task(
                    id=f"{record.id}#{turn}",
                    trajectory_id=record.id,
                    source=record.source,
                    subset=record.subset,
                    turn=turn,
                    tools=tools,
                    history=history,
                    target=message,
                    kind=kind,
                    complexity=complexity(message.tool_calls),
                    license=record.license,
                    meta=record.meta,
                )
            )
            self.count(f"kind {kind.value}")
            if self.max_tasks_per_trajectory and len(tasks) >= self.max_tasks_per_trajectory:
                break
        if not tasks:
            raise RejectRecord("no usable assistant turn", f"{len(record.messages)} messages, none a usable answer")
        return tasks
