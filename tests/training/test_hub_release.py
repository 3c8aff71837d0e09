"""`toolpref train --release owner/repo@rev`: a release read from a Hub dataset repo at a tag, against the
Hub-compatible server on loopback (tests/hubserver).

huggingface_hub reads its endpoint and offline mode when it is imported, so the client runs in subprocesses with
HF_ENDPOINT pointing at the test server, HF_HUB_DISABLE_XET=1 and HF_HOME in the test's folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hubserver import HubServer
from tests.training.conftest import write_release

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
TOKEN = "hf_TrainingTestToken0123456789"

UPLOAD = """
import sys
from huggingface_hub import HfApi
folder, repo, tag, token = sys.argv[1:5]
api = HfApi(token=token)
api.create_repo(repo, repo_type="dataset", exist_ok=True)
api.upload_folder(folder_path=folder, repo_id=repo, repo_type="dataset", commit_message="release " + tag)
api.create_tag(repo, tag=tag, repo_type="dataset")
"""


@pytest.fixture
def hub() -> Iterator[HubServer]:
    with HubServer(token=TOKEN) as server:
        yield server


def _env(hub: HubServer, tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "HUGGINGFACE"))}
    env.update(HF_ENDPOINT=hub.url, HF_HUB_DISABLE_XET="1", HF_HOME=str(tmp_path / "hf-home"), COLUMNS="250")
    return env


def test_a_release_is_read_from_a_hub_dataset_repo_at_its_tag(hub: HubServer, tmp_path: Path) -> None:
    release = write_release(tmp_path / "publisher")
    env = _env(hub, tmp_path)
    upload = [sys.executable, "-c", UPLOAD, str(release), "org/small", "1.0.0", TOKEN]
    subprocess.run(upload, cwd=REPO, env=env, check=True, capture_output=True, timeout=120)
    workspace = tmp_path / "trainer"
    command = [sys.executable, "-m", "curation.cli", "train", "disc", "--release", "org/small@1.0.0"]
    result = subprocess.run(
        [*command, "-w", str(workspace), "--dry-run", "--set", "gpus_per_node=2"],
        cwd=REPO,
        env={**env, "HF_TOKEN": TOKEN},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "release small@1.0.0 (hub:org/small" in result.stdout
    cached = workspace / "cache" / "hub"
    assert any(cached.rglob("disc/train.parquet"))  # downloaded into the workspace cache
    assert "--data.dataset " + str(cached) in result.stdout.replace("\n", " ")
    # A tag that does not exist is an error, not a silent fallback to the latest commit.
    missing = subprocess.run(
        [*command[:-1], "org/small@9.9.9", "-w", str(workspace), "--dry-run"],
        cwd=REPO,
        env={**env, "HF_TOKEN": TOKEN},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2
    assert "cannot read the release org/small@9.9.9 from the Hub" in missing.stderr + missing.stdout
