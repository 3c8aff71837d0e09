"""One row builder and one Arrow schema per release config (`pairs`, `genrm_think`, `genrm_no_think`, `disc`,
`trl`). Used by the `format` step (curation/steps/format.py), which owns the public API.

Every schema is explicit, so that every parquet file of a config has the same columns and types whatever rows
it holds. Free-form JSON (tool schemas, tool-call arguments) is stored as JSON text: Arrow would otherwise merge
the keys of all rows into one struct.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from curation.genrm import GENRM_VARIANTS, GenrmVariant, TaskPrompt, task_prompt
from curation.memo import BoundedMemo
from curation.render import (
    arguments_texts,
    candidate_message,
    chat_message,
    json_list_text,
    message_text,
    openai_tool_text,
    template_json,
    tool_json_texts,
    transcript,
    with_tools_text_in_system,
)
from curation.schema import Candidate, Pair, Task, ToolSpec

# A chat message as chat templates read it (curation.render.chat_message); arguments are JSON text.
MESSAGE_TYPE = pa.struct(
    [
        ("role", pa.string()),
        ("content", pa.string()),
        (
            "tool_calls",
            pa.list_(
                pa.struct(
                    [
                        ("type", pa.string()),
                        ("function", pa.struct([("name", pa.string()), ("arguments", pa.string())])),
                    ]
                )
            ),
        ),
        ("name", pa.string()),
        ("tool_call_id", pa.string()),
    ]
)
MESSAGES_TYPE = pa.list_(MESSAGE_TYPE)
SIDES_TYPE = pa.struct([("chosen", pa.float64()), ("rejected", pa.float64())])
ORIGINS_TYPE = pa.struct([("chosen", pa.string()), ("rejected", pa.string())])

PAIRS_SCHEMA = pa.schema(
    [
        ("pair_id", pa.string()),
        ("split", pa.string()),
        ("source", pa.string()),
        ("subset", pa.string()),
        ("task_id", pa.string()),
        ("trajectory_id", pa.string()),
        ("turn", pa.int64()),
        ("kind", pa.string()),
        ("complexity", pa.int64()),
        ("intensity", pa.float64()),
        ("intensity_bin", pa.int64()),
        ("error_type", pa.string()),
        ("tools", pa.string()),  # JSON: [{"name", "description", "parameters"}]
        ("history", pa.string()),  # JSON: chat messages
        ("chosen", pa.string()),  # JSON: the chosen assistant turn as a chat message
        ("rejected", pa.string()),
        ("chosen_origin", pa.string()),
        ("rejected_origin", pa.string()),
        ("chosen_score", pa.float64()),
        ("rejected_score", pa.float64()),
        ("chosen_exact", pa.bool_()),
        ("rejected_exact", pa.bool_()),
        ("rejected_detail", pa.string()),
        ("license", pa.string()),
        ("record", pa.string()),  # the whole Pair as JSON: everything, for re-formatting after review
    ]
)
GENRM_SCHEMA = pa.schema(
    [
        ("data_source", pa.string()),
        ("prompt", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))),
        ("ability", pa.string()),
        ("reward_model", pa.struct([("ground_truth", pa.string()), ("style", pa.string())])),
        (
            "extra_info",
            pa.struct(
                [
                    ("index", pa.int64()),
                    ("split", pa.string()),
                    ("pair_id", pa.string()),
                    ("task_id", pa.string()),
                    ("task_source", pa.string()),
                    ("subset", pa.string()),
                    ("kind", pa.string()),
                    ("variant", pa.string()),
                    ("swapped", pa.bool_()),
                    ("scores", SIDES_TYPE),
                    ("origins", ORIGINS_TYPE),
                    ("intensity", pa.float64()),
                    ("intensity_bin", pa.int64()),
                    ("error_type", pa.string()),
                    ("complexity", pa.int64()),
                ]
            ),
        ),
    ]
)
DISC_SCHEMA = pa.schema(
    [
        ("pair_id", pa.string()),
        ("split", pa.string()),
        ("chosen", MESSAGES_TYPE),
        ("rejected", MESSAGES_TYPE),
        ("margin", pa.float64()),
        ("chosen_score", pa.float64()),
        ("rejected_score", pa.float64()),
        ("source", pa.string()),
        ("error_type", pa.string()),
    ]
)
TRL_SCHEMA = pa.schema(
    [
        ("pair_id", pa.string()),
        ("split", pa.string()),
        ("prompt", MESSAGES_TYPE),
        ("chosen", MESSAGES_TYPE),
        ("rejected", MESSAGES_TYPE),
        ("tools", pa.string()),  # JSON text of OpenAI-style tools; TRL's trainers json.loads a string column
        ("source", pa.string()),
    ]
)
SCHEMAS: dict[str, pa.Schema] = {
    "pairs": PAIRS_SCHEMA,
    "genrm_think": GENRM_SCHEMA,
    "genrm_no_think": GENRM_SCHEMA,
    "disc": DISC_SCHEMA,
    "trl": TRL_SCHEMA,
}


@dataclass(frozen=True)
class TaskParts:
    """Everything the rows of one task share, rendered once (a task has several pairs, each five rows)."""

    tools_json: str  # pairs: [{"name", "description", "parameters"}]
    history_json: str  # pairs: chat messages
    history: list[dict[str, Any]]  # trl: the prompt
    context: list[dict[str, Any]]  # disc: the history with the tools folded into its system message
    openai_tools_json: str  # trl: tools for the chat template
    prompts: dict[GenrmVariant, TaskPrompt]  # genrm: the critique prompt with the tools and conversation in
    task_json: str  # pairs: the task as the Pair's JSON holds it


class ToolTexts:
    """``tool_json`` of a tool as JSON text, remembered across tasks: the tasks of a source share few tools, and
    dropping the ``x-`` annotations and writing a schema costs far more than looking it up.

    Keyed by the tool's own JSON (pydantic writes it fast), so that only an identical tool gives the same text.
    """

    def __init__(self, size: int = 1024) -> None:
        self._texts: BoundedMemo[str, str] = BoundedMemo(size)

    def __call__(self, tool: ToolSpec) -> str:
        return self._texts.get_or_make(tool.model_dump_json(), lambda: tool_json_texts([tool])[0])


def task_parts(task: Task, tool_text: Callable[[ToolSpec], str] | None = None) -> TaskParts:
    """What the rows of one task share; ``tool_text`` (a ``ToolTexts``) reuses tool texts across tasks."""
    # Each tool is serialized once; the list forms are spliced from those texts (same bytes as json.dumps of the
    # lists, see curation/render.py), since tool schemas are most of a task's text.
    tool_texts = [tool_text(tool) for tool in task.tools] if tool_text else tool_json_texts(task.tools)
    openai_texts = [openai_tool_text(text) for text in tool_texts]
    rendered_tools = "\n".join(openai_texts)  # what tools_text(task.tools) gives
    history = [chat_message(message) for message in task.history]
    context = with_tools_text_in_system(rendered_tools, task.history)
    conversation = transcript(task.history) or "(empty)"
    return TaskParts(
        tools_json=json_list_text(tool_texts),
        history_json=template_json(history),
        history=history,
        # Only the system message changes when the tools are folded in: the rest reuses the history's messages.
        context=[chat_message(context[0]), *history[len(history) - len(context) + 1 :]] if context else [],
        openai_tools_json=json_list_text(openai_texts),
        prompts={
            variant: task_prompt(variant, tools=rendered_tools, conversation=conversation) for variant in GENRM_VARIANTS
        },
        task_json=task.model_dump_json(),
    )


@dataclass(frozen=True)
class Turn:
    """One side of a pair as the rows show it: a chat message (also as JSON text), and its text for a critique
    prompt. A candidate takes part in several pairs of its task, so its Turn is worth keeping."""

    message: dict[str, Any]
    message_json: str
    text: str


def turn(candidate: Candidate) -> Turn:
    message = candidate_message(candidate)
    arguments = arguments_texts(message)
    chat = chat_message(message, arguments)
    return Turn(chat, template_json(chat), message_text(message, arguments) or "(empty response)")


@dataclass(frozen=True)
class PairView:
    pair: Pair
    task: TaskParts
    chosen: Turn
    rejected: Turn
    split: str
    error_type: str | None
    kind: str


def pair_view(pair: Pair, parts: TaskParts | None = None, turns: Callable[[Candidate], Turn] = turn) -> PairView:
    """What the rows of one pair are made of; ``parts`` and ``turns`` let a caller reuse what it rendered before."""
    if pair.split is None:
        raise ValueError(f"pair {pair.pair_id} has no split: format the output of `balance`")
    return PairView(
        pair,
        parts or task_parts(pair.task),
        turns(pair.chosen),
        turns(pair.rejected),
        split=pair.split,
        error_type=pair.error_type.value if pair.error_type else None,
        kind=pair.kind.value,
    )


# Pair fields are written in declaration order; the task's JSON goes right before this field's key.
_AFTER_TASK = list(Pair.model_fields)[list(Pair.model_fields).index("task") + 1]


def pair_json(pair: Pair, task_json: str) -> str:
    """``pair.model_dump_json()`` with the task's JSON (``task_json``, written once per task) spliced in.

    The task is most of a pair's JSON and is shared by all the pairs of the task. The first ``,"<key>":`` in
    the JSON of the fields before it ends them, since a JSON string holds no unescaped quote.
    """
    rest = pair.model_dump_json(exclude={"task"})
    cut = rest.index(f',"{_AFTER_TASK}":')
    return f'{rest[:cut]},"task":{task_json}{rest[cut:]}'


def pairs_row(view: PairView) -> dict[str, Any]:
    pair, task = view.pair, view.pair.task
    return {
        "pair_id": pair.pair_id,
        "split": view.split,
        "source": pair.source,
        "subset": pair.subset,
        "task_id": task.id,
        "trajectory_id": task.trajectory_id,
        "turn": task.turn,
        "kind": view.kind,
        "complexity": pair.complexity,
        "intensity": pair.intensity,
        "intensity_bin": pair.intensity_bin,
        "error_type": view.error_type,
        "tools": view.task.tools_json,
        "history": view.task.history_json,
        "chosen": view.chosen.message_json,
        "rejected": view.rejected.message_json,
        "chosen_origin": pair.chosen.origin,
        "rejected_origin": pair.rejected.origin,
        "chosen_score": pair.chosen_score.similarity,
        "rejected_score": pair.rejected_score.similarity,
        "chosen_exact": pair.chosen_score.exact,
        "rejected_exact": pair.rejected_score.exact,
        "rejected_detail": pair.rejected_score.detail,
        "license": task.license,
        "record": pair_json(pair, view.task.task_json),
    }


def genrm_row(
    view: PairView, variant: GenrmVariant, *, swapped: bool, data_source: str, ability: str
) -> dict[str, Any]:
    """A verl row: the chosen turn is Response 1, or Response 2 when ``swapped`` (then the label is "2").

    ``extra_info.index`` is the row's position in its parquet file: ``write_configs`` sets it (None until then),
    so that formatting stays a pure function of each pair.
    """
    pair = view.pair
    first, second = (view.rejected, view.chosen) if swapped else (view.chosen, view.rejected)
    prompt = view.task.prompts[variant].render(first.text, second.text)
    return {
        "data_source": data_source,
        "prompt": [{"role": "user", "content": prompt}],
        "ability": ability,
        "reward_model": {"ground_truth": "2" if swapped else "1", "style": "rule"},
        "extra_info": {
            "index": None,
            "split": view.split,
            "pair_id": pair.pair_id,
            "task_id": pair.task.id,
            "task_source": pair.source,
            "subset": pair.subset,
            "kind": view.kind,
            "variant": variant,
            "swapped": swapped,
            "scores": {"chosen": pair.chosen_score.similarity, "rejected": pair.rejected_score.similarity},
            "origins": {"chosen": pair.chosen.origin, "rejected": pair.rejected.origin},
            "intensity": pair.intensity,
            "intensity_bin": pair.intensity_bin,
            "error_type": view.error_type,
            "complexity": pair.complexity,
        },
    }


def disc_row(view: PairView) -> dict[str, Any]:
    """OpenRLHF train_rm: full conversations, the tools folded into the system message (it passes no tools)."""
    pair = view.pair
    return {
        "pair_id": pair.pair_id,
        "split": view.split,
        "chosen": [*view.task.context, view.chosen.message],
        "rejected": [*view.task.context, view.rejected.message],
        "margin": pair.intensity,
        "chosen_score": pair.chosen_score.similarity,
        "rejected_score": pair.rejected_score.similarity,
        "source": pair.source,
        "error_type": view.error_type,
    }


def trl_row(view: PairView) -> dict[str, Any]:
    """TRL's conversational preference format with an explicit prompt; tools go to the chat template."""
    return {
        "pair_id": view.pair.pair_id,
        "split": view.split,
        "prompt": view.task.history,
        "chosen": [view.chosen.message],
        "rejected": [view.rejected.message],
        "tools": view.task.openai_tools_json,
        "source": view.pair.source,
    }
