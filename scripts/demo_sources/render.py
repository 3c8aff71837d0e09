"""Writers of one scenario in each source's native record format (see shared/sources/README.md)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from catalog import Call, Scenario, Step, tool_list

PY_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "object": "Dict[str, Any]"}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _result_text(value: Any) -> str:
    return value if isinstance(value, str) else _dumps(value)


def first_turn(scenario: Scenario) -> tuple[str, tuple[Call, ...]]:
    """The first user text and the calls of the first assistant turn (none when it is a text answer)."""
    text = next(step.text for step in scenario.steps if step.kind == "user")
    reply = next(step for step in scenario.steps if step.kind in ("call", "answer"))
    return text, reply.calls


# --- APIGen (xlam-function-calling-60k) -------------------------------------------------------------------------


def apigen_tool(tool: dict[str, Any], variant: int) -> dict[str, Any]:
    """A tool with xlam's flat parameter map and Python type names ("str, optional")."""
    schema = tool["parameters"]
    flat: dict[str, Any] = {}
    for name, spec in schema["properties"].items():
        kind = spec["type"]
        py_type = f"List[{PY_TYPES[spec['items']['type']]}]" if kind == "array" else PY_TYPES[kind]
        description = spec["description"] + (f"; one of: {', '.join(spec['enum'])}" if "enum" in spec else "")
        entry: dict[str, Any] = {"description": description}
        if name in schema["required"]:
            entry["type"] = py_type
        else:
            entry["type"] = f"{py_type}, optional"
            if "default" in spec:
                entry["default"] = spec["default"]
            elif variant % 2:
                entry["default"] = ""  # xlam often writes an empty default for optional parameters
        flat[name] = entry
    return {"name": tool["name"], "description": tool["description"], "parameters": flat}


def apigen(scenario: Scenario, record_id: int, catalog: dict[str, Any] | None = None) -> dict[str, Any]:
    query, calls = first_turn(scenario)
    answers = [{"name": name, "arguments": args} for name, args in calls]
    if record_id % 9 == 4 and answers:  # arguments as JSON text inside the JSON text: seen in generated data
        answers[0] = {"name": answers[0]["name"], "arguments": _dumps(answers[0]["arguments"])}
    tools = [apigen_tool(tool, record_id) for tool in tool_list(scenario.tools, catalog)]
    return {"id": record_id, "query": query, "answers": _dumps(answers), "tools": _dumps(tools)}


# --- APIGen-MT (ShareGPT from/value) ----------------------------------------------------------------------------


def apigen_mt(scenario: Scenario, system: str, tools: list[dict[str, Any]]) -> dict[str, Any]:
    turns: list[dict[str, str]] = []
    for step in scenario.steps:
        if step.kind == "user":
            turns.append({"from": "human", "value": step.text})
        elif step.kind == "answer":
            turns.append({"from": "gpt", "value": step.text})
        elif step.kind == "call":
            turns.extend(
                {"from": "function_call", "value": _dumps({"name": name, "arguments": args})}
                for name, args in step.calls
            )
        else:
            turns.extend({"from": "observation", "value": _result_text(value)} for value in step.results)
    return {"conversations": turns, "system": system, "tools": _dumps(tools)}


# --- BUTTON -----------------------------------------------------------------------------------------------------

BUTTON_SYSTEM = (
    "You are an expert in using functions (i.e., tools) to solve users' tasks. The functions available for you to "
    "use are detailed below: \n<tool>\n{tools}\n</tool>\n\nIn your response, you need first provide your "
    "observation and thought on the user's task, the current situation, and what you plan to do next. After your "
    "thinking, you can do following two things:\n**Function Call**: For fountion calling, you need to provide the "
    "function name and its arguments. The function name must be same as its name in above function list, and the "
    "arguments must obey the format required by the function. Enclose the function call within the tag "
    '"<call></call>". {parallel}\n**Final Answer**: When you believe the task is complete, you may use '
    "'final_answer' "
    "to provide a detailed summary of the results to give to the user, enclose the final answer within the tag "
    '"<final></final>".'
)
PARALLEL = (
    "If possible, you can call multiple functions in parallel, be sure the functions called parallelly are "
    "independent of each other."
)
SEQUENTIAL = "You should call one function at a time, and wait for the response before calling the next function."


def button(scenario: Scenario, variant: int) -> dict[str, Any]:
    parallel = any(len(step.calls) > 1 for step in scenario.steps)
    system = BUTTON_SYSTEM.replace("{tools}", _dumps(tool_list(scenario.tools))).replace(
        "{parallel}", PARALLEL if parallel else SEQUENTIAL
    )
    messages = [{"role": "systems" if variant % 11 == 3 else "system", "content": system}]
    last_answer = max(index for index, step in enumerate(scenario.steps) if step.kind == "answer")
    pending: tuple[Call, ...] = ()
    for index, step in enumerate(scenario.steps):
        if step.kind == "user":
            messages.append({"role": "user", "content": step.text})
        elif step.kind == "call":
            thought = step.text or f"To answer this, I will call {', '.join(sorted({name for name, _ in step.calls}))}."
            payload = _dumps([{"name": name, "arguments": args} for name, args in step.calls])
            messages.append({"role": "assistant", "content": f"{thought}\n<call>{payload}</call>"})
            pending = step.calls
        elif step.kind == "result":
            entries = [
                {"name": name, "arguments": args, "results": value}
                for (name, args), value in zip(pending, step.results, strict=True)
            ]
            messages.append({"role": "tool", "content": _dumps(entries)})
        elif index == last_answer:
            messages.append(
                {"role": "assistant", "content": f"I have everything I need to answer.\n<final>{step.text}</final>"}
            )
        else:
            messages.append({"role": "assistant", "content": step.text})
    return {"messages": messages}


# --- ComplexFuncBench ------------------------------------------------------------------------------------------


def complexfuncbench(scenario: Scenario, tools: list[dict[str, Any]]) -> dict[str, Any]:
    turns: list[dict[str, Any]] = []
    for step in scenario.steps:
        if step.kind == "user":
            turns.append({"role": "user", "content": step.text})
        elif step.kind == "call":
            turns.append(
                {"role": "assistant", "function_call": [{"name": name, "arguments": args} for name, args in step.calls]}
            )
        elif step.kind == "result":
            turns.append({"role": "observation", "content": list(step.results)})
        else:
            turns.append({"role": "assistant", "content": step.text})
    return {"id": scenario.key, "conversations": turns, "functions": tools}


# --- Glaive v2 --------------------------------------------------------------------------------------------------

GLAIVE_WITH_TOOLS = (
    "SYSTEM: You are a helpful assistant with access to the following functions. Use them if required -\n"
)
GLAIVE_NO_TOOLS = "SYSTEM: You are a helpful assistant, with no access to external functions."


def glaive_call(name: str, args: dict[str, Any], plain_dict: bool) -> str:
    if plain_dict:
        return _dumps({"name": name, "arguments": args})
    return '{"name": ' + _dumps(name) + ', "arguments": \'' + _dumps(args) + "'}"


def glaive(scenario: Scenario, variant: int) -> dict[str, Any]:
    separator = "\n\n" if variant % 3 else "\n"
    system = GLAIVE_WITH_TOOLS + separator.join(json.dumps(t, indent=4) for t in tool_list(scenario.tools)) + "\n"
    parts: list[str] = []
    for step in scenario.steps:
        if step.kind == "user":
            parts.append(f"USER: {step.text}")
        elif step.kind == "answer":
            parts.append(f"ASSISTANT: {step.text} <|endoftext|>")
        elif step.kind == "call":  # Glaive makes one call per turn, each followed by its response
            parts.append(
                "\x00".join(
                    f"ASSISTANT: <functioncall> {glaive_call(name, args, variant % 7 == 5)} <|endoftext|>"
                    for name, args in step.calls
                )
            )
        else:
            parts.append("\x00".join(f"FUNCTION RESPONSE: {_result_text(value)}" for value in step.results))
    # Interleave parallel calls with their responses: call1, response1, call2, response2, ...
    chat: list[str] = []
    index = 0
    while index < len(parts):
        if "\x00" in parts[index] and index + 1 < len(parts):
            for one_call, one_response in zip(parts[index].split("\x00"), parts[index + 1].split("\x00"), strict=True):
                chat.extend([one_call, one_response])
            index += 2
        else:
            chat.append(parts[index])
            index += 1
    return {"system": system, "chat": "\n\n\n".join(chat) + "\n\n\n"}


def glaive_tool_less(question: str, reply: str, follow_up: tuple[str, str] | None = None) -> dict[str, Any]:
    chat = f"USER: {question}\n\n\nASSISTANT: {reply} <|endoftext|>\n\n\n"
    if follow_up:
        chat += f"USER: {follow_up[0]}\n\n\nASSISTANT: {follow_up[1]} <|endoftext|>\n\n\n"
    return {"system": GLAIVE_NO_TOOLS, "chat": chat}


# --- Hermes function-calling v1 ---------------------------------------------------------------------------------

HERMES_SYSTEM = (
    "You are a function calling AI model. You are provided with function signatures within <tools> </tools> XML "
    "tags. You may call one or more functions to assist with the user query. Don't make assumptions about what "
    "values to plug into functions.\n<tools>\n{tools}\n</tools>\nFor each function call return a json object with "
    "function name and arguments within <tool_call> </tool_call> tags with the following schema:\n<tool_call>\n"
    "{'arguments': <args-dict>, 'name': <function-name>}\n</tool_call>\n"
)


def hermes(scenario: Scenario, variant: int, single_turn: bool, category: str) -> dict[str, Any]:
    tools = [{"type": "function", "function": t} for t in tool_list(scenario.tools)]
    as_json = variant % 5 == 2  # most files hold Python reprs; some JSON
    system = HERMES_SYSTEM.replace("{tools}", _dumps(tools) if as_json else repr(tools))
    turns = [{"from": "system", "value": system}]
    pending: tuple[Call, ...] = ()
    for step in scenario.steps:
        if step.kind == "user":
            turns.append({"from": "human", "value": step.text})
        elif step.kind == "answer":
            turns.append({"from": "gpt", "value": step.text})
        elif step.kind == "call":
            blocks = [
                _dumps({"arguments": args, "name": name}) if as_json else repr({"arguments": args, "name": name})
                for name, args in step.calls
            ]
            turns.append({"from": "gpt", "value": "\n".join(f"<tool_call>\n{block}\n</tool_call>" for block in blocks)})
            pending = step.calls
            if single_turn:
                break
        else:
            turns.append(
                {
                    "from": "tool",
                    "value": "\n".join(
                        f"<tool_response>\n{_dumps({'name': name, 'content': value})}\n</tool_response>"
                        for (name, _), value in zip(pending, step.results, strict=True)
                    ),
                }
            )
    key = uuid.uuid5(uuid.NAMESPACE_URL, f"toolpref-demo/hermes/{scenario.key}/{variant}")
    return {
        "id": str(key),
        "conversations": turns,
        "category": category,
        "subcategory": scenario.key.split("-")[0],
        "task": turns[1]["value"][:60],
    }


HERMES_JSON_MODE = (
    "You are a helpful assistant that answers in JSON. Here's the json schema you must adhere to:\n<schema>\n{schema}\n"
    "</schema>\n"
)


# --- Generic messages (OpenAI style) ----------------------------------------------------------------------------


def openai_messages(scenario: Scenario, variant: int) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    if variant % 4 == 1:
        messages.append({"role": "system", "content": "You are a helpful assistant. Use the tools when they help."})
    ids: list[str] = []
    call_number = 0
    for step in scenario.steps:
        if step.kind == "user":
            content: Any = step.text
            if variant % 6 == 5:
                content = [{"type": "text", "text": step.text}]
            messages.append({"role": "user", "content": content})
        elif step.kind == "answer":
            messages.append({"role": "assistant", "content": step.text})
        elif step.kind == "call":
            ids = []
            tool_calls = []
            for name, args in step.calls:
                call_number += 1
                ids.append(f"call_{variant:02d}{call_number:02d}")
                tool_calls.append(
                    {"id": ids[-1], "type": "function", "function": {"name": name, "arguments": _dumps(args)}}
                )
            messages.append({"role": "assistant", "content": step.text or None, "tool_calls": tool_calls})
        else:
            for call_id, (name, _), value in zip(ids, _calls_before(scenario, step), step.results, strict=True):
                messages.append({"role": "tool", "tool_call_id": call_id, "name": name, "content": _result_text(value)})
    tools = [{"type": "function", "function": t} for t in tool_list(scenario.tools)]
    return {"id": f"demo-{variant:03d}", "messages": messages, "tools": tools, "license": "CC-BY-4.0"}


def hermes_style_messages(scenario: Scenario, variant: int) -> dict[str, Any]:
    """A {messages} record in Hermes style: tools in the system prompt, calls and results in tags."""
    record = hermes(scenario, variant, single_turn=False, category="demo")
    roles = {"system": "system", "human": "user", "gpt": "assistant", "tool": "tool"}
    messages = [{"role": roles[turn["from"]], "content": turn["value"]} for turn in record["conversations"]]
    return {"id": f"demo-hermes-{variant:03d}", "messages": messages}


def _calls_before(scenario: Scenario, result_step: Step) -> tuple[Call, ...]:
    calls: tuple[Call, ...] = ()
    for step in scenario.steps:
        if step is result_step:
            return calls
        if step.kind == "call":
            calls = step.calls
    return calls
