"""`toolpref argilla push/pull` errors that need no Argilla server: one readable line, a non-zero exit."""

from __future__ import annotations

import socket
from pathlib import Path

from typer.testing import CliRunner

from curation.cli import app
from curation.workspace import Workspace
from tests.release.conftest import RunSpec, make_pool, write_run

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["argilla", *args], env={"ARGILLA_API_KEY": "", "ARGILLA_API_URL": "", **(env or {})})
    return result.exit_code, result.output


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_push_names_a_missing_run_or_release(tmp_path: Path) -> None:
    code, output = invoke("push", "nothing", "--dataset", "d", "-w", str(tmp_path))
    assert code == 1 and "error: no finished run" in output
    code, output = invoke("push", "rel@v1", "--dataset", "d", "-w", str(tmp_path))
    assert code == 1 and "error: no release rel@v1" in output


def test_a_missing_key_or_an_unreachable_server_is_said_plainly(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    write_run(workspace, make_pool(per_source=2), RunSpec(recipe="toy", target_size=6, validation_size=2))
    ws = str(workspace.root)
    code, output = invoke("push", "toy", "--dataset", "d", "-w", ws, "--api-key-env", "MY_ARGILLA_KEY")
    assert code == 2 and "set $MY_ARGILLA_KEY to your Argilla API key" in output
    code, output = invoke("pull", "--dataset", "d", "-w", ws)
    assert code == 2 and "set $ARGILLA_API_KEY to your Argilla API key" in output

    url = f"http://127.0.0.1:{closed_port()}"
    secret = "owner.not-a-real-key-1234"
    for command in (["push", "toy"], ["pull"]):
        code, output = invoke(*command, "--dataset", "d", "-w", ws, "--api-url", url, env={"ARGILLA_API_KEY": secret})
        assert code == 1, output
        assert f"error: cannot use the Argilla server at {url}" in output
        assert secret not in output
    assert not workspace.review_db.exists()  # nothing was written for a pull that could not start


def test_batch_size_is_bounded(tmp_path: Path) -> None:
    code, output = invoke("push", "toy", "--dataset", "d", "-w", str(tmp_path), "--batch-size", "0")
    assert code == 2 and "--batch-size" in output
