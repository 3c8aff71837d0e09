"""Fixtures for the launchers: a small release in the real layout, and a tiny Qwen3 built from a config.

The release is made with the `format` step's own API (curation.steps.format) from pairs of the shared pair
factory, and carries a manifest in curation/release.py's form, so the launchers read exactly what
`toolpref release` writes, without running the pipeline.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from curation.release import file_digests
from curation.steps.format import FormatOptions, format_pairs, write_configs
from tests.app.pair_factory import make_pairs

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def write_release(workspace: Path, name: str = "small", version: str = "1.0.0", pairs: int = 24) -> Path:
    """``workspace/releases/<name>/<version>/`` with every config, README.md and manifest.json."""
    made = list(make_pairs(pairs, seed=3))
    # At least two validation pairs, so that every config has both splits.
    made = [p.model_copy(update={"split": "validation" if i % 8 == 0 else "train"}) for i, p in enumerate(made)]
    root = workspace / "releases" / name / version
    root.mkdir(parents=True)
    write_configs(format_pairs(made, FormatOptions(seed=0)), root)
    (root / "README.md").write_text(f"# {name} {version}\n\ntest release\n", encoding="utf-8")
    manifest = {"manifest_version": 1, "name": name, "version": version, "files": file_digests(root)}
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return root


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    write_release(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("transformers", reason="the train extra is not installed")
    from tests.sampling.tiny_model import build_tiny_qwen3

    return build_tiny_qwen3(tmp_path_factory.mktemp("models") / "tiny-qwen3", dtype="float32")
