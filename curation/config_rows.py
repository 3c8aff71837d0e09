"""One row builder and one Arrow schema per release config (`pairs`, `genrm_think`, `genrm_no_think`, `disc`,
`trl`). Used by the `format` step (curation/steps/format.py), which owns the public API.

Every schema is explicit, so that every parquet file of a config has the same columns and types whatever rows
it holds. Free-form JSON (tool schemas, tool-call arguments) is stored as JSON text: Arrow would otherwise merge
the keys of all rows into one struct.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from curation.genrm import GenrmVariant, render_prompt_text
from curation.render import (
    candidate_message,
    chat_message,
    message_text,
    openai_tools,
    tool_json,
    tools_text,
    transcript,
    with_tools_in_system,
)
from curation.schema import Candidate, Pair, Task

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


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class TaskParts:
    """Everything the rows of one task share, rendered once (a task has several pairs, each five rows)."""

    tools_json: str  # pairs: [{"name", "description", "parameters"}]
    history_json: str  # pairs: chat messages
    history: list[dict[str, Any]]  # trl: the prompt
    context: list[dict[str, Any]]  # disc: the history with the tools folded into its system message
    openai_tools_json: str  # trl: tools for the chat template
    tools_text: str  # genrm
    conversation: str  # genrm


def task_parts(task: Task) -> TaskParts:
    history = [chat_message(message) for message in task.history]
    return TaskParts(
        tools_json=_json([tool_json(tool) for tool in task.tools]),
        history_json=_json(history),
        history=history,
        context=[chat_message(message) for message in with_tools_in_system(task.tools, task.history)],
        openai_tools_json=_json(openai_tools(task.tools)),
        tools_text=tools_text(task.tools),
        conversation=transcript(task.history) or "(empty)",
    )


@dataclass(frozen=True)
class Turn:
    """One side of a pair as the rows show it: a chat message, and its text for a critique prompt."""

    message: dict[str, Any]
    text: str


def turn(candidate: Candidate) -> Turn:
    message = candidate_message(candidate)
    return Turn(chat_message(message), message_text(message) or "(empty response)")


@dataclass(frozen=True)
class PairView:
    pair: Pair
    task: TaskParts
    chosen: Turn
    rejected: Turn

    @property
    def split(self) -> str:
        if self.pair.split is None:
            raise ValueError(f"pair {self.pair.pair_id} has no split: format the output of `balance`")
        return self.pair.split

    @property
    def error_type(self) -> str | None:
        return self.pair.error_type.value if self.pair.error_type else None


def pair_view(pair: Pair, parts: TaskParts | None = None) -> PairView:
    return PairView(pair, parts or task_parts(pair.task), turn(pair.chosen), turn(pair.rejected))


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
        "kind": pair.kind.value,
        "complexity": pair.complexity,
        "intensity": pair.intensity,
        "intensity_bin": pair.intensity_bin,
        "error_type": view.error_type,
        "tools": view.task.tools_json,
        "history": view.task.history_json,
        "chosen": _json(view.chosen.message),
        "rejected": _json(view.rejected.message),
        "chosen_origin": pair.chosen.origin,
        "rejected_origin": pair.rejected.origin,
        "chosen_score": pair.chosen_score.similarity,
        "rejected_score": pair.rejected_score.similarity,
        "chosen_exact": pair.chosen_score.exact,
        "rejected_exact": pair.rejected_score.exact,
        "rejected_detail": pair.rejected_score.detail,
        "license": task.license,
        "record": pair.model_dump_json(),
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
    prompt = render_prompt_text(
        variant,
        tools=view.task.tools_text,
        conversation=view.task.conversation,
        response_1=first.text,
        response_2=second.text,
    )
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
            "kind": pair.kind.value,
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
