"""`toolpref eval`: score a reward model on a TRBench benchmark and write the report.

GenRM: every row's critique prompt is answered once; the choice is parsed by curation.genrm.parse_choice (strict,
then loose); a pair is right only when both of its orders are. DiscRM: each pair's chosen and rejected
conversations are scored; right iff chosen > rejected. The report (JSON, markdown, one prediction per line) is
written by evaluation/report.py.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from curation.genrm import ChoiceResult, parse_choice
from evaluation.bench import Bench, BenchError, BenchPair
from evaluation.judges import Conversation, Generator, SequenceScorer
from evaluation.metrics import JudgedRow, PairOutcome, accuracy, disc_outcome, genrm_outcomes, parse_rates, token_stats

NO_CHOICE = ChoiceResult(choice=None, strict=False)


def evaluate_gen(bench: Bench, generator: Generator) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Metrics and per-row predictions of a GenRM on every row of the benchmark."""
    pairs = bench.pairs()
    rows = [row for pair in pairs for row in (pair.original, pair.swapped) if row is not None]
    if not rows:
        raise BenchError(f"{bench.path}: no rows to judge")
    completions = generator.generate([_prompt(row) for row in rows])
    if len(completions) != len(rows):
        raise RuntimeError(f"the judge returned {len(completions)} answers for {len(rows)} prompts")
    judged = []
    predictions = []
    for row, completion in zip(rows, completions, strict=True):
        label = int(str(row["reward_model"]["ground_truth"]).strip())
        result = parse_choice(completion.text) if completion.error is None else NO_CHOICE
        item = JudgedRow(
            uuid=int(row["uuid"]),
            category=str(row["task_source"]),
            label=label,
            result=result,
            output_tokens=completion.output_tokens,
            error=completion.error,
        )
        judged.append(item)
        predictions.append(
            {
                "uuid": item.uuid,
                "index": (row.get("extra_info") or {}).get("index"),
                "category": item.category,
                "label": label,
                "choice": result.choice,
                "strict": result.strict,
                "correct": item.correct,
                "output_tokens": completion.output_tokens,
                "error": completion.error,
                "output": completion.text,
            }
        )
    outcomes, incomplete = genrm_outcomes(judged)
    metrics = {
        **accuracy(outcomes),
        "incomplete_pairs": incomplete,
        "row_accuracy": round(100.0 * sum(r.correct for r in judged) / len(judged), 2),
        "parse": parse_rates(judged),
        "output_tokens": token_stats(r.output_tokens for r in judged),
    }
    return metrics, predictions


def _prompt(row: dict[str, Any]) -> Conversation:
    prompt = row.get("prompt")
    if not isinstance(prompt, list) or not prompt:
        raise BenchError(f"row uuid={row.get('uuid')} has no prompt messages")
    return [{"role": m["role"], "content": m["content"]} for m in prompt]


def disc_conversations(row: dict[str, Any]) -> tuple[Conversation, Conversation]:
    """The chosen and rejected conversations of a pair, formatted as the ``disc`` release config formats them
    (tools in the system message, turns as structured chat messages) when the row carries our extra fields;
    otherwise TRBench's own ``chat_history`` + the response text, as the released benchmark is used."""
    extra = row.get("extra_info") or {}
    if extra.get("history") is not None and extra.get("chosen_message") and extra.get("tools") is not None:
        from curation.render import chat_message, with_tools_in_system
        from curation.schema import Message, ToolSpec

        tools = [ToolSpec.model_validate(tool) for tool in json.loads(extra["tools"])]
        history = [_message(m, Message) for m in json.loads(extra["history"])]
        context = [chat_message(m) for m in with_tools_in_system(tools, history)]
        return (
            [*context, json.loads(extra["chosen_message"])],
            [*context, json.loads(extra["rejected_message"])],
        )
    history = [{"role": m["role"], "content": m["content"]} for m in row["chat_history"]]
    return (
        [*history, {"role": "assistant", "content": row["chosen_response"]}],
        [*history, {"role": "assistant", "content": row["reject_response"]}],
    )


def _message(data: dict[str, Any], message_class: Any) -> Any:
    """A chat message (curation.render.chat_message's form) back as a Message."""
    from curation.schema import ToolCall

    calls = tuple(
        ToolCall(name=call["function"]["name"], arguments=json.loads(call["function"]["arguments"] or "{}"))
        for call in data.get("tool_calls") or ()
    )
    return message_class(
        role=data["role"],
        content=data.get("content") or "",
        tool_calls=calls,
        name=data.get("name"),
        tool_call_id=data.get("tool_call_id"),
    )


def evaluate_disc(bench: Bench, scorer: SequenceScorer) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Metrics and per-pair predictions of a DiscRM: one score for each side of every pair."""
    pairs: Sequence[BenchPair] = bench.pairs()
    conversations: list[Conversation] = []
    for pair in pairs:
        conversations.extend(disc_conversations(pair.any_row))
    scores = scorer.score(conversations)
    outcomes: list[PairOutcome] = []
    predictions = []
    for index, pair in enumerate(pairs):
        chosen, rejected = scores[2 * index], scores[2 * index + 1]
        outcome = disc_outcome(pair.uuid, pair.category, chosen, rejected)
        outcomes.append(outcome)
        predictions.append(
            {
                "uuid": pair.uuid,
                "category": pair.category,
                "chosen_score": chosen,
                "rejected_score": rejected,
                "correct": outcome.correct,
            }
        )
    margins = [scores[2 * i] - scores[2 * i + 1] for i in range(len(pairs))]
    metrics = {
        **accuracy(outcomes),
        "ties": sum(1 for m in margins if m == 0),
        "mean_margin": round(sum(margins) / len(margins), 6) if margins else None,
    }
    return metrics, predictions


def model_label(model: str) -> str:
    path = Path(model)
    return path.name if path.exists() else model.replace("/", "--")
