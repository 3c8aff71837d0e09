"""Finding a release to train on: ``NAME@VERSION`` (or a release folder) in the workspace, or a Hub dataset repo
id at a revision (``owner/name@v1``), downloaded into the workspace cache.

Lookup and integrity are curation/release.py's (one way to read a release); this module adds the Hub path and
what a launcher needs: the parquet file of a config and split, and the manifest's own sha256, which a run's
manifest records so that a checkpoint names exactly the data it saw. A release whose files do not match its
manifest is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curation.release import ReleaseError, read_manifest, resolve_release, sha256_file, verify_release
from curation.workspace import Workspace

__all__ = ["Release", "ReleaseError", "load_training_release"]


@dataclass(frozen=True)
class Release:
    name: str
    version: str
    root: Path  # the folder holding <config>/<split>.parquet, manifest.json and README.md
    manifest_sha256: str
    origin: str  # "workspace" or "hub:<repo id>"

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def configs(self) -> list[str]:
        return sorted(path.name for path in self.root.iterdir() if path.is_dir() and any(path.glob("*.parquet")))

    def split_file(self, config: str, split: str) -> Path:
        """The parquet file of one config and split; the error names the configs the release has."""
        path = self.root / config / f"{split}.parquet"
        if not path.is_file():
            have = ", ".join(self.configs()) or "none"
            raise ReleaseError(f"release {self.ref} has no {config}/{split}.parquet (its configs: {have})")
        return path

    def optional_split_file(self, config: str, split: str) -> Path | None:
        path = self.root / config / f"{split}.parquet"
        return path if path.is_file() else None


def _listed_file_problems(root: Path, manifest: dict[str, Any]) -> list[str]:
    """Missing or changed files among those the manifest lists (a Hub snapshot may hold more, e.g. .gitattributes)."""
    problems = []
    for name, entry in sorted(manifest.get("files", {}).items()):
        path = root / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif sha256_file(path) != entry.get("sha256"):
            problems.append(f"{name}: sha256 differs from the manifest")
    return problems


def _checked(root: Path, origin: str) -> Release:
    manifest = read_manifest(root)
    problems = verify_release(root) if origin == "workspace" else _listed_file_problems(root, manifest)
    if problems:
        raise ReleaseError(f"release at {root} does not match its manifest: {'; '.join(problems)}")
    name = str(manifest.get("name") or root.parent.name)
    version = str(manifest.get("version") or root.name)
    return Release(name, version, root, sha256_file(root / "manifest.json"), origin)


def load_training_release(ref: str, workspace: Workspace) -> Release:
    """The release ``ref`` names, checked against its manifest.

    ``NAME@VERSION`` or a folder: the workspace's release. ``owner/name@revision`` that is not a local release:
    the Hub dataset repo at that revision (a tag such as the version), downloaded into ``cache/hub``.
    """
    name, at, version = ref.rpartition("@")
    local = workspace.releases / name / version if at and name else None
    if "/" in name and not Path(ref).exists() and not (local is not None and local.is_dir()):
        return _from_hub(name, version, workspace)
    info = resolve_release(workspace, ref)
    return _checked(info.path, "workspace")


def _from_hub(repo_id: str, revision: str, workspace: Workspace) -> Release:
    try:
        from huggingface_hub import snapshot_download
    except ImportError as error:  # pragma: no cover - depends on the install
        raise ReleaseError("reading a release from the Hub needs `pip install 'toolpref-studio[hub]'`") from error
    try:
        folder = snapshot_download(
            repo_id=repo_id, repo_type="dataset", revision=revision, cache_dir=str(workspace.cache / "hub")
        )
    except Exception as error:  # HTTP, missing repo or revision, offline mode: one readable error
        raise ReleaseError(
            f"cannot read the release {repo_id}@{revision} from the Hub: {type(error).__name__}: {error}"
        ) from None
    return _checked(Path(folder), f"hub:{repo_id}")
