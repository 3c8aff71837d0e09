"""The summary of a finished run: records per source through the steps, rejects by reason, and the pairs per
source, intensity bin, error type and split. Printed by `toolpref run` and `make demo`.

Everything comes from what the runner wrote: run.json, each step's stats.json, and the ``id`` / ``reason``
columns of data.parquet and rejects.parquet (record ids start with ``<source>:``), so that the summary of a large
run reads a few columns, never the records themselves.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table

from curation.pipeline import StepRecord, load_run

# Steps whose records carry a task or trajectory id that starts with the source name.
_PER_SOURCE_STEPS = ("ingest", "segment", "validate", "decontaminate", "sample", "score", "difficulty")
_OTHER = "-"  # a record id that names no source (an unreadable line, a pair hash)


def _source_of(identifier: str, known: set[str]) -> str:
    head = identifier.split(":", 1)[0]
    return head if head in known else _OTHER


def _column(path: Path, name: str) -> list[str]:
    if not path.is_file():
        return []
    return [str(value) for value in pq.read_table(path, columns=[name]).column(0).to_pylist()]


def summarize_run(run_dir: Path) -> dict[str, Any]:
    """The numbers of a finished run (``runs/<recipe>``) as plain JSON data."""
    run = load_run(Path(run_dir))
    stats = {record.step: record.stats() for record in run.steps}
    ingest = stats.get("ingest", {})
    known = {key.split("/", 1)[0] for key in ingest.get("counters", {})}
    for record in run.steps:  # sources named by trajectory ids, in case ingest counted none
        if record.step == "ingest":
            known |= {identifier.split(":", 1)[0] for identifier in _column(record.data, "id")}

    sources: dict[str, dict[str, int]] = {source: {} for source in sorted(known)}
    for key, count in ingest.get("counters", {}).items():
        source, _, what = key.partition("/")
        if source in sources and what in ("trajectories", "rejected"):
            sources[source]["in"] = sources[source].get("in", 0) + count
    rejects: dict[str, Counter[str]] = {}  # "step: reason" -> source -> count
    for record in run.steps:
        for reason, by_source in _rejects_by_reason(record, known).items():
            rejects.setdefault(reason, Counter()).update(by_source)
        if record.step in _PER_SOURCE_STEPS:
            label = _output_label(record.step)
            for source, count in Counter(_source_of(i, known) for i in _column(record.data, "id")).items():
                sources.setdefault(source, {})[label] = count

    balance = stats.get("balance", {}).get("report", {})
    for source, numbers in balance.get("sources", {}).items():
        entry = sources.setdefault(source, {})
        entry["pairs"] = numbers.get("available", 0)
        entry["sel"] = numbers.get("achieved", 0)
        entry["train"] = numbers.get("train", 0)
        entry["val"] = numbers.get("validation", 0)
    return {
        "recipe": run.recipe,
        "steps": [
            {
                "index": record.index,
                "step": record.step,
                **{key: stats[record.step].get(key) for key in ("in", "out", "rejected", "rows_out", "seconds")},
                "reasons": stats[record.step].get("reasons", {}),
            }
            for record in run.steps
        ],
        "sources": sources,
        "rejects": {
            reason: dict(by_source.most_common())
            for reason, by_source in sorted(rejects.items(), key=lambda item: -sum(item[1].values()))
        },
        "pairs": {
            "target": balance.get("target", {}),
            "achieved": balance.get("achieved", {}),
            "bins": balance.get("bins", {}),
            "error_types": balance.get("error_types", {}),
        },
        "configs": stats.get("format", {}).get("report", {}).get("configs", {}),
    }


# Short column names, so that the table fits a terminal: records left after each step.
_OUTPUT_LABELS = {
    "ingest": "traj",
    "segment": "tasks",
    "validate": "valid",
    "decontaminate": "clean",
    "sample": "sampled",
    "score": "scored",
    "difficulty": "kept",
}


def _output_label(step: str) -> str:
    return _OUTPUT_LABELS.get(step, step)


_QUOTA_REASON = re.compile(r"^not selected: quota of (?P<source>.+)/bin \d+ filled$")


def _rejects_by_reason(record: StepRecord, known: set[str]) -> dict[str, Counter[str]]:
    """Reject counts per "step: reason" and source. Balance names the source in its reason; pair ids carry none."""
    if not record.rejects.is_file():
        return {}
    table = pq.read_table(record.rejects, columns=["id", "reason"])
    found: dict[str, Counter[str]] = {}
    for identifier, reason in zip(table.column("id").to_pylist(), table.column("reason").to_pylist(), strict=True):
        source = _source_of(str(identifier), known)
        quota = _QUOTA_REASON.match(str(reason))
        if quota:  # one line per source instead of one per source and bin
            source, reason = quota.group("source"), "not selected: quota filled"
        found.setdefault(f"{record.step}: {reason}", Counter())[source] += 1
    return found


def summary_renderables(summary: dict[str, Any]) -> list[RenderableType]:
    """Rich tables for a summary made by ``summarize_run``."""
    parts: list[RenderableType] = []
    sources: dict[str, dict[str, int]] = summary["sources"]
    columns = list(dict.fromkeys(column for numbers in sources.values() for column in numbers))
    # A step that changed no source's count adds nothing to read: leave its column out.
    step_columns = [c for c in columns if c in _OUTPUT_LABELS.values()]
    unchanged = {
        column
        for before, column in itertools.pairwise(step_columns)
        if all(numbers.get(column) == numbers.get(before) for numbers in sources.values())
    }
    columns = [c for c in columns if c not in unchanged]
    table = Table(
        title=f"run {summary['recipe']!r}: records per source after each step",
        caption="in: records read; pairs: pool after the complexity cap; sel: selected by balance "
        "(a step that changed nothing is left out)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1),
        collapse_padding=True,
    )
    table.add_column("source", no_wrap=True, min_width=max((len(name) for name in sources), default=6))
    for column in columns:
        table.add_column(column, justify="right")
    for source, numbers in sources.items():
        table.add_row(source, *(str(numbers.get(column, "")) for column in columns))
    parts.append(table)

    table = Table(title="rejects by step and reason")
    for column in ("step: reason", "count", "sources"):
        table.add_column(column, justify="right" if column == "count" else "left")
    for reason, by_source in summary["rejects"].items():
        spread = ", ".join(f"{source} {count}" for source, count in by_source.items())
        table.add_row(reason, str(sum(by_source.values())), spread)
    parts.append(table)

    pairs = summary["pairs"]
    if pairs["achieved"]:
        target, achieved = pairs["target"], pairs["achieved"]
        table = Table(title="pairs: target vs achieved")
        for column in ("", "total", "train", "validation"):
            table.add_column(column, justify="right")
        table.add_row("target", *(str(target.get(key, "")) for key in ("total", "train", "validation")))
        table.add_row("achieved", *(str(achieved.get(key, "")) for key in ("total", "train", "validation")))
        parts.append(table)
        table = Table(title="pairs per intensity bin")
        for column in ("bin", "available", "target", "achieved"):
            table.add_column(column, justify="right")
        for name, numbers in sorted(pairs["bins"].items(), key=lambda item: int(item[0])):
            table.add_row(name, *(str(numbers.get(key, "")) for key in ("available", "target", "achieved")))
        parts.append(table)
        table = Table(title="pairs per error type of the rejected side")
        for column in ("error type", "available", "achieved", "share", "FC-RewardBench share"):
            table.add_column(column, justify="right")
        for name, numbers in pairs["error_types"].items():
            table.add_row(
                name,
                *(str(numbers.get(key, "")) for key in ("available", "achieved", "achieved_share", "target_share")),
            )
        parts.append(table)
    if summary["configs"]:
        table = Table(title="release configs (rows)")
        for column in ("config", "train", "validation"):
            table.add_column(column, justify="right")
        for name, splits in summary["configs"].items():
            table.add_row(name, str(splits.get("train", 0)), str(splits.get("validation", 0)))
        parts.append(table)
    return parts


def print_summary(run_dir: Path, console: Console | None = None) -> dict[str, Any]:
    """Print the summary of a finished run and return its numbers."""
    summary = summarize_run(run_dir)
    (console or Console()).print(Group(*summary_renderables(summary)))
    return summary
