"""ToolAlpaca (tangqiaoyu/ToolAlpaca): API entries with instructions, each instruction one trajectory.

A file is one JSON array of API entries; an entry bundles the API's tools (see ``toolalpaca_tools``) and its
``Instructions``, aligned with either ``Golden_Answers`` (the eval sets) or ``Instances`` (the train-data shape
that instance_generation/generation.py writes). The conservation unit is the instruction: every instruction ends
as one trajectory or one reject, and answers that match no instruction are rejects too.

- Golden answers: the instruction, then one assistant turn calling every golden step. [ours] One turn, not one
  per step: the eval sets have no tool outputs, so separate turns would show calls without results; the golden
  step list is the reference for the whole instruction, the way one BFCL multi-turn turn holds its calls.
  An ``[Optional]`` prefix on an action is removed and the step noted in ``meta["optional_steps"]``.
- Instances: the input (without ToolAlpaca's "\\nHint: ..." suffix), then per intermediate step an assistant
  turn (the thought as text, without its ReAct "Action: / Action Input:" tail, and the call) and the tool's
  observation, then the final answer (``output``) as a text turn. ``{"error": ...}`` instances were not
  generated upstream and are rejected. Generated runs sometimes continue with an invented "USER:" turn; the
  trajectory ends before it, with the assistant text that preceded it as the final answer
  (``meta["cut_invented_user_turn"]``).
- [ours] Arguments set to "" or null on an optional parameter are left out (ToolAlpaca's generator writes them
  for "not set"; its executor skips enum checks on ""); ``meta["dropped_unset_arguments"]`` names them.
- Action inputs are JSON strings; like ToolAlpaca's own ``parse_json_string`` we read the first JSON object
  in the text (code fences and trailing notes are tolerated and noted in ``meta["repaired_action_inputs"]``).
  Inputs with a placeholder (``${animeId from searchAnime}``, ``${string}``) or no object are rejected.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from curation.registry import sources
from curation.schema import Message, Reject, ToolCall, ToolSpec, Trajectory
from curation.sources.base import RAW_LIMIT, RawRecord, SourceAdapter, SourceError
from curation.sources.convert import trajectory
from curation.sources.toolalpaca_tools import api_tools

LICENSE = "Apache-2.0"
_MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError)
_OPTIONAL_ACTION = re.compile(r"^\s*\[optional\]\s*", flags=re.IGNORECASE)
_REACT_TAIL = ("\nASSISTANT Action:", "\nAction:")
_INVENTED_USER = re.compile(r"(?:^|\n)\s*USER:")
_LEADING_THOUGHT = re.compile(r"^\s*(?:ASSISTANT\s+)?Thought:\s*")
_PLACEHOLDER = re.compile(r"\$\{[^{}]*\}?")


@sources.register("toolalpaca")
class ToolAlpacaAdapter(SourceAdapter):
    """ToolAlpaca API-entry files: eval sets (Golden_Answers) and train-shaped files (Instances)."""

    name: ClassVar[str] = "toolalpaca"
    license: ClassVar[str] = LICENSE
    description: ClassVar[str] = (
        "ToolAlpaca JSON arrays of API entries; one trajectory per instruction, from Golden_Answers (eval) or "
        "Instances (train shape: calls, observations, final answer)"
    )

    def convert(self, raw: RawRecord) -> Iterator[Trajectory | Reject]:
        entry = raw.value
        # Entry-level rejects are made here rather than raised, so that their raw text is storable too.
        if not isinstance(entry, dict):
            detail = f"expected an object with Name and Instructions, got {type(entry).__name__}"
            yield _reject(raw.key, "not an API entry", detail, entry)
            return
        instructions = entry.get("Instructions")
        if not isinstance(instructions, list):
            yield _reject(raw.key, "no instructions", "an API entry lists its requests under 'Instructions'", entry)
            return
        name = _storable(entry["Name"]) if isinstance(entry.get("Name"), str) and entry["Name"] else raw.key
        stem = raw.key.rsplit(":", 1)[0]
        answers: list[Any] | None
        answers_error: SourceError | None = None
        try:
            answers, kind = _answers(entry)
        except SourceError as error:  # still one reject per instruction, so the count stays per instruction
            answers, kind, answers_error = None, "answers", error
        tools: tuple[ToolSpec, ...] | SourceError
        try:
            tools = api_tools(entry)
        except SourceError as error:
            tools = error
        except _MALFORMED as error:
            tools = SourceError("unreadable tool documentation", f"{type(error).__name__}: {error}"[:500])
        context = {"api": name, "category": entry.get("Category", ""), "file": stem}
        for index, instruction in enumerate(instructions):
            answer = answers[index] if answers is not None and index < len(answers) else None
            record_id = f"toolalpaca:{stem}/{name}/{index}"
            try:
                if answers_error is not None:
                    raise answers_error
                if isinstance(tools, SourceError):
                    raise tools
                yield self._trajectory(record_id, instruction, answer, kind, tools, {**context, "index": index})
            except SourceError as error:
                yield _reject(record_id, error.reason, error.detail, {"instruction": instruction, "answer": answer})
            except _MALFORMED as error:
                detail = f"{type(error).__name__}: {error}"[:2000]
                yield _reject(record_id, "malformed record", detail, {"instruction": instruction, "answer": answer})
        for index in range(len(instructions), len(answers or [])):
            record_id = f"toolalpaca:{stem}/{name}/{index}"
            detail = f"{kind} has {len(answers or [])} items for {len(instructions)} instructions"
            yield _reject(record_id, "answer without instruction", detail, {"answer": (answers or [])[index]})

    def _trajectory(
        self,
        record_id: str,
        instruction: Any,
        answer: Any,
        kind: str,
        tools: tuple[ToolSpec, ...],
        meta: dict[str, Any],
    ) -> Trajectory:
        if not isinstance(instruction, str) or not instruction.strip():
            raise SourceError("empty instruction", "an instruction is a non-empty string")
        if answer is None:
            raise SourceError("no answer for instruction", f"the entry has no {kind} item for this instruction")
        required = {tool.name: set(tool.parameters.get("required", [])) for tool in tools}
        if kind == "Instances":
            messages = _instance_messages(instruction, answer, required, meta)
        else:
            messages = _golden_messages(instruction, answer, required, meta)
        source_id = record_id.removeprefix(f"{self.name}:")
        meta = {key: value for key, value in meta.items() if value not in (None, [], {})}
        return trajectory(self.name, source_id, messages, tools, LICENSE, str(meta["file"]), meta)


def _answers(entry: dict[str, Any]) -> tuple[list[Any] | None, str]:
    """The items aligned with Instructions: Instances when present (they carry observations), else golden."""
    for key in ("Instances", "Golden_Answers"):
        if key in entry:
            value = entry[key]
            if not isinstance(value, list):
                raise SourceError(f"bad {key}", f"'{key}' must be a list aligned with 'Instructions'")
            return value, key
    return None, "Golden_Answers or Instances"


def _golden_messages(
    instruction: str, steps: Any, required: dict[str, set[str]], meta: dict[str, Any]
) -> list[Message]:
    if not isinstance(steps, list) or not steps:
        raise SourceError("bad golden answer", "a golden answer is a non-empty list of {Action, Action_Input} steps")
    calls = []
    for index, step in enumerate(steps):
        if not isinstance(step, dict) or not isinstance(step.get("Action"), str):
            raise SourceError("bad golden answer", f"step {index} has no 'Action'")
        action = step["Action"]
        if _OPTIONAL_ACTION.match(action):
            action = _OPTIONAL_ACTION.sub("", action)
            meta.setdefault("optional_steps", []).append(index)
        calls.append(_call(action, step.get("Action_Input"), required, meta, index))
    meta["golden_steps"] = len(steps)
    return [Message(role="user", content=instruction), Message(role="assistant", tool_calls=tuple(calls))]


def _instance_messages(
    instruction: str, instance: Any, required: dict[str, set[str]], meta: dict[str, Any]
) -> list[Message]:
    if not isinstance(instance, dict):
        raise SourceError("bad instance", f"an instance is an object, not {type(instance).__name__}")
    if "error" in instance:
        raise SourceError("generation failed upstream", str(instance["error"])[:2000])
    given = instance.get("input")
    question = (given if isinstance(given, str) else instruction).rsplit("\nHint: ", 1)[0]  # as build_dataset.py
    steps = instance.get("intermediate_steps") or []
    if not isinstance(steps, list):
        raise SourceError("bad intermediate step", "'intermediate_steps' must be a list")
    messages = [Message(role="user", content=question)]
    final: str | None = None
    for index, step in enumerate(steps):
        action, action_input, thought, observation = _step_parts(step, index)
        thought = _thought_text(thought)
        invented = _INVENTED_USER.search(thought)
        if invented:  # the model answered, then wrote a user turn itself: keep the answer, drop the rest
            final = thought[: invented.start()].strip()
            meta["cut_invented_user_turn"] = f"at step {index} of {len(steps)}"
            break
        call = _call(action, action_input, required, meta, index)
        messages.append(Message(role="assistant", content=thought, tool_calls=(call,)))
        messages.append(Message(role="tool", name=call.name, content=observation))
    if final is None:
        output = instance.get("output")
        if not isinstance(output, str):
            raise SourceError("no final answer", "the instance has no 'output' text")
        invented = _INVENTED_USER.search(output)
        if invented:
            meta["cut_invented_user_turn"] = "in the output"
        final = output[: invented.start()].strip() if invented else output.strip()
    if not final:
        raise SourceError("no final answer", "the final answer is empty")
    messages.append(Message(role="assistant", content=final))
    if isinstance(instance.get("Final Thought"), str):
        meta["final_thought"] = instance["Final Thought"]
    return messages


def _step_parts(step: Any, index: int) -> tuple[str, Any, str, str]:
    """[[action, action_input, thought], observation] -> its four parts, checked."""
    shape_ok = (
        isinstance(step, list)
        and len(step) == 2
        and isinstance(step[0], list)
        and len(step[0]) == 3
        and isinstance(step[0][0], str)
        and isinstance(step[0][2], str)
    )
    if not shape_ok:
        raise SourceError("bad intermediate step", f"step {index}: expected [[action, input, thought], observation]")
    observation = step[1] if isinstance(step[1], str) else json.dumps(step[1], ensure_ascii=False)
    return step[0][0], step[0][1], step[0][2], observation


def _thought_text(text: str) -> str:
    """The thought without its ReAct tail ("\\nASSISTANT Action: ...", or "\\nAction: ..." upstream)."""
    for marker in _REACT_TAIL:
        cut = text.rfind(marker)
        if cut >= 0:
            text = text[:cut]
            break
    else:
        if re.match(r"\s*(?:ASSISTANT\s+)?Action:", text):
            text = ""
    return _LEADING_THOUGHT.sub("", text).strip()


def _call(action: str, action_input: Any, required: dict[str, set[str]], meta: dict[str, Any], step: int) -> ToolCall:
    if not action.strip():
        raise SourceError("empty action", f"step {step} names no function")
    arguments = parse_action_input(action_input, meta, step)
    unset = [key for key, value in arguments.items() if value in ("", None) and key not in required.get(action, set())]
    if unset:
        meta.setdefault("dropped_unset_arguments", []).append({"step": step, "arguments": unset})
    return ToolCall(name=action, arguments={key: value for key, value in arguments.items() if key not in unset})


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_action_input(text: Any, meta: dict[str, Any] | None = None, step: int = 0) -> dict[str, Any]:
    """The arguments in an Action_Input string; raises SourceError with the reason it cannot be read."""
    if isinstance(text, dict):
        return text
    if not isinstance(text, str):
        raise SourceError("bad Action_Input", f"step {step}: expected a JSON string, got {type(text).__name__}")
    stripped = text.strip()
    # "${animeId from searchAnime}", "${string}": a value the golden answer leaves to be filled in, even when
    # it sits inside a JSON string. No call can be checked against it.
    if _PLACEHOLDER.search(stripped):
        raise SourceError("Action_Input holds a placeholder", f"step {step}: {stripped[:300]}")
    try:
        value = json.loads(stripped, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        start = stripped.find("{")
        try:
            if start < 0:
                raise ValueError("no JSON object") from None
            value, _ = json.JSONDecoder(parse_constant=_no_constants).raw_decode(stripped[start:])
        except (ValueError, RecursionError):
            raise SourceError("bad Action_Input JSON", f"step {step}: {stripped[:300]}") from None
        if meta is not None:
            meta.setdefault("repaired_action_inputs", []).append(step)
    if not isinstance(value, dict):
        raise SourceError("bad Action_Input", f"step {step}: expected a JSON object, got {type(value).__name__}")
    return value


def _reject(record_id: str, reason: str, detail: str, raw_value: Any) -> Reject:
    return Reject(record_id=_storable(record_id), reason=reason, detail=_storable(detail), raw=_raw_text(raw_value))


def _storable(text: str) -> str:
    """``text`` as UTF-8 can hold it: a lone surrogate (from a "\\ud800" escape) is kept as that escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _raw_text(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, TypeError, RecursionError):
        text = repr(value)
    return _storable(text[:RAW_LIMIT])
