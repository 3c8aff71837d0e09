"""Studio page timings with 30,000 pairs, measured in the browser (Debian Chromium driven by Playwright).

    .venv/bin/python benchmarks/studio.py [--pairs 30000] [--repeats 5]

Writes a run of realistic pairs (tests/app/pair_factory.py) to a temporary workspace, serves it with
`toolpref studio`, and times, from the user's action until Streamlit has finished the script run and the page
shows the expected result:

- first render of the Pairs page, cold (the server builds the pair index) and in a new session (index cached);
- first render of the Overview page (charts over all pairs);
- a filter change (source), a bin filter, a text search, clearing a filter;
- opening a pair, going to the next pair, and recording a decision.

It also times the data layer alone (index build, one filter) to separate server work from browser work.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app import data  # noqa: E402
from tests.app.browser import (  # noqa: E402
    chromium_page,
    chromium_version,
    missing_browser,
    pick_option,
    running_studio,
    wait_until_idle,
)
from tests.app.pair_factory import make_pairs, write_run  # noqa: E402


def timed(action: Callable[[], None], done: Callable[[], None]) -> float:
    started = time.perf_counter()
    action()
    done()
    return time.perf_counter() - started


def shows(page: Any, text: str) -> Callable[[], None]:
    def wait() -> None:
        page.get_by_text(text, exact=False).first.wait_for(timeout=120_000)
        wait_until_idle(page, timeout=120_000)

    return wait


def report(name: str, seconds: list[float]) -> None:
    if len(seconds) == 1:
        print(f"  {name:<44} {seconds[0] * 1000:8.0f} ms")
    else:
        print(
            f"  {name:<44} {statistics.median(seconds) * 1000:8.0f} ms median "
            f"(min {min(seconds) * 1000:.0f}, max {max(seconds) * 1000:.0f}, n={len(seconds)})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=30_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    reason = missing_browser()
    if reason:
        sys.exit(f"cannot measure in a browser: {reason}")

    with tempfile.TemporaryDirectory(prefix="studio-bench-") as folder:
        root = Path(folder) / "workspace"
        started = time.perf_counter()
        pairs = list(make_pairs(args.pairs, seed=1))
        run_dir = write_run(root, pairs, recipe="bench")
        print(f"{len(pairs):,} pairs written in {time.perf_counter() - started:.1f} s ({chromium_version()})")
        # Browser timings share the CPUs with the server: a busy machine inflates them, so say how busy it was.
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        by_source = {s: sum(1 for p in pairs if p.source == s) for s in {p.source for p in pairs}}
        total = f"{len(pairs):,} of {len(pairs):,} pairs match"

        data_file = next(run_dir.glob("*_balance-*")) / "data.parquet"
        started = time.perf_counter()
        index = data.with_status(data.load_pair_index([data_file]), {})
        index_seconds = time.perf_counter() - started
        started = time.perf_counter()
        data.filter_pairs(index, data.PairFilter(sources=("glaive",), text="tokyo"))
        filter_seconds = time.perf_counter() - started
        print("data layer (no browser):")
        report("pair index build", [index_seconds])
        report("one filter (source + text search)", [filter_seconds])

        server_side(root, by_source, args.repeats)

        with running_studio(root, Path(folder) / "studio.log", run="bench", timeout=120) as url:
            print("in the browser:")
            with chromium_page() as page:
                cold = timed(lambda: page.goto(f"{url}/pairs"), shows(page, total))
                report("Pairs, first render (cold: index built)", [cold])
            warm = []
            for _ in range(args.repeats):
                with chromium_page() as page:
                    warm.append(timed(lambda: page.goto(f"{url}/pairs"), shows(page, total)))
            report("Pairs, first render (new session, warm)", warm)
            # Reference: a light page (small tables), to tell the studio's cost from Streamlit's and the machine's.
            light = []
            for _ in range(args.repeats):
                with chromium_page() as page:
                    light.append(timed(lambda: page.goto(f"{url}/rejects"), shows(page, "Reasons")))
            report("reference: Rejects page, first render", light)
            with chromium_page() as page:
                overview = [timed(lambda: page.goto(url), shows(page, "Pairs per source"))]
                report("Overview, first render", overview)

            with chromium_page() as page:
                page.goto(f"{url}/pairs")
                shows(page, total)()
                changes, clears = [], []
                sources = sorted(by_source)
                for n in range(args.repeats):
                    source = sources[n % len(sources)]
                    expected = f"{by_source[source]:,} of {len(pairs):,} pairs match"
                    changes.append(timed(lambda: pick_option(page, "Source", source), shows(page, expected)))  # noqa: B023
                    clears.append(
                        timed(
                            lambda: page.get_by_role("button", name="Clear all").first.click(),
                            shows(page, total),
                        )
                    )
                report("filter change (source)", changes)
                report("filter cleared", clears)

                in_bin = sum(1 for p in pairs if p.intensity_bin == 10)
                report(
                    "filter change (intensity bin)",
                    [timed(lambda: pick_option(page, "Intensity bin", "10"), shows(page, f"{in_bin:,} of"))],
                )
                page.get_by_role("button", name="Clear all").first.click()
                shows(page, total)()

                searches = []
                for word in ("nairobi", "send_email", "2024-09-14", "quarterly", "yen"):
                    hits = sum(1 for p in pairs if word in _searchable(p))
                    box = page.get_by_role("textbox", name="Search")

                    def search(box: Any = box, word: str = word) -> None:
                        box.fill(word)
                        box.press("Enter")

                    searches.append(timed(search, shows(page, f"{hits:,} of {len(pairs):,} pairs match")))
                report("text search", searches)
                box = page.get_by_role("textbox", name="Search")
                box.fill("")
                box.press("Enter")
                shows(page, total)()

                first = page.get_by_role("button", name="Review from the first match")
                report("open a pair", [timed(first.click, shows(page, "Chosen vs rejected"))])
                nexts = []
                for n in range(args.repeats):
                    nexts.append(
                        timed(
                            lambda: page.get_by_role("button", name="Next").click(),
                            shows(page, f"{n + 2} of "),
                        )
                    )
                report("next pair", nexts)
                decide = page.get_by_role("button", name="Flag")
                report("record a decision", [timed(decide.click, shows(page, "Current verdict: flag"))])
        print(f"load average {os.getloadavg()[0]:.1f} at the end")


def server_side(root: Path, by_source: dict[str, int], repeats: int) -> None:
    """The same interactions run by Streamlit's AppTest in this process: the script's own time, no browser."""
    from streamlit.testing.v1 import AppTest

    os.environ["TOOLPREF_HOME"] = str(root)
    at = AppTest.from_file(str(REPO / "app" / "studio.py"), default_timeout=300)
    at.run()
    started = time.perf_counter()
    at.switch_page("views/pairs.py").run()
    first = time.perf_counter() - started

    def click(label: str) -> None:
        next(button for button in at.button if button.label == label).click().run()

    changes = []
    for n in range(repeats):
        source = sorted(by_source)[n % len(by_source)]
        widget = at.multiselect(key="f_source")
        changes.append(timed(lambda: widget.set_value([source]).run(), lambda: None))  # noqa: B023
    opened = timed(lambda: click("Review from the first match"), lambda: None)
    nexts = [timed(lambda: click("Next"), lambda: None) for _ in range(repeats)]
    decided = timed(lambda: click("Flag"), lambda: None)
    print("server side (AppTest, script runs only; index already built by the Overview run):")
    report("Pairs, first render", [first])
    report("filter change (source)", changes)
    report("open a pair", [opened])
    report("next pair", nexts)
    report("record a decision", [decided])


def _searchable(pair: Any) -> str:
    parts = [pair.pair_id, pair.task.id, *(t.name for t in pair.task.tools)]
    parts += [m.content for m in pair.task.history] + [pair.chosen.text, pair.rejected.text]
    return "\n".join(parts).lower()


if __name__ == "__main__":
    main()
