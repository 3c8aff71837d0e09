"""`toolpref check --bfcl DIR --outputs FILE.jsonl [--out FILE]`: score a model's BFCL outputs with the studio's rules.

Each input line is ``{"id": ..., "output": [{"fn": {"arg": value}}]}`` (BFCL's decoded form; a list per turn for
multi-turn records) or ``{"id": ..., "text": "raw model text"}``. Each output line is
``{"id", "category", "exact", "error_type", "similarity", "detail"}``. A summary table per category goes to
stderr. Lines that cannot be scored (bad JSON, unknown id, wrong shape, unsupported category) are reported on
stderr one by one and counted; the command then exits with status 1, after scoring everything else.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from curation.scoring.check import CheckOptions
    from curation.sources.bfcl import BfclRecord


def register(app: typer.Typer) -> None:
    """Add `check` to the `toolpref` app."""
    app.command("check")(check)


def check(
    bfcl: Annotated[Path, typer.Option("--bfcl", help="BFCL data folder: question files + possible_answer/")],
    outputs: Annotated[Path, typer.Option("--outputs", help="JSON Lines of {id, output} or {id, text}")],
    out: Annotated[Path | None, typer.Option("--out", help="write scores here (JSON Lines), not stdout")] = None,
    underscore_names: Annotated[
        bool, typer.Option("--underscore-names", help="read '.' in function names as '_' (APIs without dots)")
    ] = False,
    normalize_strings: Annotated[
        bool,
        typer.Option("--normalize-strings/--exact-strings", help="compare strings as BFCL does (case, punctuation)"),
    ] = True,
    java_js_strings: Annotated[
        bool, typer.Option("--java-js-strings", help="Java/JavaScript arguments must be source text, as in BFCL")
    ] = False,
) -> None:
    """Score model outputs for BFCL records: exact (BFCL-grade check), error type and ToolRM similarity."""
    from rich.console import Console

    from curation.scoring.check import CheckOptions

    console = Console(stderr=True)
    if not outputs.is_file():
        console.print(f"[red]error:[/red] no such file: {outputs}")
        raise typer.Exit(2)
    try:
        records, unreadable = _load_records(bfcl)
    except (FileNotFoundError, ValueError) as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    options = CheckOptions(
        normalize_strings=normalize_strings,
        dots_to_underscores=underscore_names,
        java_js_require_strings=java_js_strings,
    )
    sink: IO[str] = out.open("w", encoding="utf-8") if out else sys.stdout
    try:
        summary, problems = _score_file(outputs, records, unreadable, options, sink, console)
    finally:
        if out:
            sink.close()
    _print_summary(console, summary, problems)
    if problems:
        raise typer.Exit(1)


def _load_records(root: Path) -> tuple[dict[str, BfclRecord], dict[str, str]]:
    """BFCL records by id (also "<version>/<id>"), and why each unreadable record could not be read."""
    from curation.schema import Reject
    from curation.sources.bfcl import load_bfcl

    records: dict[str, BfclRecord] = {}
    unreadable: dict[str, str] = {}
    for item in load_bfcl(root):
        if isinstance(item, Reject):
            # record ids look like "bfcl:v4/simple_python_0"; keep the BFCL id as the user writes it
            bfcl_id = item.record_id.split("/", 1)[-1]
            unreadable[bfcl_id] = f"{item.reason}: {item.detail}"[:300]
            continue
        records.setdefault(item.id, item)
        records.setdefault(f"{item.version}/{item.id}", item)
    return records, unreadable


class _Summary:
    def __init__(self) -> None:
        self.lines: Counter[str] = Counter()
        self.exact: Counter[str] = Counter()
        self.similarity: defaultdict[str, float] = defaultdict(float)
        self.errors: defaultdict[str, Counter[str]] = defaultdict(Counter)


def _score_file(
    path: Path,
    records: dict[str, BfclRecord],
    unreadable: dict[str, str],
    options: CheckOptions,
    sink: IO[str],
    console: Console,
) -> tuple[_Summary, Counter[str]]:
    from curation.scoring.bfcl_scoring import BadOutput, UnsupportedRecord, score_output

    summary = _Summary()
    problems: Counter[str] = Counter()

    def problem(number: int, kind: str, message: str) -> None:
        problems[kind] += 1
        console.print(f"[yellow]{path.name}:{number}:[/yellow] {message}", highlight=False, soft_wrap=True)

    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                line = json.loads(text)
            except ValueError as error:
                problem(number, "bad JSON", f"not JSON ({error})")
                continue
            if not isinstance(line, dict) or not isinstance(line.get("id"), str):
                problem(number, "no id", "a line is a JSON object with a string 'id'")
                continue
            record = records.get(line["id"])
            if record is None:
                why = unreadable.get(line["id"])
                reason = f"the BFCL record could not be read ({why})" if why else "not in the BFCL folder"
                problem(number, "unknown id", f"unknown id {line['id']!r}: {reason}")
                continue
            try:
                score = score_output(record, line, options)
            except UnsupportedRecord as error:
                problem(number, "unsupported", f"{line['id']}: not scored: {error}")
                continue
            except BadOutput as error:
                problem(number, "bad output", f"{line['id']}: {error}")
                continue
            sink.write(json.dumps(score.as_json(), ensure_ascii=False) + "\n")
            summary.lines[score.category] += 1
            summary.exact[score.category] += score.exact
            summary.similarity[score.category] += score.similarity
            if score.error_type is not None:
                summary.errors[score.category][score.error_type.value] += 1
    return summary, problems


def _print_summary(console: Console, summary: _Summary, problems: Counter[str]) -> None:
    from rich.table import Table

    table = Table(title="BFCL outputs scored with the studio's rules")
    for column in ("category", "lines", "exact", "accuracy", "mean similarity", "most common error"):
        left = column in ("category", "most common error")
        table.add_column(column, justify="left" if left else "right", no_wrap=column == "category")
    for category in sorted(summary.lines):
        lines = summary.lines[category]
        errors = summary.errors[category]
        common = ", ".join(f"{name} ({count})" for name, count in errors.most_common(2)) or "-"
        table.add_row(
            category,
            str(lines),
            str(summary.exact[category]),
            f"{summary.exact[category] / lines:.1%}",
            f"{summary.similarity[category] / lines:.3f}",
            common,
        )
    total = sum(summary.lines.values())
    if total:
        exact = sum(summary.exact.values())
        table.add_row("all", str(total), str(exact), f"{exact / total:.1%}", "", "", style="bold")
    console.print(table)
    if problems:
        listed = ", ".join(f"{count} {kind}" for kind, count in problems.most_common())
        console.print(f"[red]{sum(problems.values())} line(s) not scored:[/red] {listed}")
