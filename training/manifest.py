"""The run manifest: what a checkpoint was trained on and how, written next to the checkpoint.

It is written when a run starts (so a crashed run still says what it was) and rewritten when it ends, with the
status, exit code and final metrics. It names the release by name, version and the sha256 of its manifest, so
that a checkpoint can be traced to the exact rows it saw.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from curation.release import code_identity
from curation.schema import content_hash
from training.config import TrainConfig
from training.release import Release

RUN_MANIFEST = "run_manifest.json"
MODELS_DIR = "models"
_TRAINING_DIR = Path(__file__).parent


def code_version() -> str:
    """The studio's data code version (curation) and a digest of the training package."""
    from curation.pipeline import code_version as curation_code_version

    digest = hashlib.sha256()
    for path in sorted(_TRAINING_DIR.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"{curation_code_version()}/training+{digest.hexdigest()[:12]}"


def run_id(kind: str, backend: str, release: Release, config: TrainConfig) -> str:
    """A folder name that changes with anything that changes the model: kind, backend, data and config."""
    identity = {
        "kind": kind,
        "backend": backend,
        "release": release.manifest_sha256,
        "config": config.model_dump(mode="json"),
    }
    return f"{kind}-{backend}-{content_hash(identity, 12)}"


def default_output_dir(models_root: Path, kind: str, backend: str, release: Release, config: TrainConfig) -> Path:
    return models_root / release.name / release.version / run_id(kind, backend, release, config)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def build_manifest(
    *,
    kind: str,
    backend: str,
    release: Release,
    release_config: str,
    data_files: dict[str, Path],
    config: TrainConfig,
    output_dir: Path,
    command: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "backend": backend,
        "release": {
            "name": release.name,
            "version": release.version,
            "origin": release.origin,
            "manifest_sha256": release.manifest_sha256,
            "config": release_config,
            "files": {split: str(path.relative_to(release.root)) for split, path in data_files.items()},
        },
        "base_model": config.base_model,
        "config": config.model_dump(mode="json"),
        "code_version": code_version(),
        "code": code_identity(),
        "output_dir": str(output_dir),
        "command": command,
        "status": "running",
        "started": _now(),
        "finished": None,
        "exit_code": None,
        "metrics": {},
    }


def write_manifest(output_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write atomically (temporary file, then rename), so a reader never sees half a manifest."""
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / RUN_MANIFEST
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temporary.write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return path


def finish_manifest(
    output_dir: Path, manifest: dict[str, Any], exit_code: int, metrics: dict[str, Any] | None = None
) -> Path:
    manifest = {
        **manifest,
        "status": "finished" if exit_code == 0 else "failed",
        "finished": _now(),
        "exit_code": exit_code,
        "metrics": metrics or {},
    }
    return write_manifest(output_dir, manifest)


def read_manifest(output_dir: Path) -> dict[str, Any] | None:
    path = output_dir / RUN_MANIFEST
    if not path.is_file():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded
