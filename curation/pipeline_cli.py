"""`toolpref run`, `toolpref steps` and `toolpref ingest`: the pipeline from the command line."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

WorkspaceOption = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", help="workspace folder (default: $TOOLPREF_HOME or ./toolpref-data)"),
]

console = Console(stderr=False)
err_console = Console(stderr=True, soft_wrap=True)  # error lines keep paths whole


def register(app: typer.Typer) -> None:
    app.command("run")(run_command)
    app.command("steps")(steps_command)
    app.command("ingest")(ingest_command)


class _Bars:
    """One rich progress bar per step, created on first use."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, label: str, n: int, total: int | None) -> None:
        if label not in self.tasks:
            self.tasks[label] = self.progress.add_task(label, total=total)
        self.progress.advance(self.tasks[label], n)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    )


def run_command(
    recipe: Annotated[str, typer.Argument(help="a packaged recipe name (demo, toolpref-30k) or a YAML path")],
    workspace: WorkspaceOption = None,
    overrides: Annotated[
        list[str] | None, typer.Option("--set", help="override a config field: step.field=value (repeatable)")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="validate and print the plan; run nothing")] = False,
) -> None:
    """Run a recipe: every step not finished yet, in order. Finished steps are reused."""
    from curation.pipeline import RecipeError, plan_recipe, run_plan
    from curation.workspace import Workspace

    ws = Workspace.resolve(workspace)
    try:
        plan = plan_recipe(recipe, ws, overrides or [])
    except RecipeError as error:
        err_console.print("[red]recipe is not valid:[/red]")
        for problem in error.problems:
            err_console.print(f"  - {problem}", markup=False, highlight=False)
        raise typer.Exit(2) from None

    if dry_run:
        table = Table(title=f"plan for recipe {plan.recipe.name!r} (workspace {ws.root})")
        for column in ("#", "step", "status", "folder", "config"):
            table.add_column(column, overflow="fold")
        for planned in plan.steps:
            status = "finished" if (planned.dir / "_SUCCESS").is_file() else "to run"
            config = planned.step.model_dump_json(exclude_defaults=True)
            table.add_row(str(planned.index), planned.step.name, status, str(planned.dir), config)
        console.print(table)
        return

    with _progress() as progress:
        results = run_plan(plan, _Bars(progress))
    for result in results:
        verb = "reused  " if result.status == "reused" else "finished"
        console.print(f"{verb} {result.planned.dir}", highlight=False)
    console.print(_steps_table(results))
    _print_summary(plan.run_dir)


def _steps_table(results: list[Any]) -> Table:
    table = Table(title="steps")
    for column in ("step", "status", "in", "out", "rejected", "rows out", "seconds", "top reject reasons"):
        table.add_column(column)
    for result in results:
        stats = result.stats
        reasons = ", ".join(f"{reason} ({n})" for reason, n in list(stats.get("reasons", {}).items())[:3])
        table.add_row(
            result.planned.label,
            result.status,
            str(stats.get("in", "")),
            str(stats.get("out", "")),
            str(stats.get("rejected", "")),
            str(stats.get("rows_out", "")),
            f"{stats.get('seconds', 0):.2f}",
            reasons,
        )
    return table


def _print_summary(run_dir: Path) -> None:
    """The per-source summary of a run, when the summary module knows how to read it."""
    try:
        from curation.summary import print_summary
    except ImportError:
        return
    print_summary(run_dir, console)


def steps_command() -> None:
    """List registered sources, steps and sampling backends with their config fields."""
    from curation.registry import backends, sources, steps

    table = Table(title="sources", show_lines=False)
    table.add_column("name")
    table.add_column("license")
    table.add_column("hub id")
    table.add_column("description", overflow="fold")
    for name, adapter in sources.items():
        table.add_row(name, adapter.license, adapter.hub_id or "", adapter.description)
    console.print(table)

    table = Table(title="steps", show_lines=True)
    for column in ("step", "in -> out", "config fields", "description"):
        table.add_column(column, overflow="fold")
    for name, step_class in steps.items():
        flow = f"{getattr(step_class.input_type, '__name__', 'source')} -> {step_class.output_type.__name__}"
        table.add_row(name, flow, _fields_text(step_class), step_class.description or (step_class.__doc__ or ""))
    console.print(table)

    table = Table(title="sampling backends")
    table.add_column("name")
    table.add_column("description", overflow="fold")
    for name, backend in backends.items():
        table.add_row(name, (backend.__doc__ or "").strip().splitlines()[0] if backend.__doc__ else "")
    console.print(table)


def _fields_text(model: Any) -> str:
    lines = []
    for field_name, info in model.model_fields.items():
        annotation = getattr(info.annotation, "__name__", None) or str(info.annotation).replace("typing.", "")
        default = "required" if info.is_required() else f"default {info.get_default(call_default_factory=True)!r}"
        description = f": {info.description}" if info.description else ""
        lines.append(f"{field_name} ({annotation}, {default}){description}")
    return "\n".join(lines) or "(none)"


def ingest_command(
    source: Annotated[str, typer.Argument(help="a registered source name (see `toolpref steps`)")],
    paths: Annotated[list[Path], typer.Argument(help="files or folders in the source's native format")],
    out: Annotated[Path, typer.Option("--out", help="output folder for data.parquet, rejects.parquet, stats.json")],
) -> None:
    """Read one source into trajectories: DIR/data.parquet, DIR/rejects.parquet, DIR/stats.json."""
    from curation.pipeline import execute_step
    from curation.registry import UnknownPluginError
    from curation.steps.ingest import Ingest, SourceInput
    from curation.workspace import Workspace

    try:
        step = Ingest(sources=[SourceInput(source=source, paths=[str(p.resolve()) for p in paths])])
    except (UnknownPluginError, ValueError) as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        err_console.print(f"[red]no such file or folder: {', '.join(missing)}[/red]")
        raise typer.Exit(2)
    out = out.resolve()
    if out.exists():
        for name in ("data.parquet", "rejects.parquet", "stats.json", "_SUCCESS"):
            (out / name).unlink(missing_ok=True)
    staging = out.with_name(out.name + ".staging")
    with _progress() as progress:
        stats = execute_step(step, None, staging, Workspace.resolve(None), Path.cwd(), _Bars(progress), "ingest")
    out.mkdir(parents=True, exist_ok=True)
    for item in staging.iterdir():
        shutil.move(str(item), out / item.name)
    staging.rmdir()
    console.print(
        f"{source}: {stats['in']} in, {stats['out']} trajectories, {stats['rejected']} rejected -> {out}",
        highlight=False,
    )
    for reason, count in stats["reasons"].items():
        console.print(f"  {count:>6}  {reason}", highlight=False, markup=False)
