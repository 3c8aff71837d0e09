"""`toolpref studio`: the browser studio over a workspace (Streamlit, bound to 127.0.0.1 unless told otherwise)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

STUDIO_SCRIPT = Path(__file__).with_name("studio.py")


def studio_command(workspace: Path, port: int, host: str, run: str | None) -> tuple[list[str], dict[str, str]]:
    """The `streamlit run` command line and environment that serve the studio."""
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(STUDIO_SCRIPT),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "minimal",
    ]
    env = dict(os.environ)
    env["TOOLPREF_HOME"] = str(workspace)
    # The script imports `app` and `curation`: make the folder that holds them importable even when the project
    # is not installed (a checkout).
    package_root = str(STUDIO_SCRIPT.parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    if run:
        env["TOOLPREF_STUDIO_RUN"] = run
    else:
        env.pop("TOOLPREF_STUDIO_RUN", None)
    return command, env


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `toolpref` app."""

    @app.command("studio")
    def studio(
        workspace: Annotated[
            Path | None,
            typer.Option("--workspace", "-w", help="workspace folder (default: $TOOLPREF_HOME or ./toolpref-data)"),
        ] = None,
        port: Annotated[int, typer.Option(help="port to serve on", min=0, max=65535)] = 8501,
        host: Annotated[
            str, typer.Option(help="address to bind; 0.0.0.0 exposes the studio to your network")
        ] = "127.0.0.1",
        run: Annotated[str | None, typer.Option("--run", help="the run (recipe name) to open first")] = None,
    ) -> None:
        """Review pairs, browse rejects and publish releases in the browser."""
        import importlib.util

        from curation.workspace import Workspace

        if importlib.util.find_spec("streamlit") is None:
            typer.echo("the studio needs Streamlit: pip install 'toolpref-studio[app]'", err=True)
            raise typer.Exit(2)
        root = Workspace.resolve(workspace).root
        if not root.is_dir():
            typer.echo(f"no workspace at {root}: run a recipe first (toolpref run demo) or pass --workspace", err=True)
            raise typer.Exit(2)
        command, env = studio_command(root, port, host, run)
        typer.echo(f"ToolPref Studio on http://{host}:{port} (workspace {root}); Ctrl+C stops it", err=True)
        sys.stdout.flush()
        sys.stderr.flush()
        # Become the Streamlit server (no child process): signals and the exit status are the server's own.
        os.execve(command[0], command, env)
