"""Evaluation reports: JSON (everything), a markdown table (what a paper shows), predictions (one per line), and
the comparison view across several result files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evaluation.bench import CATEGORIES

REPORT_SUFFIX = ".json"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _atomic_write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def write_report(out_dir: Path, name: str, report: dict[str, Any], predictions: Sequence[dict[str, Any]]) -> Path:
    """``<name>.json``, ``<name>.md`` and ``<name>.predictions.jsonl`` in ``out_dir``; returns the JSON path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in predictions)
    _atomic_write(out_dir / f"{name}.predictions.jsonl", lines)
    _atomic_write(out_dir / f"{name}.md", markdown_report(report))
    path = out_dir / f"{name}{REPORT_SUFFIX}"
    _atomic_write(path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")  # category order kept
    return path


def _columns(reports: Sequence[dict[str, Any]]) -> list[str]:
    present = {name for report in reports for name in report.get("metrics", {}).get("categories", {})}
    return [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))


def _cell(value: Any) -> str:
    return "–" if value is None else f"{value:.2f}" if isinstance(value, float | int) else str(value)


def accuracy_table(reports: Sequence[dict[str, Any]]) -> str:
    """One row per report: per-category accuracy, Avg and W-Avg (in %), as in the paper's TRBench table."""
    columns = _columns(reports)
    header = ["model", "kind", *columns, "Avg", "W-Avg", "pairs"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(header) - 2)) + "|"]
    for report in reports:
        metrics = report.get("metrics", {})
        categories = metrics.get("categories", {})
        cells = [
            str(report.get("model_label") or report.get("model")),
            str(report.get("kind")) + (f"/{report['variant']}" if report.get("variant") else ""),
            *[_cell(categories.get(c, {}).get("accuracy")) for c in columns],
            _cell(metrics.get("avg")),
            _cell(metrics.get("w_avg")),
            str(metrics.get("pairs", "")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def bon_table(reports: Sequence[dict[str, Any]]) -> str:
    lines = [
        "| model | N | tasks | picked | first sample | random pick | oracle |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in reports:
        m = r["metrics"]
        lines.append(
            f"| {r.get('model_label')} ({r.get('rm_kind')}) | {m['candidates']} | {m['tasks']} | "
            f"{_cell(m['pick_accuracy'])} | {_cell(m['first_sample_accuracy'])} | "
            f"{_cell(m['random_pick_accuracy'])} | {_cell(m['oracle_accuracy'])} |"
        )
    return "\n".join(lines)


def markdown_report(report: dict[str, Any]) -> str:
    if report.get("kind") == "bon":
        return f"# Best-of-N: {report.get('model_label')}\n\nTasks from `{report.get('tasks_file')}`.\n\n" + (
            bon_table([report]) + "\n"
        )
    bench = report.get("bench", {})
    lines = [
        f"# TRBench: {report.get('model_label')} ({report.get('kind')})",
        "",
        f"Benchmark `{bench.get('path')}` (sha256 {str(bench.get('sha256', ''))[:12]}), {bench.get('pairs')} pairs; "
        f"backend {report.get('backend')}; {report.get('created_at')}.",
        "",
        accuracy_table([report]),
        "",
    ]
    metrics = report.get("metrics", {})
    parse = metrics.get("parse")
    if parse:
        choices = parse.get("choices", {})
        lines.append(
            f"Parsing ({parse['rows']} answers): strict {100 * parse['strict_rate']:.1f}%, "
            f"loose only {parse['loose_only']}, no choice {parse['unparsed']} "
            f"(request errors {parse['request_errors']}); choices 1/2/none: "
            f"{choices.get('1', 0)}/{choices.get('2', 0)}/{choices.get('none', 0)}. "
            f"Row accuracy {metrics.get('row_accuracy')}%."
        )
    tokens = metrics.get("output_tokens")
    if tokens and tokens.get("known"):
        lines.append(
            f"Output tokens: mean {tokens['mean']}, median {tokens['median']}, p90 {tokens['p90']}, "
            f"max {tokens['max']}, total {tokens['total']}."
        )
    if "ties" in metrics:
        lines.append(
            f"Ties (counted wrong): {metrics['ties']}; mean margin chosen − rejected: {metrics['mean_margin']}."
        )
    if metrics.get("incomplete_pairs"):
        lines.append(f"Pairs left out (one order missing from the benchmark): {metrics['incomplete_pairs']}.")
    return "\n".join(lines).rstrip() + "\n"


def load_reports(paths: Sequence[Path]) -> list[dict[str, Any]]:
    """Result files, or folders of them (every ``*.json`` that is a report)."""
    reports = []
    for path in paths:
        files = sorted(path.glob(f"*{REPORT_SUFFIX}")) if path.is_dir() else [path]
        for file in files:
            data = json.loads(file.read_text(encoding="utf-8"))
            if isinstance(data, dict) and "metrics" in data and "kind" in data:
                data["_file"] = str(file)
                reports.append(data)
            elif not path.is_dir():
                raise ValueError(f"{file} is not an evaluation report (no 'kind' and 'metrics')")
    return reports


def comparison(reports: Sequence[dict[str, Any]]) -> str:
    """The comparison view: one accuracy table over several reports, with a note when benchmarks differ."""
    if not reports:
        return "no evaluation reports\n"
    table = accuracy_table([r for r in reports if r.get("kind") in ("gen", "disc")])
    lines = ["# TRBench comparison", "", table, ""]
    benches = {str(r.get("bench", {}).get("sha256", ""))[:12] for r in reports if r.get("kind") in ("gen", "disc")}
    if len(benches) > 1:
        lines.append(
            f"Note: these results come from {len(benches)} different benchmark files ({', '.join(sorted(benches))})."
        )
    bon = [r for r in reports if r.get("kind") == "bon"]
    if bon:
        lines += ["", bon_table(bon)]
    return "\n".join(lines).rstrip() + "\n"
