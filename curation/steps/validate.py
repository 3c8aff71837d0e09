"""`validate`: repair tool schemas, check role order, and check every ground-truth call against the schemas."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from curation.memo import BoundedMemo
from curation.registry import steps
from curation.schema import Message, Task, ToolCall, ToolSpec
from curation.scoring.tool_plans import plan_for
from curation.steps.base import RejectRecord, Step
from curation.tool_schema import exact_key, normalize_parameters, value_type_error

# The same tools come back in task after task: each is repaired once, keyed by its exact data (exact_key); the
# repaired ToolSpec is frozen, so one record serves every task that offers the tool, and the checker's per-tool
# plans (tool_plans) are found by it. Bounded: cleared when full.
_REPAIRED: BoundedMemo[tuple[str, str, bytes], ToolSpec] = BoundedMemo(8192)
_REPAIRED_KEY_LIMIT = 8_000  # bytes; a larger schema is rare and repaired every time


def repaired_tool(tool: ToolSpec) -> ToolSpec:
    """``tool`` with its parameters as JSON Schema (normalize_parameters)."""
    parameters_key = exact_key(tool.parameters)
    if parameters_key is None or len(parameters_key) > _REPAIRED_KEY_LIMIT:
        return _repaired(tool)
    return _REPAIRED.get_or_make((tool.name, tool.description, parameters_key), lambda: _repaired(tool))


def _repaired(tool: ToolSpec) -> ToolSpec:
    return ToolSpec(name=tool.name, description=tool.description, parameters=normalize_parameters(tool.parameters))


def repair_tools(tools: Sequence[ToolSpec]) -> tuple[tuple[ToolSpec, ...], int]:
    """Tools with JSON Schema parameters, duplicates (same name) dropped; returns them and the number dropped."""
    seen: dict[str, ToolSpec] = {}
    for tool in tools:
        if tool.name in seen:
            continue
        seen[tool.name] = repaired_tool(tool)
    return tuple(seen.values()), len(tools) - len(seen)


def role_order_problem(history: Sequence[Message], target: Message) -> str | None:
    """What is wrong with the order of roles, or None. System first, a user before any answer, tools after calls."""
    seen_user = False
    open_calls = 0  # tool results still owed to the last assistant turn with calls
    for index, message in enumerate(history):
        if message.role == "system":
            if index > 0 and history[index - 1].role != "system":
                return f"message {index}: a system message after the conversation started"
        elif message.role == "user":
            seen_user = True
            open_calls = 0
        elif message.role == "assistant":
            if not seen_user:
                return f"message {index}: an assistant turn before any user message"
            open_calls = len(message.tool_calls)
        elif message.role == "tool":
            if open_calls == 0 and not (index > 0 and history[index - 1].role == "tool"):
                return f"message {index}: a tool result with no tool call before it"
            open_calls = max(open_calls - 1, 0)
    if not seen_user:
        return "no user message before the ground-truth turn"
    if target.role != "assistant":
        return f"the ground-truth turn is a {target.role} message"
    return None


def call_problem(
    call: ToolCall, tools: dict[str, ToolSpec], check_enums: bool, check_types: bool = True
) -> tuple[str, str] | None:
    """(reason, detail) for a ground-truth call that its tool schema does not allow, or None."""
    tool = tools.get(call.name)
    if tool is None:
        return "unknown function", f"{call.name} is not among the tools ({', '.join(sorted(tools)) or 'none'})"
    properties: dict[str, dict[str, object]] = tool.parameters.get("properties", {})
    required = tool.parameters.get("required", [])
    missing = [name for name in required if name not in call.arguments]
    if missing:
        return "missing required argument", f"{call.name}: {', '.join(missing)}"
    unknown = [name for name in call.arguments if name not in properties]
    if unknown and tool.parameters.get("additionalProperties") is not True:
        return "unknown argument", f"{call.name}: {', '.join(unknown)}"
    # A scalar whose Python type fits its declared type needs no further look (the checker's plans know which).
    fast_types = plan_for(tool).fast_types if check_types else {}
    for name, value in call.arguments.items():
        schema = properties.get(name, {})
        if check_types and type(value) not in fast_types.get(name, ()):
            problem = value_type_error(value, schema, f"{call.name}.{name}")
            if problem:
                return "wrong argument type", problem
        allowed = schema.get("enum")
        if check_enums and isinstance(allowed, list) and allowed and value not in allowed:
            return "value not in enum", f"{call.name}.{name} = {value!r:.80} not in {allowed!r:.200}"
    return None


@steps.register("validate")
class Validate(Step):
    """Repair tool schemas (types, duplicates), check role order and the ground-truth calls against the schemas."""

    name = "validate"
    description = "schema repair + role order + GT calls checked against the tools; bad tasks rejected with reason"
    input_type = Task
    output_type = Task
    parallel = True  # pure per record: batches may run in worker processes

    check_enums: bool = Field(default=True, description="reject GT values outside a parameter's enum")
    max_tools: int | None = Field(default=None, ge=1, description="reject tasks offering more tools than this")
    source_code_subsets: list[str] = Field(
        default=["simple_java", "simple_javascript", "java", "javascript"],
        description="subsets whose arguments are source-code text (BFCL Java/JS): types are not checked there",
    )

    def process(self, record: Task) -> list[Task]:
        tools, dropped = repair_tools(record.tools)
        if dropped:
            self.count("duplicate tools removed", dropped)
        if self.max_tools is not None and len(tools) > self.max_tools:
            raise RejectRecord("too many tools", f"{len(tools)} tools > {self.max_tools}")
        problem = role_order_problem(record.history, record.target)
        if problem:
            raise RejectRecord("role order", problem)
        by_name = {tool.name: tool for tool in tools}
        for call in record.target.tool_calls:
            found = call_problem(call, by_name, self.check_enums, record.subset not in self.source_code_subsets)
            if found:
                raise RejectRecord(*found)
        if not record.target.tool_calls and not record.target.content.strip():
            raise RejectRecord("empty ground truth", "the assistant turn has neither a call nor text")
        return [record.model_copy(update={"tools": tools})]
