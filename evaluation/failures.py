"""Which model outputs failed a BFCL task, checked with the studio's checker, as rejected candidates.

- Single-turn (AST) records: the whole output is checked by curation.scoring.bfcl_scoring.score_output against
  BFCL's possible answer (every acceptable value), so an output BFCL would accept is never a "rejected" response.
- Multi-turn records: each turn of the output is checked on its own against that turn's ground-truth calls by the
  `score` step's rule; the first turn that fails is the rejected turn, judged in the context of the ground truth's
  earlier turns (the chosen and rejected responses must share their history).
- Perturbations (when there are no model outputs): the `perturb` sampling backend's error operators, each result
  checked the same way; only those that fail become rejected candidates.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from curation.schema import Candidate, ErrorType, SampledTask, Task, ToolCall, content_hash
from curation.scoring.bfcl_scoring import BadOutput, decoded_calls, score_output
from curation.scoring.check import CheckOptions
from curation.scoring.parse import parse_response, render_calls
from curation.sources.bfcl import BfclRecord, parse_call_string
from curation.steps.score import ScoreStep
from evaluation.outputs import ModelOutput

CHECK_OPTIONS = CheckOptions()


@dataclass(frozen=True)
class Failure:
    """A rejected response for one task: the candidate, why the checker rejected it, where it came from."""

    task: Task
    candidate: Candidate
    error_type: ErrorType | None
    detail: str
    bfcl_error_type: str | None = None


def _json_arguments(value: Any) -> Any:
    """FC models' BFCL results give arguments as JSON text ({"fn": "{\\"a\\": 1}"}); read them as objects."""
    if isinstance(value, list):
        converted = []
        for item in value:
            if isinstance(item, dict) and len(item) == 1:
                ((name, arguments),) = item.items()
                if isinstance(arguments, str):
                    with contextlib.suppress(json.JSONDecodeError):  # not JSON: left as text, the check says why
                        arguments = json.loads(arguments)
                converted.append({name: arguments})
            else:
                converted.append(item)
        return converted
    return value


def _candidate(task: Task, origin: str, text: str, calls: Sequence[ToolCall], parse_error: str | None) -> Candidate:
    return Candidate(
        id=content_hash({"task": task.id, "origin": origin, "text": text}, 16),
        task_id=task.id,
        origin=origin,
        text=text,
        calls=tuple(calls),
        parse_error=parse_error,
    )


def _as_text(raw: Any) -> str:
    return raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)


def ast_failure(record: BfclRecord, task: Task, output: ModelOutput, skipped: Counter[str]) -> Failure | None:
    """The output as a rejected candidate when the checker rejects it, else None (a pass or an unusable line)."""
    decoded = output.decoded if isinstance(output.decoded, list) else None
    raw = _json_arguments(output.raw)
    if decoded is None and isinstance(raw, list):
        decoded = raw
    line: dict[str, Any] = {"id": record.id}
    if decoded is not None:
        line["output"] = decoded
    elif isinstance(raw, str):
        line["text"] = raw
    else:
        skipped["output neither text nor decoded calls"] += 1
        return None
    try:
        score = score_output(record, line, CHECK_OPTIONS)
    except BadOutput as error:
        skipped[f"unusable output: {error}"] += 1
        return None
    if score.exact:
        skipped["output passes the checker"] += 1
        return None
    if decoded is not None:
        calls, parse_error = decoded_calls(decoded), None
        text = raw if isinstance(raw, str) else render_calls(calls)
    else:
        parsed = parse_response(line["text"])
        calls, parse_error, text = parsed.calls, parsed.error, line["text"]
    candidate = _candidate(task, output.model, text, calls, parse_error)
    return Failure(task, candidate, score.error_type, score.detail, output.bfcl_error_type)


def _turn_calls(turn: Any, param_order: dict[str, list[str]]) -> tuple[tuple[ToolCall, ...], str | None, str]:
    """A multi-turn output's turn (its steps: raw texts, decoded call lists or call strings) as calls."""
    steps = turn if isinstance(turn, list) else [turn]
    calls: list[ToolCall] = []
    texts: list[str] = []
    for step in steps:
        if isinstance(step, str):
            texts.append(step)
            try:  # BFCL's decoded multi-turn form: one Python call string per call
                calls.append(parse_call_string(step, param_order))
                continue
            except ValueError:
                pass
            parsed = parse_response(step)
            if parsed.error is not None:
                return (), parsed.error, "\n".join(texts)
            calls.extend(parsed.calls)
        elif isinstance(step, list | dict):
            items = step if isinstance(step, list) else [step]
            nested = [item for item in items if isinstance(item, list)]
            if nested:  # a step of several call strings
                more, error, text = _turn_calls(items, param_order)
                if error is not None:
                    return (), error, text
                calls.extend(more)
                texts.append(text)
                continue
            try:
                calls.extend(decoded_calls(_json_arguments(items), "step"))
            except BadOutput as error:
                return (), str(error), _as_text(step)
            texts.append(_as_text(step))
        else:
            return (), f"a step of type {type(step).__name__}", _as_text(step)
    return tuple(calls), None, "\n".join(texts)


def multi_turn_failure(
    record: BfclRecord, tasks_by_turn: dict[int, Task], output: ModelOutput, skipped: Counter[str]
) -> Failure | None:
    """The first turn of the output that the checker rejects, as a rejected candidate for that turn's task."""
    turns = output.decoded if isinstance(output.decoded, list) else output.raw
    if not isinstance(turns, list):
        skipped["multi-turn output is not a list of turns"] += 1
        return None
    param_order = {
        function["name"]: list((function.get("parameters") or {}).get("properties") or {})
        for function in record.raw_functions
    }
    scorer = ScoreStep()
    for index, turn in enumerate(turns[: len(record.turn_answers or ())]):
        task = tasks_by_turn.get(index)
        calls, parse_error, text = _turn_calls(turn, param_order)
        if task is None:  # a turn whose right answer is no call: not a TRBench pair
            continue
        candidate = _candidate(task, output.model, text or render_calls(calls), calls, parse_error)
        score = scorer.score_task(SampledTask(task=task, candidates=(candidate,))).scores[0]
        if not score.exact:
            return Failure(task, candidate, score.error_type, score.detail, output.bfcl_error_type)
    skipped["output passes the checker"] += 1
    return None


def perturb_failures(
    records: dict[str, BfclRecord], tasks: Sequence[Task], per_task: int, seed: int
) -> tuple[list[Failure], Counter[str]]:
    """``per_task`` perturbed candidates per task (error operators only), kept where the checker rejects them."""
    from curation.sampling.base import Policy
    from curation.sampling.sampler import sample_policy

    policy = Policy(name="trbench-perturb", backend="perturb", n=per_task, seed=seed, options={"correct_samples": 0})
    counts: Counter[str] = Counter()
    scorer = ScoreStep()
    failures = []
    by_id = {task.id: task for task in tasks}
    for task_id, candidates in sample_policy(list(tasks), policy).items():
        task = by_id[task_id]
        record = records[task_id]
        for candidate in candidates:
            if record.possible_answer is not None and candidate.parse_error is None:
                output = [{call.name: call.arguments} for call in candidate.calls]
                score = score_output(record, {"id": record.id, "output": output}, CHECK_OPTIONS)
                exact, error_type, detail = score.exact, score.error_type, score.detail
            else:
                scored = scorer.score_task(SampledTask(task=task, candidates=(candidate,))).scores[0]
                exact, error_type, detail = scored.exact, scored.error_type, scored.detail
            if exact:
                counts["perturbation the checker accepts"] += 1
                continue
            failures.append(Failure(task, candidate, error_type, detail))
    return failures, counts
