"""`toolpref argilla`: review pairs with a team in Argilla (v2) and bring the verdicts back.

    toolpref argilla push RUN|RELEASE --dataset NAME [--workspace DIR] [--api-url URL] [--api-key-env VAR]
    toolpref argilla pull --dataset NAME [--workspace DIR] [--api-url URL] [--api-key-env VAR]

The API key is read from an environment variable (default ARGILLA_API_KEY), never from the command line, and is
never printed. Layout and verdict mapping: curation/argilla.py.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

WorkspaceOption = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", help="workspace folder (default: $TOOLPREF_HOME or ./toolpref-data)"),
]
DatasetOption = Annotated[str, typer.Option("--dataset", help="the Argilla dataset name")]
ApiUrlOption = Annotated[
    str | None,
    typer.Option("--api-url", help="Argilla server URL (default: $ARGILLA_API_URL, else http://localhost:6900)"),
]
ApiKeyEnvOption = Annotated[
    str, typer.Option("--api-key-env", help="name of the environment variable that holds the Argilla API key")
]
ArgillaWorkspaceOption = Annotated[
    str, typer.Option("--argilla-workspace", help="the Argilla workspace that holds the dataset")
]

console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # error lines keep paths whole

argilla_app = typer.Typer(
    help="Review pairs in Argilla: push a run or release as a dataset, pull submitted answers into the review store.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `toolpref` app."""
    app.add_typer(argilla_app, name="argilla")


def _fail(message: str, code: int = 1) -> typer.Exit:
    err_console.print(Text(f"error: {message}", style="red"), soft_wrap=True)
    return typer.Exit(code)


def _client(api_url: str | None, api_key_env: str) -> Any:
    from curation.argilla import ArgillaError
    from curation.argilla_sync import DEFAULT_API_URL, connect

    url = api_url or os.environ.get("ARGILLA_API_URL") or DEFAULT_API_URL
    key = os.environ.get(api_key_env, "")
    if not key:
        raise _fail(f"set ${api_key_env} to your Argilla API key (or name another variable with --api-key-env)", 2)
    try:
        return connect(url, key)
    except ArgillaError as error:
        raise _fail(str(error)) from None


@argilla_app.command("push")
def push_command(
    source: Annotated[str, typer.Argument(help="a run (recipe name or run folder) or a release (NAME@VERSION)")],
    dataset: DatasetOption,
    workspace: WorkspaceOption = None,
    api_url: ApiUrlOption = None,
    api_key_env: ApiKeyEnvOption = "ARGILLA_API_KEY",
    argilla_workspace: ArgillaWorkspaceOption = "toolpref",
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, max=500, help="records per request")] = 200,
) -> None:
    """Create (or update) an Argilla dataset with one record per pair of a run or release."""
    from curation.argilla import ArgillaError, read_pairs
    from curation.argilla_sync import push_pairs
    from curation.workspace import Workspace

    try:
        described, pairs = read_pairs(Workspace.resolve(workspace), source)
    except ArgillaError as error:
        raise _fail(str(error)) from None
    client = _client(api_url, api_key_env)
    try:
        with err_console.status(f"pushing {described} to Argilla dataset {dataset!r} ...") as status:

            def progress(sent: int) -> None:
                status.update(f"pushing {described} to Argilla dataset {dataset!r}: {sent:,} pairs sent ...")

            report = push_pairs(client, pairs, dataset, argilla_workspace, batch_size=batch_size, progress=progress)
    except ArgillaError as error:
        raise _fail(str(error)) from None
    action = "created" if report.created else "updated"
    console.print(
        Text(
            f"{action} Argilla dataset {report.dataset!r} in workspace {report.workspace!r}: "
            f"{report.pushed:,} pairs from {described}"
        ),
        soft_wrap=True,
    )


@argilla_app.command("pull")
def pull_command(
    dataset: DatasetOption,
    workspace: WorkspaceOption = None,
    api_url: ApiUrlOption = None,
    api_key_env: ApiKeyEnvOption = "ARGILLA_API_KEY",
    argilla_workspace: ArgillaWorkspaceOption = "toolpref",
) -> None:
    """Append the submitted answers of an Argilla dataset to the review store (the Argilla user is the reviewer)."""
    from curation.argilla import ArgillaError
    from curation.argilla_sync import pull_answers
    from curation.workspace import Workspace

    ws = Workspace.resolve(workspace)
    client = _client(api_url, api_key_env)
    try:
        with err_console.status(f"reading submitted answers of {dataset!r} ..."):
            report = pull_answers(ws, client, dataset, argilla_workspace)
    except ArgillaError as error:
        raise _fail(str(error)) from None
    console.print(
        Text(
            f"{report.answers:,} submitted answers in {report.dataset!r}: {report.written:,} new decisions, "
            f"{report.unchanged:,} already recorded, {len(report.unusable):,} unusable -> {ws.review_db}"
        ),
        soft_wrap=True,
    )
    if report.by_verdict:
        console.print(Text(", ".join(f"{verdict}: {count}" for verdict, count in sorted(report.by_verdict.items()))))
    if report.unusable:
        table = Table(title="answers not recorded")
        for column in ("pair", "reviewer", "reason"):
            table.add_column(column)
        for item in report.unusable:
            table.add_row(Text(item.pair_id), Text(item.reviewer), Text(item.reason))
        err_console.print(table)
    if report.disagreements:
        table = Table(title="reviewers disagree (the last one recorded counts; settle them in the studio)")
        table.add_column("pair")
        table.add_column("verdicts")
        for pair_id, verdicts in sorted(report.disagreements.items()):
            table.add_row(Text(pair_id), Text(", ".join(f"{user}: {v}" for user, v in sorted(verdicts.items()))))
        console.print(table)
