"""Scorer throughput on BFCL-shaped rows: checks/s of curation/scoring/check.py, parses/s, and candidates/s of the
whole `score` step (parse not included: candidates arrive parsed; check + ToolRM similarity + Score records).

Rows come from benchmarks/bfcl_rows.py: the ground truth of every BFCL AST record and outputs changed from it
(mostly wrong ones), over the full BFCL data of bfcl-eval when scripts/setup_bfcl_env.sh has been run, else the
shared sample. Timings are CPU time of this process, best of --rounds, with the garbage collector paused.

    .venv/bin/python benchmarks/scorer.py [--data DIR] [--rounds 5]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bfcl_rows import Row, ast_records, bfcl_data_dir, build_rows, language  # noqa: E402

from curation.schema import Candidate, Message, SampledTask, Task, TaskKind, ToolCall  # noqa: E402
from curation.scoring.check import CheckOptions, check_calls  # noqa: E402
from curation.scoring.parse import parse_response, render_calls  # noqa: E402
from curation.sources.bfcl import ground_truth_calls  # noqa: E402
from curation.steps.score import ScoreStep  # noqa: E402


def best_seconds(work: Callable[[], Any], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        gc.disable()
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
        gc.enable()
    return best


def checks(rows: list[Row]) -> list[tuple[Any, ...]]:
    prepared = []
    tools_of: dict[str, dict[str, Any]] = {}
    for row in rows:
        assert row.record is not None
        calls = [ToolCall(name=name, arguments=args) for item in row.output for name, args in item.items()]
        tools = tools_of.setdefault(row.id, {tool.name: tool for tool in row.record.tools})
        options = CheckOptions(language=language(row.category), dots_to_underscores=row.underscore_names)  # type: ignore[arg-type]
        prepared.append((calls, row.possible_answer, tools, options))
    return prepared


def sampled_tasks(rows: list[Row]) -> list[SampledTask]:
    """One task per Python BFCL record, its rows as candidates (the GT first), as the `score` step receives them."""
    by_record: dict[str, list[Row]] = {}
    for row in rows:
        if language(row.category) == "python" and not row.underscore_names:
            by_record.setdefault(row.id, []).append(row)
    tasks = []
    for record_id, record_rows in by_record.items():
        record = record_rows[0].record
        assert record is not None
        truth = ground_truth_calls(record) or ()
        task = Task(
            id=f"bfcl:{record_id}#1",
            trajectory_id=f"bfcl:{record_id}",
            source="bfcl",
            turn=1,
            tools=record.tools,
            history=record.turns[0],
            target=Message(role="assistant", tool_calls=truth),
            kind=TaskKind.parallel if len(truth) > 1 else TaskKind.single,
            complexity=len(truth) + sum(len(call.arguments) for call in truth),
        )
        candidates = tuple(
            Candidate(
                id=f"{record_id}:{index}",
                task_id=task.id,
                origin=row.kind,
                text="",
                calls=tuple(ToolCall(name=n, arguments=a) for item in row.output for n, a in item.items()),
            )
            for index, row in enumerate(record_rows)
        )
        tasks.append(SampledTask(task=task, candidates=candidates))
    return tasks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="BFCL data folder (default: bfcl-eval's, or shared)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    data = args.data or bfcl_data_dir()
    rows = build_rows(ast_records(data))
    print(f"data: {data}\nrows: {len(rows)} ({len({row.id for row in rows})} BFCL AST records)")

    prepared = checks(rows)
    seconds = best_seconds(lambda: [check_calls(*item) for item in prepared], args.rounds)
    print(f"check, all rows:          {len(prepared) / seconds:10,.0f} checks/s")
    right = [item for item, row in zip(prepared, rows, strict=True) if row.kind == "ground_truth"]
    seconds = best_seconds(lambda: [check_calls(*item) for item in right], args.rounds)
    print(f"check, ground truth rows: {len(right) / seconds:10,.0f} checks/s")

    texts = [
        render_calls([ToolCall(name=n, arguments=a) for item in row.output for n, a in item.items()], style)
        for row, style in zip(rows, ["hermes", "json", "python"] * len(rows), strict=False)
        if row.output and language(row.category) == "python"
    ]
    seconds = best_seconds(lambda: [parse_response(text) for text in texts], args.rounds)
    print(f"parse (hermes/json/python mix): {len(texts) / seconds:10,.0f} texts/s")

    tasks = sampled_tasks(rows)
    candidates = sum(len(task.candidates) for task in tasks)
    step = ScoreStep()
    seconds = best_seconds(lambda: step.process_batch(tasks), args.rounds)
    print(f"score step (check + similarity + records): {candidates / seconds:10,.0f} candidates/s")


if __name__ == "__main__":
    main()
