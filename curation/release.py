"""Versioned releases: the reviewed pairs of a finished run, formatted, described and pinned in ``releases/N/V/``.

A release applies the latest review decision of every pair (reject drops it, swap exchanges chosen and rejected,
flag keeps it and lists it), re-formats the pairs with the run's own format options through the `format` step's
API (one formatting code path), and writes, next to the parquet files of every config and split:

- ``README.md``: the dataset card (curation/datacard.py, templates in datacards/);
- ``recipe.yaml``: the resolved recipe the runner saved; ``stats.json``: counts after review, and the run's steps;
- ``manifest.json``: sha256 and size of every other file, the run's step hashes, the code version, the review
  store's snapshot and what was applied.

Releases are immutable: everything is written into a temporary folder that is renamed into place at the end, and
an existing ``N/V`` is never overwritten. ``diff_releases`` (curation/release_diff.py) compares two of them and
``publish`` (curation/hub_push.py) pushes one to the Hub as one commit tagged V.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

import curation
from curation.pipeline import RunInfo, load_run
from curation.records_io import read_records
from curation.release_review import ReviewApplier, load_decisions
from curation.release_review import mark_review as mark_review  # re-exported: part of the release API
from curation.release_review import swap_pair as swap_pair
from curation.release_stats import ReleaseStats
from curation.review import ReviewStoreError
from curation.schema import Pair
from curation.workspace import Workspace

MANIFEST_VERSION = 1
PAIRS_CONFIG = "pairs"  # always released: the full records, which diffs and re-formatting read
# Names become folders and versions become git tags on the Hub: keep both to a safe alphabet.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class ReleaseError(ValueError):
    """A release that cannot be made or read; the message says what to do."""


class ReleaseExistsError(ReleaseError):
    """``releases/N/V`` exists already: releases are immutable."""


@dataclass(frozen=True)
class ReleaseInfo:
    """A release on disk, as its manifest describes it."""

    name: str
    version: str
    path: Path
    manifest: dict[str, Any]

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def created_at(self) -> str:
        return str(self.manifest.get("created_at", ""))

    @property
    def pairs(self) -> int:
        return int(self.manifest["summary"]["pairs"])

    @property
    def splits(self) -> dict[str, int]:
        return dict(self.manifest["summary"]["splits"])

    @property
    def configs(self) -> dict[str, dict[str, int]]:
        return {config: dict(splits) for config, splits in self.manifest["summary"]["configs"].items()}

    @property
    def recipe(self) -> str:
        return str(self.manifest["run"]["recipe"])

    @property
    def review(self) -> dict[str, Any]:
        return dict(self.manifest["review"]["applied"])


def check_name(value: str, what: str) -> str:
    if not _NAME.fullmatch(value) or ".." in value or value.endswith((".", ".lock")):
        raise ReleaseError(
            f"{what} {value!r} is not usable: use letters, digits, '.', '_' and '-', starting with a letter or digit "
            "(it becomes a folder name and a git tag)"
        )
    return value


# -- building -----------------------------------------------------------------------------------------------------


def resolve_run(workspace: Workspace, run: str | Path) -> RunInfo:
    """A recipe name in the workspace, or the path of a run folder (``runs/<recipe>``)."""
    path = Path(run)
    try:
        if (path / "run.json").is_file():
            return load_run(path)
        return load_run(workspace, str(run))
    except FileNotFoundError as error:
        raise ReleaseError(str(error)) from None


def build_release(
    workspace: Workspace,
    run: str | Path,
    name: str,
    version: str,
    *,
    hub_repo: str | None = None,
    plots: bool = True,
) -> ReleaseInfo:
    """Write ``releases/<name>/<version>/`` from a finished run and the workspace's review decisions.

    ``hub_repo`` only fills the loading example of the dataset card; ``plots=False`` leaves the PNG plots out
    (the card's tables hold the same numbers). Raises ReleaseExistsError when the release exists, ReleaseError
    when the run cannot be released.
    """
    from curation.datacard import write_card

    check_name(name, "release name")
    check_name(version, "version")
    final = workspace.releases / name / version
    if final.exists():
        raise ReleaseExistsError(
            f"release {name}@{version} exists at {final}; releases are immutable: choose a new --version"
        )
    info = resolve_run(workspace, run)
    try:
        balance = info.step("balance")
    except KeyError:
        raise ReleaseError(
            f"run {info.recipe!r} has no balance step; a release is made from balanced pairs (with their split)"
        ) from None
    options = _format_options(info)
    try:
        decisions, snapshot = load_decisions(workspace)
    except ReviewStoreError as error:
        raise ReleaseError(f"cannot read the review decisions: {error}") from None

    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(final)
    temporary = final.with_name(f".{version}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    temporary.mkdir()
    try:
        applier = ReviewApplier(decisions)
        stats = ReleaseStats()
        counts = _write_configs(stats.observe(applier.apply(read_records(balance.data, Pair))), options, temporary)
        if stats.total == 0:
            dropped = len(applier.rejected)
            raise ReleaseError(f"no pairs left to release from run {info.recipe!r} ({dropped} dropped by review)")
        review = applier.summary()
        run_section = _run_section(info)
        stats_json = {
            "release": {"name": name, "version": version},
            "pairs": stats.to_json(),
            "configs": counts,
            "review": {key: value if isinstance(value, int) else len(value) for key, value in review.items()},
            "run": run_section,
        }
        _write_json(temporary / "stats.json", stats_json)
        _write_recipe(info, temporary / "recipe.yaml")
        write_card(
            temporary, name=name, version=version, stats=stats_json, review=review, hub_repo=hub_repo, plots=plots
        )
        manifest = {
            "manifest_version": MANIFEST_VERSION,
            "name": name,
            "version": version,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "summary": {"pairs": stats.total, "splits": stats.splits(), "configs": counts},
            "run": {  # provenance; the steps' counts are in stats.json
                "recipe": info.recipe,
                "code_version": info.code_version,
                "steps": [{"index": r.index, "step": r.step, "dir": r.dir.name, "hash": r.hash} for r in info.steps],
            },
            "code": code_identity(),
            "format_options": options.model_dump(mode="json"),
            "review": {"snapshot": snapshot, "applied": review},
            "files": file_digests(temporary),
        }
        _write_json(temporary / "manifest.json", manifest)
        try:
            os.rename(temporary, final)  # atomic; fails if another process released N/V meanwhile
        except OSError:
            raise ReleaseExistsError(f"release {name}@{version} appeared at {final} while this one was built") from None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return ReleaseInfo(name=name, version=version, path=final, manifest=manifest)


def _format_options(info: RunInfo) -> Any:
    """The run's format options (the `format` step's config), with the `pairs` config always included."""
    from pydantic import ValidationError

    from curation.steps.format import FormatOptions

    try:
        config = info.step("format").stats()["config"]
    except KeyError:
        config = {}  # a run that stops at balance: the default formats
    try:
        options = FormatOptions.model_validate(config)
    except ValidationError as error:
        raise ReleaseError(
            f"run {info.recipe!r}: the format step's config is not valid format options: {error}"
        ) from None
    if PAIRS_CONFIG not in options.configs:
        options = options.model_copy(update={"configs": [PAIRS_CONFIG, *options.configs]})
    return options


def _write_configs(pairs: Iterable[Pair], options: Any, out_dir: Path) -> dict[str, dict[str, int]]:
    from curation.steps.format import format_pairs, write_configs

    try:
        counts: dict[str, dict[str, int]] = write_configs(format_pairs(pairs, options), out_dir)
    except ValueError as error:  # a pair without a split, say
        raise ReleaseError(f"cannot format the run's pairs: {error}") from None
    return counts


def _run_section(info: RunInfo) -> dict[str, Any]:
    steps = []
    for record in info.steps:
        stats = record.stats()
        steps.append(
            {
                "index": record.index,
                "step": record.step,
                "dir": record.dir.name,
                "hash": record.hash,
                "in": stats.get("in"),
                "out": stats.get("out"),
                "rejected": stats.get("rejected"),
                "reasons": stats.get("reasons", {}),
            }
        )
    balance_report = info.step("balance").stats().get("report", {})
    return {"recipe": info.recipe, "code_version": info.code_version, "steps": steps, "balance": balance_report}


def _write_recipe(info: RunInfo, target: Path) -> None:
    """The runner's resolved recipe; rebuilt from the steps' configs for a run folder that lacks it."""
    if info.recipe_yaml.is_file():
        shutil.copyfile(info.recipe_yaml, target)
        return
    resolved = {
        "name": info.recipe,
        "steps": [{"step": r.step, "config": r.stats().get("config", {})} for r in info.steps],
    }
    target.write_text(yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def _remove_stale_temporaries(final: Path) -> None:
    """Temporary folders of builds of the same version whose process is gone (killed mid-build)."""
    for stale in final.parent.glob(f".{final.name}.tmp-*"):
        pid_text = stale.name.rsplit(".tmp-", 1)[-1].split("-", 1)[0]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            shutil.rmtree(stale, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- integrity ----------------------------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_digests(root: Path) -> dict[str, dict[str, Any]]:
    """sha256 and size of every file under ``root`` but the manifest, by relative POSIX path."""
    digests = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        if relative != "manifest.json":
            digests[relative] = {"sha256": sha256_file(path), "size": path.stat().st_size}
    return digests


def verify_release(path: Path) -> list[str]:
    """Problems with a release folder (missing, changed or unlisted files); empty when it is intact."""
    manifest = read_manifest(path)
    listed: dict[str, dict[str, Any]] = manifest["files"]
    actual = file_digests(path)
    problems = [f"{name}: missing" for name in sorted(set(listed) - set(actual))]
    problems += [f"{name}: not in the manifest" for name in sorted(set(actual) - set(listed))]
    problems += [
        f"{name}: sha256 differs from the manifest"
        for name in sorted(set(listed) & set(actual))
        if listed[name]["sha256"] != actual[name]["sha256"]
    ]
    return problems


def code_identity() -> dict[str, Any]:
    """The package version and, when the code runs from a git checkout, its commit and whether it was dirty."""
    root = Path(curation.__file__).resolve().parent.parent
    identity: dict[str, Any] = {"package_version": curation.__version__, "git_commit": None, "git_dirty": None}
    if not (root / ".git").exists():
        return identity
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return identity  # no git binary, or a checkout without commits
    identity.update(git_commit=commit, git_dirty=bool(status.strip()))
    return identity


# -- finding releases ---------------------------------------------------------------------------------------------


def read_manifest(path: Path) -> dict[str, Any]:
    manifest_path = path / "manifest.json"
    if not manifest_path.is_file():
        raise ReleaseError(f"{path} is not a release folder (manifest.json is missing)")
    try:
        manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ReleaseError(f"{manifest_path} is not valid JSON: {error}") from None
    return manifest


def load_release(path: Path) -> ReleaseInfo:
    manifest = read_manifest(path)
    return ReleaseInfo(name=manifest["name"], version=manifest["version"], path=path, manifest=manifest)


def resolve_release(workspace: Workspace, ref: str | Path) -> ReleaseInfo:
    """``NAME@VERSION`` in the workspace, or the path of a release folder."""
    path = Path(ref)
    if (path / "manifest.json").is_file():
        return load_release(path)
    name, at, version = str(ref).partition("@")
    if not at:
        raise ReleaseError(f"{str(ref)!r} is neither NAME@VERSION nor a release folder")
    folder = workspace.releases / name / version
    if not (folder / "manifest.json").is_file():
        known = ", ".join(r.ref for r in list_releases(workspace)) or "none"
        raise ReleaseError(f"no release {name}@{version} in {workspace.releases}; releases: {known}")
    return load_release(folder)


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order: v2 before v10, 1.9 before 1.10."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", version) if part)


def list_releases(workspace: Workspace) -> list[ReleaseInfo]:
    """Every release in the workspace, by name, then version in natural order."""
    found = []
    if workspace.releases.is_dir():
        for manifest in workspace.releases.glob("*/*/manifest.json"):
            if not manifest.parent.name.startswith("."):
                found.append(load_release(manifest.parent))
    return sorted(found, key=lambda r: (r.name, version_key(r.version)))
