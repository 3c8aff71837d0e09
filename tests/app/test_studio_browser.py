"""A curator's session in a real browser: `toolpref studio` on a loopback port, Debian Chromium via Playwright.

Filter the pairs, open one from the table, reject it with a note, and find the decision in SQLite. The page is
kept as a screenshot in tests/artifacts/ (or $TOOLPREF_TEST_ARTIFACTS).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from curation.schema import Pair
from tests.app.browser import (
    artifact_dir,
    chromium_page,
    click_table_row,
    missing_browser,
    pick_option,
    running_studio,
    wait_until_idle,
)
from tests.app.pair_factory import write_run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def _browser_present() -> None:
    reason = missing_browser()
    if reason:
        pytest.skip(reason)


def test_a_curator_filters_opens_and_rejects_a_pair(tmp_path: Path, demo_pairs: list[Pair]) -> None:
    root = tmp_path / "workspace"
    write_run(root, demo_pairs, recipe="demo")
    hermes = [pair for pair in demo_pairs if pair.source == "hermes"]
    # The third hermes pair, opened from the table's third row: proves the row maps to the right pair.
    target = hermes[2]
    shots = artifact_dir()

    with running_studio(root, tmp_path / "studio.log", run="demo") as url, chromium_page() as page:
        outside: list[str] = []  # the studio must work offline: no request may leave the loopback server
        page.on(
            "request", lambda request: None if request.url.startswith((url, "data:")) else outside.append(request.url)
        )
        page.goto(f"{url}/pairs")
        page.get_by_text(f"{len(demo_pairs)} of {len(demo_pairs)} pairs match").wait_for()
        wait_until_idle(page)

        reviewer = page.get_by_role("textbox", name="Reviewer")
        reviewer.fill("ada")
        reviewer.press("Enter")
        wait_until_idle(page)

        pick_option(page, "Source", "hermes")
        page.get_by_text(f"{len(hermes)} of {len(demo_pairs)} pairs match").wait_for()
        wait_until_idle(page)
        page.screenshot(path=str(shots / "studio_pairs_filtered.png"))

        click_table_row(page, 2)
        page.get_by_text(f"Pair {target.pair_id} · 3 of {len(hermes)} matching pairs").wait_for()
        page.get_by_text("Chosen vs rejected").wait_for()
        wait_until_idle(page)
        # The rejected turn is on the page as text, exactly as it was produced.
        assert page.get_by_text(target.rejected.text.splitlines()[1], exact=False).count() >= 1

        page.get_by_role("textbox", name="Note").fill("wrong argument value")
        page.get_by_role("button", name="Reject").click()
        page.get_by_text("Current verdict: reject (by ada)").wait_for()
        wait_until_idle(page)
        screenshot = shots / "studio_pair_review.png"
        page.set_viewport_size({"width": 1500, "height": 2300})  # Streamlit scrolls inside the page: grow it
        wait_until_idle(page)
        page.screenshot(path=str(screenshot))
        print(f"screenshot: {screenshot}")

        page.get_by_role("button", name="Next").click()
        page.get_by_text(f"4 of {len(hermes)} matching pairs", exact=False).wait_for()
        assert outside == []

    with sqlite3.connect(root / "review.db") as conn:
        rows = conn.execute("SELECT pair_id, verdict, note, reviewer FROM decisions").fetchall()
    assert rows == [(target.pair_id, "reject", "wrong argument value", "ada")]
