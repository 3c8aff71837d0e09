"""`toolpref train disc|gen`: train a reward model on a release, with OpenRLHF (the paper's setting) or TRL."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # error lines keep paths whole

train_app = typer.Typer(
    name="train",
    help="Train a reward model on a release: disc (Bradley–Terry) or gen (GRPO with the choice reward).",
    no_args_is_help=True,
)

ReleaseOption = Annotated[
    str, typer.Option("--release", "-r", help="NAME@VERSION in the workspace, a release folder, or owner/repo@rev")
]
BaseOption = Annotated[str | None, typer.Option("--base", help="base model (Hub id or folder); default: the paper's")]
BackendOption = Annotated[
    str, typer.Option("--backend", help="openrlhf (multi-GPU, the paper's setting) or trl (one machine, CPU or GPU)")
]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="print the resolved config and command; run nothing")]
SetOption = Annotated[list[str] | None, typer.Option("--set", help="override a config field: key=value (repeatable)")]
WorkspaceOption = Annotated[
    Path | None, typer.Option("--workspace", "-w", help="workspace folder (default: $TOOLPREF_HOME or ./toolpref-data)")
]
OutputOption = Annotated[
    Path | None, typer.Option("--output-dir", help="where the checkpoint goes (default: <workspace>/models/...)")
]


def register(app: typer.Typer) -> None:
    app.add_typer(train_app, name="train")


@train_app.command("disc")
def train_disc_command(
    release: ReleaseOption,
    base: BaseOption = None,
    backend: BackendOption = "openrlhf",
    dry_run: DryRunOption = False,
    sets: SetOption = None,
    workspace: WorkspaceOption = None,
    output_dir: OutputOption = None,
) -> None:
    """ToolRM-Disc: a sequence-classification RM trained with −log σ(r⁺ − r⁻) on the release's disc (or trl) config."""
    _train("disc", release, base, backend, dry_run, sets or [], workspace, output_dir)


@train_app.command("gen")
def train_gen_command(
    release: ReleaseOption,
    base: BaseOption = None,
    backend: BackendOption = "openrlhf",
    dry_run: DryRunOption = False,
    sets: SetOption = None,
    workspace: WorkspaceOption = None,
    output_dir: OutputOption = None,
) -> None:
    """ToolRM-Gen: GRPO on the critique prompt (genrm_think / genrm_no_think), reward 1 for the right <choice>."""
    _train("gen", release, base, backend, dry_run, sets or [], workspace, output_dir)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def _train(
    kind: str,
    release_ref: str,
    base: str | None,
    backend: str,
    dry_run: bool,
    sets: list[str],
    workspace: Path | None,
    output_dir: Path | None,
) -> None:
    from curation.workspace import Workspace
    from training.config import BACKENDS, ConfigError
    from training.launch import plan_run
    from training.release import ReleaseError

    if backend not in BACKENDS:
        raise _fail(f"--backend {backend!r}: use one of {', '.join(BACKENDS)}")
    ws = Workspace.resolve(workspace)
    try:
        plan = plan_run(kind, release_ref, backend, ws, sets=sets, base_model=base, output_dir=output_dir)
    except ConfigError as error:
        for problem in error.problems:
            err_console.print(f"[red]error:[/red] {problem}", highlight=False)
        raise typer.Exit(2) from None
    except (ReleaseError, ValueError) as error:
        raise _fail(str(error)) from None

    _print_plan(plan)
    if dry_run:
        return
    from training.launch import execute

    try:
        result = execute(plan)
    except RuntimeError as error:
        raise _fail(str(error), 1) from None
    if result.skipped:
        console.print(f"already trained: {plan.output_dir} (its run_manifest.json says finished); nothing to do")
        return
    if result.exit_code != 0:
        raise _fail(f"training exited with code {result.exit_code}; see {plan.output_dir}/run_manifest.json", 1)
    console.print(f"[green]done[/green]: checkpoint and run_manifest.json in {plan.output_dir}")
    _print_metrics(result.metrics)


def _print_plan(plan: Any) -> None:
    import yaml

    console.print(
        f"[bold]{plan.kind}[/bold] reward model, backend [bold]{plan.backend}[/bold], release {plan.release.ref} "
        f"({plan.release.origin}, manifest sha256 {plan.release.manifest_sha256[:12]}), config {plan.release_config}"
    )
    for split, path in plan.data_files.items():
        console.print(f"{split}: {path}", highlight=False)
    console.print(f"output: {plan.output_dir}", highlight=False)
    console.print("[bold]resolved config[/bold]")
    console.print(yaml.safe_dump(plan.config.model_dump(mode="json"), sort_keys=False).rstrip(), highlight=False)
    if plan.launch is not None:
        console.print("[bold]command[/bold]")
        console.print(plan.launch.shell(), highlight=False, markup=False, soft_wrap=True)
        console.print(plan.flag_check, highlight=False)
    else:
        console.print("[bold]TRL trainer arguments[/bold]")
        console.print(yaml.safe_dump(plan.trainer_args, sort_keys=False).rstrip(), highlight=False)


def _print_metrics(metrics: dict[str, Any]) -> None:
    for key, value in sorted(metrics.items()):
        console.print(f"  {key}: {value}", highlight=False)
