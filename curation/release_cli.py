"""`toolpref release`: make a versioned release of a run, diff two releases, list them, push one to the Hub.

    toolpref release RUN --name N --version V [--push REPO_ID] [--workspace DIR]
    toolpref release diff A B            (A, B: NAME@VERSION or a release folder)
    toolpref release list
    toolpref release push NAME@VERSION REPO_ID

``release RUN ...`` is short for ``release create RUN ...``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

WorkspaceOption = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", help="workspace folder (default: $TOOLPREF_HOME or ./toolpref-data)"),
]
TokenOption = Annotated[
    str | None,
    typer.Option("--token", help="Hub token (default: $HF_TOKEN, else your saved login); never printed or stored"),
]
PrivateOption = Annotated[bool, typer.Option("--private", help="create the Hub repo as private if it is new")]

console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # error lines keep paths whole


class _CreateByDefault(TyperGroup):
    """``toolpref release RUN ...`` runs the `create` command: a first argument that is no command is a run."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["create", *args]
        result: list[str] = super().parse_args(ctx, args)
        return result


release_app = typer.Typer(
    cls=_CreateByDefault,
    help="Versioned releases: `toolpref release RUN --name N --version V [--push REPO_ID]`, diff, list, push.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `toolpref` app."""
    app.add_typer(release_app, name="release")


def _fail(message: str, code: int = 1) -> typer.Exit:
    err_console.print(Text(f"error: {message}", style="red"), soft_wrap=True)  # unbroken, so commands copy well
    return typer.Exit(code)


@release_app.command("create")
def create_command(
    run: Annotated[str, typer.Argument(help="a recipe name in the workspace, or a run folder (runs/<recipe>)")],
    name: Annotated[str, typer.Option("--name", help="release name (a folder under releases/)")],
    version: Annotated[str, typer.Option("--version", help="release version, e.g. v1 (also the Hub tag)")],
    push: Annotated[str | None, typer.Option("--push", help="then push it to this Hub dataset repo (ns/name)")] = None,
    token: TokenOption = None,
    private: PrivateOption = False,
    no_plots: Annotated[bool, typer.Option("--no-plots", help="leave the PNG plots out of the card")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Write releases/NAME/VERSION from a finished run, with review decisions applied; optionally push it."""
    from curation.release import ReleaseError, build_release
    from curation.workspace import Workspace

    ws = Workspace.resolve(workspace)
    try:
        with err_console.status(f"building release {name}@{version} from {run} ..."):
            release = build_release(ws, run, name, version, hub_repo=push, plots=not no_plots)
    except ReleaseError as error:
        raise _fail(str(error)) from None
    _print_release(release)
    if push:
        _push(release.path, release.ref, push, token, private)


@release_app.command("push")
def push_command(
    release: Annotated[str, typer.Argument(help="NAME@VERSION in the workspace, or a release folder")],
    repo_id: Annotated[str, typer.Argument(help="Hub dataset repo (namespace/name); created if needed")],
    token: TokenOption = None,
    private: PrivateOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Push an existing release to the Hub as one commit tagged with its version (safe to retry)."""
    from curation.release import ReleaseError, resolve_release
    from curation.workspace import Workspace

    try:
        found = resolve_release(Workspace.resolve(workspace), release)
    except ReleaseError as error:
        raise _fail(str(error)) from None
    _push(found.path, found.ref, repo_id, token, private)


def _push(path: Path, ref: str, repo_id: str, token: str | None, private: bool) -> None:
    from curation.hub_push import PublishError, publish

    try:
        with err_console.status(f"pushing {ref} to {repo_id} ..."):
            result = publish(path, repo_id, token, private=private or None)
    except PublishError as error:
        raise _fail(f"{error}\nthe release is intact; retry with: toolpref release push {ref} {repo_id}") from None
    if result.already_published:
        console.print(Text(f"{repo_id} already holds {ref} at tag {result.version} ({result.commit_oid[:12]})"))
    else:
        console.print(Text(f"pushed {ref} to {repo_id}: commit {result.commit_oid[:12]}, tag {result.version}"))
        console.print(Text(result.commit_url), soft_wrap=True)


def _print_release(release: Any) -> None:
    table = Table(title=f"release {release.ref}")
    for column in ("config", "train", "validation"):
        table.add_column(column, justify="left" if column == "config" else "right")
    for config, splits in release.configs.items():
        table.add_row(Text(config), f"{splits.get('train', 0):,}", f"{splits.get('validation', 0):,}")
    console.print(table)
    review = release.review
    console.print(
        Text(
            f"{release.pairs:,} pairs; review: {len(review['rejected'])} rejected, {len(review['swapped'])} swapped, "
            f"{len(review['flagged'])} flagged, {review['unreviewed']:,} unreviewed"
        )
    )
    console.print(Text(f"written to {release.path}"), soft_wrap=True)


@release_app.command("diff")
def diff_command(
    a: Annotated[str, typer.Argument(help="the older release: NAME@VERSION or a release folder")],
    b: Annotated[str, typer.Argument(help="the newer release: NAME@VERSION or a release folder")],
    limit: Annotated[int, typer.Option("--limit", help="rows shown per table (0: all)")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="print the whole diff as JSON")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Pairs added, removed and changed (swapped, rescored, moved between splits) from A to B."""
    import json

    from curation.release import ReleaseError, resolve_release
    from curation.release_diff import diff_releases
    from curation.workspace import Workspace

    ws = Workspace.resolve(workspace)
    try:
        diff = diff_releases(resolve_release(ws, a), resolve_release(ws, b))
    except ReleaseError as error:
        raise _fail(str(error)) from None
    if as_json:
        typer.echo(json.dumps(diff.to_json(), indent=2))
        return
    summary = Table(title=f"{diff.a} -> {diff.b}")
    for column in ("added", "removed", "changed", "unchanged"):
        summary.add_column(column, justify="right")
    summary.add_row(*(f"{n:,}" for n in (len(diff.added), len(diff.removed), len(diff.changed), diff.unchanged)))
    console.print(summary)
    shown = limit if limit > 0 else None
    for title, rows in (("added", diff.added), ("removed", diff.removed)):
        if rows:
            table = Table(title=f"{title} ({len(rows):,})")
            table.add_column("pair id")
            table.add_column("source")
            for pair_id, source in rows[:shown]:
                table.add_row(Text(pair_id), Text(source))
            console.print(table)
    if diff.changed:
        table = Table(title=f"changed ({len(diff.changed):,})")
        for column in ("pair id", "source", "change", "detail"):
            table.add_column(column, overflow="fold")
        for change in diff.changed[:shown]:
            table.add_row(Text(change.pair_id), Text(change.source), Text(", ".join(change.kinds)), Text(change.detail))
        console.print(table)
    if shown is not None and max(len(diff.added), len(diff.removed), len(diff.changed)) > shown:
        console.print(Text(f"(tables cut at {shown} rows; --limit 0 or --json shows all)", style="dim"))


@release_app.command("list")
def list_command(workspace: WorkspaceOption = None) -> None:
    """Every release in the workspace."""
    from curation.release import list_releases
    from curation.workspace import Workspace

    releases = list_releases(Workspace.resolve(workspace))
    if not releases:
        console.print("no releases yet: toolpref release RUN --name N --version V")
        return
    table = Table(title="releases")
    table.add_column("release", no_wrap=True)
    table.add_column("created", no_wrap=True)
    table.add_column("run")
    for column in ("pairs", "train", "val.", "rej.", "swap", "flag"):
        table.add_column(column, justify="right")
    for release in releases:
        review = release.review
        table.add_row(
            Text(release.ref),
            release.created_at[:10],
            Text(release.recipe),
            f"{release.pairs:,}",
            f"{release.splits.get('train', 0):,}",
            f"{release.splits.get('validation', 0):,}",
            str(len(review["rejected"])),
            str(len(review["swapped"])),
            str(len(review["flagged"])),
        )
    console.print(table)
