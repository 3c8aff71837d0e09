"""`--push` and `toolpref release push` against a Hub-compatible server on loopback (tests/hubserver), read back
with `datasets.load_dataset(repo, config, revision=V)`.

The Hub itself is not reachable here. The real clients (`huggingface_hub`, `datasets`) run in subprocesses with
HF_ENDPOINT pointing at the test server, HF_HUB_DISABLE_XET=1 (the server speaks the LFS protocol, which the Hub
still accepts), HF_HUB_OFFLINE unset and HF_HOME in the test's folder: endpoint and offline mode are read when those
libraries are imported, so a subprocess is the one way to give them a test-only environment.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from curation.release import build_release
from curation.review import ReviewStore
from curation.workspace import Workspace
from tests.hubserver import HubServer
from tests.release.conftest import REPO, RunSpec, cli_env
from tests.release.test_release_build import balanced_pairs

pytestmark = pytest.mark.slow

TOKEN = "hf_TestTokenNeverPrinted0123456789"
REPO_ID = "org/toolpref"


@pytest.fixture
def hub() -> Iterator[HubServer]:
    with HubServer(token=TOKEN) as server:
        yield server


def hub_env(hub: HubServer, tmp_path: Path, **extra: str) -> dict[str, str]:
    return cli_env(HF_ENDPOINT=hub.url, HF_HUB_DISABLE_XET="1", HF_HOME=str(tmp_path / "hf-home"), **extra)


def toolpref(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "curation.cli", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


LOAD = """
import json, sys
import datasets
repo, revision, configs = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
out = {}
for config in configs:
    loaded = datasets.load_dataset(repo, config, revision=revision)
    out[config] = {split: loaded[split].to_list() for split in loaded}
print(json.dumps(out, default=str))
"""


def load_from_hub(env: dict[str, str], revision: str, configs: list[str]) -> tuple[dict[str, Any], str]:
    done = subprocess.run(
        [sys.executable, "-c", LOAD, REPO_ID, revision, ",".join(configs)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stdout + done.stderr


def normalized(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def assert_loaded_equals_release(loaded: dict[str, Any], release_dir: Path) -> None:
    for config, splits in loaded.items():
        for split, rows in splits.items():
            expected = pq.read_table(release_dir / config / f"{split}.parquet").to_pylist()
            assert len(rows) == len(expected) > 0
            assert normalized(rows) == normalized(expected), f"{config}/{split} differs"


def assert_token_nowhere(outputs: list[str], *roots: Path) -> None:
    for output in outputs:
        assert TOKEN not in output
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file():
                assert TOKEN.encode() not in path.read_bytes(), f"token written to {path}"


def remote(hub: HubServer) -> Any:
    return hub.store.repos[("dataset", REPO_ID)]


def test_push_uploads_one_tagged_commit_that_datasets_reads(
    hub: HubServer, workspace: Workspace, toy_run: Callable[..., Path], tmp_path: Path
) -> None:
    toy_run()
    env = hub_env(hub, tmp_path, HF_TOKEN=TOKEN)
    done = toolpref(
        env, "release", "toy", "--name", "toolpref", "--version", "v1", "--push", REPO_ID, "-w", str(workspace.root)
    )
    assert done.returncode == 0, done.stderr
    release = workspace.releases / "toolpref" / "v1"
    manifest = json.loads((release / "manifest.json").read_text())

    repo = remote(hub)
    tagged = repo.commits[repo.tags["v1"]]
    assert repo.branches["main"] == tagged.oid
    assert len(repo.history(tagged)) == 2  # the repo's initial commit, then the release as one commit
    assert sum(1 for method, path in hub.requests if path.startswith(f"/api/datasets/{REPO_ID}/commit/")) == 1
    assert sorted(tagged.files) == sorted([".gitattributes", "manifest.json", *manifest["files"]])
    for name, entry in manifest["files"].items():
        stored = tagged.files[name]
        assert stored.sha256 == entry["sha256"]
        assert stored.lfs == name.endswith((".parquet", ".png"))
    assert hub.store.objects[tagged.files["manifest.json"].sha256] == (release / "manifest.json").read_bytes()
    assert f"{REPO_ID}/commit/{tagged.oid}" in done.stdout

    loaded, load_output = load_from_hub(env, "v1", list(manifest["summary"]["configs"]))
    assert_loaded_equals_release(loaded, release)
    assert_token_nowhere([done.stdout, done.stderr, load_output], workspace.root, tmp_path / "hf-home")


def test_failed_pushes_leave_no_tag_and_are_retried(
    hub: HubServer, workspace: Workspace, toy_run: Callable[..., Path], tmp_path: Path
) -> None:
    toy_run()
    env = hub_env(hub, tmp_path, HF_TOKEN=TOKEN)
    ws = str(workspace.root)

    hub.fail_next("commit", status=500)
    first = toolpref(
        env, "release", "toy", "--name", "toolpref", "--version", "v1", "--no-plots", "--push", REPO_ID, "-w", ws
    )
    assert first.returncode == 1
    assert f"retry with: toolpref release push toolpref@v1 {REPO_ID}" in first.stderr
    repo = remote(hub)
    assert repo.tags == {}
    assert len(repo.commits) == 1  # only the initial commit: nothing half-made
    uploads_before = sum(1 for method, _ in hub.requests if method == "PUT")
    assert uploads_before > 0  # the parquet files went to LFS before the commit failed

    hub.fail_next("tag", status=500)
    second = toolpref(env, "release", "push", "toolpref@v1", REPO_ID, "-w", ws)
    assert second.returncode == 1
    assert "push again to tag it" in second.stderr
    assert repo.tags == {}
    assert len(repo.commits) == 2
    assert sum(1 for method, _ in hub.requests if method == "PUT") == uploads_before  # LFS objects were reused

    third = toolpref(env, "release", "push", "toolpref@v1", REPO_ID, "-w", ws)
    assert third.returncode == 0, third.stderr
    assert len(repo.commits) == 2  # nothing changed since the commit: no new one, only the tag
    assert repo.tags == {"v1": repo.branches["main"]}

    loaded, load_output = load_from_hub(env, "v1", ["pairs"])
    assert_loaded_equals_release(loaded, workspace.releases / "toolpref" / "v1")
    outputs = [p.stdout + p.stderr for p in (first, second, third)] + [load_output]
    assert_token_nowhere(outputs, workspace.root, tmp_path / "hf-home")


# The studio calls publish() directly: this test does too, in one subprocess (the Hub clients need its env).
PUBLISH_MANY = """
import json, sys
from pathlib import Path
from curation.hub_push import PublishError, publish
results = []
for folder in sys.argv[2:]:
    try:
        done = publish(Path(folder), sys.argv[1])
        results.append({"commit": done.commit_oid, "already": done.already_published})
    except PublishError as error:
        results.append({"error": str(error)})
print(json.dumps(results))
"""


def test_versions_stay_immutable_on_the_hub(
    hub: HubServer, workspace: Workspace, toy_run: Callable[..., Path], tmp_path: Path
) -> None:
    pairs = balanced_pairs(toy_run())
    toy_run(spec=RunSpec(recipe="slim", format_config={"configs": ["disc"]}))
    v1 = build_release(workspace, "toy", "toolpref", "v1", plots=False)
    v2 = build_release(workspace, "slim", "toolpref", "v2", plots=False)
    with ReviewStore(workspace.review_db) as store:
        store.record(pairs[0].pair_id, "reject")
    other = build_release(workspace, "toy", "other", "v1", plots=False)

    env = hub_env(hub, tmp_path, HF_TOKEN=TOKEN)
    folders = [str(v1.path), str(v1.path), str(other.path), str(v2.path)]
    done = subprocess.run(
        [sys.executable, "-c", PUBLISH_MANY, REPO_ID, *folders], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    first, again, refused, second = json.loads(done.stdout.strip().splitlines()[-1])

    repo = remote(hub)
    assert first == {"commit": repo.tags["v1"], "already": False}
    assert again == {"commit": repo.tags["v1"], "already": True}  # the same release again: nothing to do
    assert "already has a tag 'v1' with other content" in refused["error"]
    assert second == {"commit": repo.tags["v2"], "already": False}
    assert len(repo.commits) == 3 and sorted(repo.tags) == ["v1", "v2"]
    at_v1, at_v2 = repo.commits[repo.tags["v1"]].files, repo.commits[repo.tags["v2"]].files
    assert sorted(at_v2) == sorted([".gitattributes", "manifest.json", *v2.manifest["files"]])  # trl etc. deleted
    assert sorted(at_v1) == sorted([".gitattributes", "manifest.json", *v1.manifest["files"]])
    assert at_v1["manifest.json"].sha256 == hashlib.sha256((v1.path / "manifest.json").read_bytes()).hexdigest()

    loaded, load_output = load_from_hub(env, "v1", ["trl"])  # the older version still loads from its tag
    assert_loaded_equals_release(loaded, v1.path)
    assert_token_nowhere([done.stdout, done.stderr, load_output], workspace.root, tmp_path / "hf-home")


def test_a_wrong_token_is_refused_and_never_shown(
    hub: HubServer, workspace: Workspace, toy_run: Callable[..., Path], tmp_path: Path
) -> None:
    toy_run()
    build_release(workspace, "toy", "toolpref", "v1", plots=False)
    wrong = "hf_WrongTokenAlsoSecret987654321"
    env = hub_env(hub, tmp_path)
    done = toolpref(env, "release", "push", "toolpref@v1", REPO_ID, "--token", wrong, "-w", str(workspace.root))
    assert done.returncode == 1
    assert "401" in done.stderr
    assert wrong not in done.stdout + done.stderr
    assert hub.store.repos == {}
