"""`toolpref trbench build`: a TRBench-style benchmark from BFCL tasks and real failed model outputs.

chosen = the BFCL ground truth of a task (the first acceptable value of every parameter, or the turn's calls for
multi-turn); rejected = a model output for that task that the studio's checker rejects (evaluation/failures.py).
With no model outputs, rejected responses come from the perturb backend, and the card says so. Rows follow the
released TRBench-BFCL's columns (evaluation/bench.py), each pair in both orders, for the think and no_think
critique prompts: ``trbench_test_think.parquet`` and ``trbench_test_no_think.parquet``, plus README.md (the
card) and build.json (every count, and the inputs' hashes).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curation.genrm import prompt_messages
from curation.release import version_key
from curation.render import candidate_message, chat_message, message_text, tool_json, with_tools_in_system
from curation.schema import Reject, Task, canonical_json
from curation.sources.base import SourceError
from curation.sources.bfcl import BfclRecord, load_bfcl, to_trajectory
from curation.sources.bfcl_files import MULTI_TURN_CATEGORIES
from curation.steps.base import RejectRecord
from curation.steps.segment import Segment
from evaluation.bench import (
    ABILITY,
    BFCL_TO_TRBENCH,
    CATEGORIES,
    CHOSEN_FROM,
    DATA_SOURCE,
    VARIANTS,
    bench_file_name,
    sha256_file,
    write_bench,
)
from evaluation.failures import Failure, ast_failure, multi_turn_failure, perturb_failures
from evaluation.outputs import read_outputs


@dataclass
class BuildSummary:
    out: Path
    version: str
    pairs: int
    tasks: int
    by_category: dict[str, dict[str, int]]
    rejected_from: Counter[str]
    error_types: Counter[str]
    skipped: Counter[str] = field(default_factory=Counter)
    perturbed: bool = False


def _tasks_of(record: BfclRecord, skipped: Counter[str]) -> list[Task]:
    try:
        trajectory = to_trajectory(record)
        return Segment(include_no_call=False).process(trajectory)
    except (SourceError, RejectRecord) as error:
        skipped[f"BFCL record unusable: {error}"] += 1
        return []


def _turn_index(task: Task) -> int:
    """The BFCL turn a task answers: how many assistant turns come before it."""
    return sum(1 for message in task.history if message.role == "assistant")


def pick_version(records: list[BfclRecord], version: str | None) -> str:
    found = sorted({record.version for record in records}, key=version_key)
    if not found:
        raise ValueError("no BFCL records found")
    if version is None:
        return found[-1]
    if version not in found:
        raise ValueError(f"no BFCL {version} records; found {', '.join(found)}")
    return version


def build_trbench(
    bfcl: Path,
    out: Path,
    results: Path | None = None,
    *,
    version: str | None = None,
    perturb_per_task: int = 0,
    max_pairs_per_task: int | None = None,
    categories: Sequence[str] | None = None,
    tasks_per_category: int | None = None,
    seed: int = 0,
) -> BuildSummary:
    """Write the benchmark into ``out``. Without ``results`` the perturb backend supplies rejected responses
    (``perturb_per_task`` of them per task, 2 when not given). ``categories`` (TRBench names) and
    ``tasks_per_category`` (the first BFCL records of each, in file order) make a smaller benchmark."""
    wanted = set(categories or CATEGORIES)
    unknown = sorted(wanted - set(CATEGORIES))
    if unknown:
        raise ValueError(f"unknown TRBench categories {unknown}; known: {', '.join(CATEGORIES)}")
    skipped: Counter[str] = Counter()
    loaded = list(load_bfcl(bfcl))
    skipped.update(f"BFCL line rejected: {item.reason}" for item in loaded if isinstance(item, Reject))
    records = [item for item in loaded if isinstance(item, BfclRecord)]
    chosen_version = pick_version(records, version)
    records = [
        r
        for r in records
        if r.version == chosen_version and r.category in BFCL_TO_TRBENCH and BFCL_TO_TRBENCH[r.category] in wanted
    ]
    records.sort(key=lambda r: (CATEGORIES.index(BFCL_TO_TRBENCH[r.category]), int(r.meta.get("line", 0))))
    if tasks_per_category is not None:
        taken: Counter[str] = Counter()
        limited = []
        for record in records:
            if taken[record.category] < tasks_per_category:
                taken[record.category] += 1
                limited.append(record)
        records = limited

    tasks_by_record: dict[str, dict[int, Task]] = {}
    record_of_task: dict[str, BfclRecord] = {}
    for record in records:
        tasks = _tasks_of(record, skipped)
        tasks_by_record[record.id] = {_turn_index(task): task for task in tasks}
        record_of_task.update({task.id: record for task in tasks})
    by_id = {record.id: record for record in records}

    failures: list[Failure] = []
    if results is not None:
        read = read_outputs(results)
        skipped.update({f"output line skipped: {reason}": n for reason, n in read.skipped.items()})
        for output in sorted(read.outputs, key=lambda o: (o.raw_id, o.model, o.source)):
            found = by_id.get(output.raw_id)
            if output.version not in (None, chosen_version):
                skipped[f"output for BFCL {output.version}, benchmark is {chosen_version}"] += 1
            elif found is None:
                skipped["output for a task not in the benchmark"] += 1
            elif not tasks_by_record[found.id]:
                skipped["output for an unusable BFCL record"] += 1
            elif found.category in MULTI_TURN_CATEGORIES:
                failure = multi_turn_failure(found, tasks_by_record[found.id], output, skipped)
                failures += [failure] if failure else []
            else:
                failure = ast_failure(found, next(iter(tasks_by_record[found.id].values())), output, skipped)
                failures += [failure] if failure else []
    perturbed = results is None or perturb_per_task > 0
    if perturbed:
        all_tasks = [task for tasks in tasks_by_record.values() for task in tasks.values()]
        made, counts = perturb_failures(record_of_task, all_tasks, perturb_per_task or 2, seed)
        failures += made
        skipped.update(counts)

    task_rank = {task_id: rank for rank, task_id in enumerate(record_of_task)}
    pairs = _select(failures, max_pairs_per_task, skipped, task_rank)
    rows_by_variant = {variant: _rows(pairs, record_of_task, variant) for variant in VARIANTS}
    out.mkdir(parents=True, exist_ok=True)
    for variant, rows in rows_by_variant.items():
        write_bench(out / bench_file_name(variant), rows)
    summary = _summarize(out, chosen_version, pairs, record_of_task, skipped, perturbed)
    _write_build_json(out, summary, bfcl, results)
    (out / "README.md").write_text(render_card(summary, bfcl, results), encoding="utf-8")
    return summary


def _select(
    failures: list[Failure], limit: int | None, skipped: Counter[str], task_rank: dict[str, int]
) -> list[Failure]:
    """One pair per distinct rejected response of a task (same text = same pair), at most ``limit`` per task."""
    seen: set[tuple[str, str]] = set()
    per_task: Counter[str] = Counter()
    kept = []
    for failure in failures:
        key = (failure.task.id, message_text(candidate_message(failure.candidate)))
        if key in seen:
            skipped["duplicate rejected response"] += 1
            continue
        if limit is not None and per_task[failure.task.id] >= limit:
            skipped["over max pairs per task"] += 1
            continue
        seen.add(key)
        per_task[failure.task.id] += 1
        kept.append(failure)
    return sorted(kept, key=lambda f: task_rank[f.task.id])  # stable: a task's pairs keep their order


def _rows(pairs: list[Failure], records: dict[str, BfclRecord], variant: str) -> list[dict[str, Any]]:
    task_numbers = {task_id: index for index, task_id in enumerate(dict.fromkeys(p.task.id for p in pairs))}
    count = len(pairs)
    rows = []
    for swapped in (False, True):
        for uuid, pair in enumerate(pairs):
            task, record = pair.task, records[pair.task.id]
            chosen, rejected = task.target, candidate_message(pair.candidate)
            first, second = (rejected, chosen) if swapped else (chosen, rejected)
            category = BFCL_TO_TRBENCH[record.category]
            error = pair.error_type.value if pair.error_type else "unknown"
            context = with_tools_in_system(task.tools, task.history)
            rows.append(
                {
                    "uuid": uuid,
                    "split_id": task_numbers[task.id],
                    "raw_id": record.id,
                    "task_source": category,
                    "error_type": error,
                    "chat_history": [{"role": m.role, "content": message_text(m)} for m in context],
                    "chosen_response": message_text(chosen),
                    "reject_response": message_text(rejected),
                    "chosen_response_from": CHOSEN_FROM,
                    "reject_response_from": pair.candidate.origin,
                    "data_source": DATA_SOURCE,
                    "prompt": prompt_messages(variant, task.tools, task.history, first, second),  # type: ignore[arg-type]
                    "ability": ABILITY,
                    "reward_model": {"ground_truth": "2" if swapped else "1", "style": "rule"},
                    "extra_info": {
                        "index": uuid + count if swapped else uuid,
                        "original_index": uuid,
                        "sample_type": "swapped" if swapped else "original",
                        "split": "test",
                        "task_source": category,
                        "raw_id": record.id,
                        "chosen_response_reward": 1,
                        "chosen_response_reward_message": CHOSEN_FROM,
                        "reject_response_reward": 0,
                        "reject_response_reward_message": error,
                        "bfcl_version": record.version,
                        "bfcl_error_type": pair.bfcl_error_type,
                        "error_detail": pair.detail,
                        "turn": _turn_index(task),
                        "tools": json.dumps([tool_json(tool) for tool in task.tools], ensure_ascii=False),
                        "history": json.dumps([chat_message(m) for m in task.history], ensure_ascii=False),
                        "chosen_message": json.dumps(chat_message(chosen), ensure_ascii=False),
                        "rejected_message": json.dumps(chat_message(rejected), ensure_ascii=False),
                    },
                }
            )
    return rows


def _summarize(
    out: Path,
    version: str,
    pairs: list[Failure],
    records: dict[str, BfclRecord],
    skipped: Counter[str],
    perturbed: bool,
) -> BuildSummary:
    by_category: dict[str, dict[str, int]] = {}
    tasks: dict[str, set[str]] = defaultdict(set)
    pair_counts: Counter[str] = Counter()
    for pair in pairs:
        category = BFCL_TO_TRBENCH[records[pair.task.id].category]
        tasks[category].add(pair.task.id)
        pair_counts[category] += 1
    for category in CATEGORIES:
        if category not in tasks:
            continue
        by_category[category] = {"tasks": len(tasks[category]), "pairs": pair_counts[category]}
    return BuildSummary(
        out=out,
        version=version,
        pairs=len(pairs),
        tasks=len({pair.task.id for pair in pairs}),
        by_category=by_category,
        rejected_from=Counter(pair.candidate.origin for pair in pairs),
        error_types=Counter(pair.error_type.value if pair.error_type else "unknown" for pair in pairs),
        skipped=skipped,
        perturbed=perturbed,
    )


def _write_build_json(out: Path, summary: BuildSummary, bfcl: Path, results: Path | None) -> None:
    files = {name: sha256_file(out / name) for name in (bench_file_name(v) for v in VARIANTS)}
    data = {
        "bfcl": {"path": str(bfcl.resolve()), "version": summary.version},
        "results": str(results.resolve()) if results else None,
        "rejected_from_perturb": summary.perturbed,
        "pairs": summary.pairs,
        "rows_per_variant": 2 * summary.pairs,
        "tasks": summary.tasks,
        "categories": summary.by_category,
        "rejected_from": dict(sorted(summary.rejected_from.items())),
        "error_types": dict(sorted(summary.error_types.items())),
        "skipped": dict(sorted(summary.skipped.items())),
        "files": files,
    }
    (out / "build.json").write_text(canonical_json(data) + "\n", encoding="utf-8")


def render_card(summary: BuildSummary, bfcl: Path, results: Path | None) -> str:
    lines = [
        "# TRBench (BFCL) — built by ToolPref Studio",
        "",
        "Pairwise reward-model benchmark in the columns of the released TRBench-BFCL: chosen = the BFCL ground truth, "
        "rejected = an output for the same task that the studio's BFCL-grade checker rejects. Every pair appears "
        "twice (original order, label 1; swapped, label 2); a GenRM counts a pair as right only when it is right in "
        "both orders. Files: `trbench_test_think.parquet`, `trbench_test_no_think.parquet` (the same pairs with the "
        "two critique prompts).",
        "",
        f"- BFCL {summary.version} from `{bfcl}`",
        f"- {summary.pairs} pairs over {summary.tasks} tasks",
    ]
    if summary.perturbed:
        lines.append(
            "- **Rejected responses come from the `perturb` backend** (typed edits of the ground truth), "
            + ("as well as from model outputs" if results else "not from real model failures")
            + ": scores are not comparable with the released TRBench-BFCL."
        )
    if results is not None:
        lines.append(f"- Model outputs from `{results}`")
    lines += ["", "| category | tasks | pairs |", "|---|---:|---:|"]
    lines += [f"| {c} | {v['tasks']} | {v['pairs']} |" for c, v in summary.by_category.items()]
    lines += ["", "| rejected from | pairs |", "|---|---:|"]
    lines += [f"| {origin} | {n} |" for origin, n in sorted(summary.rejected_from.items())]
    lines += ["", "| error type (studio checker) | pairs |", "|---|---:|"]
    lines += [f"| {error} | {n} |" for error, n in sorted(summary.error_types.items())]
    if summary.skipped:
        lines += ["", "| not used | count |", "|---|---:|"]
        lines += [f"| {reason} | {n} |" for reason, n in sorted(summary.skipped.items())]
    lines += [
        "",
        "Evaluate with `toolpref eval --bench DIR --model PATH --kind gen|disc`. `error_type` holds the studio's "
        "ErrorType; BFCL's own error type, when the output came from a BFCL score file, is in "
        "`extra_info.bfcl_error_type`.",
        "",
    ]
    return "\n".join(lines)
