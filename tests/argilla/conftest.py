"""A real argilla-server (2.8.0, in .venv-argilla) on loopback, with Redis from Debian, shared by the session.

The server's search backend is an in-memory stand-in (tests/argilla/server/memory_engine.py, registered through
argilla-server's own ``SearchEngine.register``), because Elasticsearch/OpenSearch cannot run on these machines.
Everything else is the real server: its SQLite database, migrations, users, API and validation.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVER_PYTHON = REPO / ".venv-argilla" / "bin" / "python"
START_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class ArgillaServer:
    url: str
    api_key: str  # the owner's
    redis_socket: Path
    log: Path


def _wait_for_file(path: Path, process: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{path.name} did not appear; log:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def argilla_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArgillaServer]:
    if not SERVER_PYTHON.exists():
        pytest.skip(f"{SERVER_PYTHON} is missing: run scripts/setup_argilla_env.sh")
    redis_binary = shutil.which("redis-server")
    if redis_binary is None:
        pytest.skip("redis-server is missing: apt-get install redis-server (scripts/setup_test_env.sh does)")
    home = tmp_path_factory.mktemp("argilla")
    # A unix socket, not a TCP port: no port to pick, nothing reachable from outside, and short enough a path.
    redis_socket = home / "redis.sock"
    redis_log = home / "redis.log"
    with redis_log.open("wb") as sink:
        redis = subprocess.Popen(
            [redis_binary, "--port", "0", "--unixsocket", str(redis_socket), "--save", "", "--appendonly", "no"],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server: subprocess.Popen[bytes] | None = None
    try:
        _wait_for_file(redis_socket, redis, 10.0, redis_log)
        api_key = f"owner.{secrets.token_hex(16)}"
        log = home / "server.log"
        port_file = home / "port"
        env = {key: value for key, value in os.environ.items() if not key.startswith(("ARGILLA_", "HF_"))}
        env.update(PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
        with log.open("wb") as sink:
            server = subprocess.Popen(
                [
                    str(SERVER_PYTHON),
                    "-m",
                    "tests.argilla.server.launch",
                    "--home",
                    str(home / "server"),
                    "--redis-url",
                    f"unix://{redis_socket}",
                    "--owner-api-key",
                    api_key,
                    "--port-file",
                    str(port_file),
                ],
                cwd=REPO,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        _wait_for_file(port_file, server, START_TIMEOUT_S, log)
        url = f"http://127.0.0.1:{port_file.read_text().strip()}"
        _wait_until_serving(url, api_key, server, log)
        yield ArgillaServer(url=url, api_key=api_key, redis_socket=redis_socket, log=log)
    finally:
        if server is not None:
            _stop(server)
        _stop(redis)


def _wait_until_serving(url: str, api_key: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    request = urllib.request.Request(f"{url}/api/v1/me", headers={"X-Argilla-Api-Key": api_key})
    while True:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"argilla-server did not start; log:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)
