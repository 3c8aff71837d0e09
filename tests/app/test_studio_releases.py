"""The Releases page over real releases (curation.release.build_release on a fixture run), with publishing to
the project's Hub-compatible test server (tests/hubserver) on loopback: the real Hub is not reachable here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from curation.release import build_release
from curation.review import ReviewStore, Verdict
from curation.schema import Pair
from curation.workspace import Workspace
from tests.app.conftest import REPO, STUDIO, StudioWorkspace
from tests.app.pair_factory import write_run
from tests.app.test_studio_pages import click, open_page
from tests.hubserver import HubServer


@pytest.fixture(scope="module")
def _released(tmp_path_factory: pytest.TempPathFactory, demo_pairs: list[Pair]) -> Path:
    """A workspace with releases v1 and v2 of the fixture run, built once (a build takes seconds: plots)."""
    root = tmp_path_factory.mktemp("released") / "workspace"
    write_run(root, demo_pairs, recipe="demo")
    ws = Workspace.resolve(root)
    store = ReviewStore(ws.review_db)
    store.record(demo_pairs[0].pair_id, Verdict.reject)
    build_release(ws, "demo", "toolpref-pairs", "v1")
    store.record(demo_pairs[0].pair_id, Verdict.accept)  # back in v2
    store.record(demo_pairs[1].pair_id, Verdict.reject)  # out of v2
    store.record(demo_pairs[2].pair_id, Verdict.swap)  # changed in v2
    build_release(ws, "demo", "toolpref-pairs", "v2")
    store.close()
    return root


@pytest.fixture
def two_releases(
    _released: Path, demo_pairs: list[Pair], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> StudioWorkspace:
    root = Path(shutil.copytree(_released, tmp_path / "workspace"))
    monkeypatch.setenv("TOOLPREF_HOME", str(root))
    monkeypatch.delenv("TOOLPREF_STUDIO_RUN", raising=False)
    return StudioWorkspace(root, demo_pairs)


def element_texts(at: AppTest) -> list[str]:
    found = []
    for kind in (at.text, at.markdown, at.caption, at.code, at.success, at.error, at.info, at.json):
        found += [str(element.value) for element in kind]
    return found


def test_releases_are_listed_with_their_contents(two_releases: StudioWorkspace) -> None:
    at = open_page("views/releases.py")
    listing = at.dataframe[0].value
    n = len(two_releases.pairs)
    assert list(listing["release"]) == ["toolpref-pairs@v1", "toolpref-pairs@v2"]
    assert list(listing["pairs"]) == [n - 1, n - 1]
    configs = at.dataframe[1].value  # of the selected release, the newest
    pairs_row = configs[configs["config"] == "pairs"].iloc[0]
    splits = [p.split for p in two_releases.pairs if p.pair_id != two_releases.pairs[1].pair_id]
    assert (pairs_row["train"], pairs_row["validation"]) == (splits.count("train"), splits.count("validation"))
    assert any("# " in code and "toolpref-pairs" in code for code in (c.value for c in at.code))  # the card, as text


def test_the_diff_names_added_removed_and_changed_pairs(two_releases: StudioWorkspace) -> None:
    pairs = two_releases.pairs
    at = open_page("views/releases.py")
    assert at.selectbox(key="diff_a").value == "toolpref-pairs@v1"
    assert at.selectbox(key="diff_b").value == "toolpref-pairs@v2"
    click(at, "Compare")
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics == {"Added": "1", "Removed": "1", "Changed": "1", "Unchanged": str(len(pairs) - 3)}
    added, removed, changed = (frame.value for frame in at.dataframe[-3:])
    assert list(added["pair_id"]) == [pairs[0].pair_id]
    assert list(removed["pair_id"]) == [pairs[1].pair_id]
    assert list(changed["pair_id"]) == [pairs[2].pair_id] and "swapped" in changed["change"][0]


def test_a_release_is_built_from_the_page(studio_workspace: StudioWorkspace) -> None:
    ReviewStore(studio_workspace.review_db).record(studio_workspace.pairs[5].pair_id, Verdict.reject)
    at = open_page("views/releases.py")
    at.text_input(key="release_name").input("curated")
    at.text_input(key="release_version").input("v1")
    click(at, "Build release")
    release = studio_workspace.root / "releases" / "curated" / "v1"
    assert (release / "manifest.json").is_file()
    assert any("Released curated@v1" in text.replace("\\", "") for text in element_texts(at))
    click(at, "Build release")  # the same version again: refused, nothing overwritten
    assert any("immutable" in error.value for error in at.error)


# Run in a subprocess: huggingface_hub reads HF_HUB_OFFLINE / HF_HUB_DISABLE_XET when it is imported, so only a
# fresh interpreter gets the test Hub's settings whatever this process imported before.
PUBLISH_SCRIPT = """
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=120).run()
at.switch_page("views/releases.py").run()
results = []
for token in sys.argv[2:]:
    at.text_input(key="publish_repo").input("curators/toolpref-pairs")
    at.text_input(key="publish_token").input(token)
    next(b for b in at.button if b.label == "Publish").click().run()
    shown = [str(e.value) for kind in (at.text, at.markdown, at.caption, at.code, at.success, at.error, at.info)
             for e in kind]
    results.append({"errors": [e.value for e in at.error], "exceptions": [str(e.value) for e in at.exception],
                    "shown": shown})
print(json.dumps(results))
"""


@pytest.mark.slow
def test_publish_pushes_to_the_hub_without_showing_the_token(two_releases: StudioWorkspace, tmp_path: Path) -> None:
    token = "hf_studio_secret_token_123"
    with HubServer(token=token) as hub:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE"))}
        env.update(
            PYTHONPATH=str(REPO),
            TOOLPREF_HOME=str(two_releases.root),
            HF_ENDPOINT=hub.url,
            HF_HUB_DISABLE_XET="1",
            HF_HOME=str(tmp_path / "hf-home"),
        )
        completed = subprocess.run(
            [sys.executable, "-c", PUBLISH_SCRIPT, str(STUDIO), "not-the-token", token],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert completed.returncode == 0, completed.stderr[-3000:]
        refused, published = json.loads(completed.stdout.strip().splitlines()[-1])
        repo = hub.store.repos.get(("dataset", "curators/toolpref-pairs"))
        assert repo is not None and "v2" in repo.tags
    assert refused["errors"] and "safe to retry" in refused["errors"][0]
    assert published["errors"] == [] and published["exceptions"] == []
    assert any("is published as curators/toolpref-pairs@v2" in text.replace("\\", "") for text in published["shown"])
    for result in (refused, published):
        assert all(token not in text and "not-the-token" not in text for text in result["shown"])


def test_a_release_opens_as_the_dataset(two_releases: StudioWorkspace) -> None:
    at = open_page()
    picker = at.sidebar.selectbox(key="dataset")
    assert picker.options == ["run: demo", "release: toolpref-pairs@v1", "release: toolpref-pairs@v2"]
    picker.set_value(("release", "toolpref-pairs@v2")).run()
    assert not at.exception
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Pairs"] == str(len(two_releases.pairs) - 1)  # pairs[1] was rejected before v2


def test_a_missing_release_function_disables_only_its_part(
    two_releases: StudioWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import curation.release_diff

    monkeypatch.delattr(curation.release_diff, "diff_releases")
    at = open_page("views/releases.py")
    assert any("curation.release_diff.diff_releases is not available" in i.value.replace("\\", "") for i in at.info)
    assert list(at.dataframe[0].value["release"]) == ["toolpref-pairs@v1", "toolpref-pairs@v2"]  # the rest works
