"""`toolpref eval bon`: Best-of-N. A reward model picks one of N sampled candidates per task; the pick is scored
with the checker; the report sets its accuracy beside the first sample's and the oracle's (any of the N right).

Tasks come from a pipeline run: the ``score`` step's output when the run has one, else ``sample``'s (both hold
each task with its candidates; the ground truth is left out). Every candidate is checked again with the `score`
step's rule (curation/steps/score.py), so the numbers never depend on a stale score.

How the RM picks:
- disc: the highest score of the conversation + candidate (formatted as the ``disc`` release config); ties go to
  the earlier candidate.
- gen [ours]: a knock-out: the first candidate is the champion; each next candidate challenges it and takes its
  place only when the judge prefers it in both orders (the benchmark's two-order rule). N−1 rounds, each batched
  over all tasks, two answers per task and round.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curation.genrm import GenrmVariant, parse_choice, prompt_messages
from curation.records_io import read_records
from curation.render import candidate_message, chat_message, with_tools_in_system
from curation.sampling.base import GROUND_TRUTH_ORIGIN
from curation.schema import Candidate, SampledTask, ScoredTask, Task
from curation.steps.score import ScoreStep
from curation.workspace import Workspace
from evaluation.judges import Conversation, Generator, SequenceScorer

TASK_STEPS = ("score", "sample")


@dataclass(frozen=True)
class BonTask:
    task: Task
    candidates: tuple[Candidate, ...]
    exact: tuple[bool, ...]


def run_data_file(ref: str, workspace: Workspace) -> Path:
    """The data file with tasks and candidates: a step folder, a run folder, or a recipe name in the workspace."""
    from curation.pipeline import load_run

    path = Path(ref)
    if (path / "data.parquet").is_file():
        return path / "data.parquet"
    run = load_run(path) if (path / "run.json").is_file() else load_run(workspace, ref)
    for name in TASK_STEPS:
        if any(step.step == name for step in run.steps):
            return run.step(name).data
    raise ValueError(f"run {run.recipe!r} has neither a score nor a sample step; it has {[s.step for s in run.steps]}")


def load_bon_tasks(data: Path, n: int) -> tuple[list[BonTask], Counter[str]]:
    """Each task with its first ``n`` sampled candidates (ground truth excluded), checked again."""
    counts: Counter[str] = Counter()
    scorer = ScoreStep()
    tasks = []
    try:
        records: list[SampledTask] = [
            SampledTask(task=r.task, candidates=r.candidates) for r in read_records(data, ScoredTask)
        ]
    except ValueError:
        records = list(read_records(data, SampledTask))
    for record in records:
        sampled = tuple(c for c in record.candidates if c.origin != GROUND_TRUTH_ORIGIN)[:n]
        if not sampled:
            counts["tasks without sampled candidates"] += 1
            continue
        if len(sampled) < n:
            counts[f"tasks with fewer than {n} candidates"] += 1
        scored = scorer.score_task(SampledTask(task=record.task, candidates=sampled))
        tasks.append(BonTask(record.task, sampled, tuple(score.exact for score in scored.scores)))
    return tasks, counts


def _disc_conversation(task: Task, candidate: Candidate) -> Conversation:
    context = with_tools_in_system(task.tools, task.history)
    return [chat_message(m) for m in [*context, candidate_message(candidate)]]


def pick_disc(tasks: list[BonTask], scorer: SequenceScorer) -> list[tuple[int, list[float]]]:
    conversations = [_disc_conversation(t.task, c) for t in tasks for c in t.candidates]
    scores = scorer.score(conversations)
    picks = []
    offset = 0
    for item in tasks:
        own = scores[offset : offset + len(item.candidates)]
        offset += len(item.candidates)
        picks.append((max(range(len(own)), key=lambda i: (own[i], -i)), own))
    return picks


def pick_gen(tasks: list[BonTask], generator: Generator, variant: GenrmVariant) -> list[tuple[int, list[float]]]:
    champions = [0] * len(tasks)
    wins = [[0.0] * len(t.candidates) for t in tasks]
    rounds = max(len(t.candidates) for t in tasks) if tasks else 0
    for challenger in range(1, rounds):
        active = [i for i, t in enumerate(tasks) if challenger < len(t.candidates)]
        prompts = []
        for i in active:
            task = tasks[i].task
            champion = candidate_message(tasks[i].candidates[champions[i]])
            contender = candidate_message(tasks[i].candidates[challenger])
            prompts.append(prompt_messages(variant, task.tools, task.history, champion, contender))
            prompts.append(prompt_messages(variant, task.tools, task.history, contender, champion))
        answers = generator.generate(prompts)
        for k, i in enumerate(active):
            first, second = (parse_choice(answers[2 * k + j].text).choice for j in (0, 1))
            if first == 2 and second == 1:  # the challenger wins in both orders
                champions[i] = challenger
                wins[i][challenger] += 1
    return [(champions[i], wins[i]) for i in range(len(tasks))]


def _percent(values: list[bool]) -> float:
    return round(100.0 * sum(values) / len(values), 2) if values else 0.0


def bon_metrics(
    tasks: list[BonTask], picks: list[tuple[int, list[float]]], n: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    picked = [t.exact[p] for t, (p, _) in zip(tasks, picks, strict=True)]
    first = [t.exact[0] for t in tasks]
    oracle = [any(t.exact) for t in tasks]
    mean_candidate = [sum(t.exact) / len(t.exact) for t in tasks]
    metrics = {
        "candidates": n,
        "tasks": len(tasks),
        "pick_accuracy": _percent(picked),
        "first_sample_accuracy": _percent(first),
        "oracle_accuracy": _percent(oracle),
        "random_pick_accuracy": round(100.0 * sum(mean_candidate) / len(mean_candidate), 2) if tasks else 0.0,
    }
    predictions = [
        {
            "task_id": t.task.id,
            "pick": p,
            "pick_exact": t.exact[p],
            "exact": list(t.exact),
            "scores": scores,
            "origins": [c.origin for c in t.candidates],
        }
        for t, (p, scores) in zip(tasks, picks, strict=True)
    ]
    return metrics, predictions
