"""Serving the studio with the real `toolpref studio` command and driving it in Debian's Chromium with Playwright.

Shared by the browser test and benchmarks/studio.py. Chromium comes from apt (`apt-get install chromium`),
Playwright from PyPI; `playwright install` is never used.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = REPO / "tests" / "artifacts"


def missing_browser() -> str | None:
    """Why the browser cannot run here, or None when it can."""
    if not CHROMIUM.is_file():
        return "Debian chromium is not installed (apt-get install -y chromium chromium-driver)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright; never `playwright install`)"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def toolpref_command() -> list[str]:
    """The installed `toolpref` script beside this interpreter, else the same CLI run as a module."""
    script = Path(sys.executable).with_name("toolpref")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "curation.cli"]


@contextmanager
def running_studio(workspace: Path, log: Path, run: str | None = None, timeout: float = 60) -> Iterator[str]:
    """`toolpref studio` on a free loopback port; yields its URL once it answers its health check."""
    port = free_port()
    command = [*toolpref_command(), "studio", "--workspace", str(workspace), "--port", str(port)]
    if run:
        command += ["--run", run]
    env = {key: value for key, value in os.environ.items() if not key.startswith("TOOLPREF_")}
    env.update(PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
    with log.open("w") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the studio exited with {server.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the studio did not answer within {timeout} s:\n{log.read_text()}")
            time.sleep(0.1)
        yield url
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@contextmanager
def chromium_page(width: int = 1500, height: int = 1100) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()


def wait_until_idle(page: Any, timeout: float = 60_000) -> None:
    """Wait until Streamlit has finished its script run (the app's data-test-script-state says so)."""
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state')"
        " === 'notRunning'",
        timeout=timeout,
    )


def pick_option(page: Any, label: str, option: str) -> None:
    """Choose ``option`` in the multiselect labelled ``label``."""
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def click_table_row(page: Any, row: int, table: int = 0) -> None:
    """Tick the selection box of ``row`` (0-based) of a st.dataframe: the grid is a canvas, so by position."""
    grid = page.locator('[data-testid="stDataFrame"]').nth(table)
    box = grid.bounding_box()
    assert box is not None, "the table is not on screen"
    row_height = 35  # st.dataframe's default row height, header included
    page.mouse.click(box["x"] + 14, box["y"] + row_height * (row + 1) + row_height / 2)


def artifact_dir() -> Path:
    """tests/artifacts (ignored by git), or $TOOLPREF_TEST_ARTIFACTS when CI wants them elsewhere."""
    folder = Path(os.environ.get("TOOLPREF_TEST_ARTIFACTS", ARTIFACTS))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def chromium_version() -> str:
    found = shutil.which(str(CHROMIUM))
    if not found:
        return "absent"
    completed = subprocess.run([found, "--version"], capture_output=True, text=True, check=False)
    return completed.stdout.strip()
