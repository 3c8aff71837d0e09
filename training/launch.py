"""Plan and run one training: release + kind + backend + config -> a checkpoint folder with its run manifest.

``plan_run`` resolves everything and writes nothing (what `--dry-run` prints); ``execute`` writes the manifest,
runs the backend and rewrites the manifest with the outcome.
"""

from __future__ import annotations

import subprocess
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from curation.workspace import Workspace
from training.config import CONFIG_CLASSES, DiscConfig, GenConfig, Kind, TrainConfig, resolve_config
from training.manifest import (
    MODELS_DIR,
    build_manifest,
    default_output_dir,
    finish_manifest,
    read_manifest,
    write_manifest,
)
from training.openrlhf import Launch, check_installed, disc_command, gen_command, launch_script
from training.release import Release, load_training_release

LAUNCH_SCRIPT = "launch.sh"


@dataclass(frozen=True)
class RunPlan:
    kind: Kind
    backend: str
    release: Release
    release_config: str  # disc | trl | genrm_think | genrm_no_think
    config: TrainConfig
    train_file: Path
    eval_file: Path | None
    output_dir: Path
    launch: Launch | None = None  # openrlhf
    trainer_args: dict[str, Any] = field(default_factory=dict)  # trl
    flag_check: str = ""  # openrlhf: whether the flags were checked against OpenRLHF's own parser

    @property
    def data_files(self) -> dict[str, Path]:
        files = {"train": self.train_file}
        if self.eval_file is not None:
            files["validation"] = self.eval_file
        return files


@dataclass(frozen=True)
class RunResult:
    exit_code: int
    metrics: dict[str, Any]
    skipped: bool = False


def release_config_for(kind: Kind, backend: str, config: TrainConfig) -> str:
    """Which release config a run reads: disc (OpenRLHF) / trl (TRL) for the disc RM, genrm_<variant> for gen."""
    if isinstance(config, GenConfig):
        return f"genrm_{config.variant}"
    return "disc" if backend == "openrlhf" else "trl"


def check_against_parser(launch: Launch) -> str:
    """Check the flags with the installed OpenRLHF's own parser when there is one; say what was checked."""
    from training.openrlhf_parser import ParserUnavailable, check_flags, installed_version

    try:
        check_flags(launch.module, launch.flags)
    except ParserUnavailable as error:
        return f"flags not checked: {error}"
    return f"flags checked against the argument parser of the installed OpenRLHF {installed_version()}"


def plan_run(
    kind: str,
    release_ref: str,
    backend: str,
    workspace: Workspace,
    *,
    sets: Sequence[str] = (),
    base_model: str | None = None,
    output_dir: Path | None = None,
) -> RunPlan:
    if kind not in CONFIG_CLASSES:
        raise ValueError(f"unknown reward model kind {kind!r}; use disc or gen")
    typed_kind: Kind = "disc" if kind == "disc" else "gen"
    config = resolve_config(CONFIG_CLASSES[typed_kind], sets, base_model=base_model)
    release = load_training_release(release_ref, workspace)
    release_config = release_config_for(typed_kind, backend, config)
    train_file = release.split_file(release_config, "train")
    eval_file = release.optional_split_file(release_config, "validation")
    out = (output_dir or default_output_dir(workspace.root / MODELS_DIR, kind, backend, release, config)).resolve()
    plan = RunPlan(
        kind=typed_kind,
        backend=backend,
        release=release,
        release_config=release_config,
        config=config,
        train_file=train_file,
        eval_file=eval_file,
        output_dir=out,
    )
    if backend == "openrlhf":
        if isinstance(config, DiscConfig):
            launch = disc_command(config, train_file, eval_file, out)
        else:
            assert isinstance(config, GenConfig)
            launch = gen_command(config, train_file, eval_file, out)
        # A flag OpenRLHF rejects is a bug in the launcher: raise it here, before any GPU is claimed.
        return replace(plan, launch=launch, flag_check=check_against_parser(launch))
    from training.trl_backend import disc_trainer_args, gen_trainer_args

    if isinstance(config, DiscConfig):
        trainer_args = disc_trainer_args(config, out)
    else:
        assert isinstance(config, GenConfig)
        trainer_args = gen_trainer_args(config, out)
    return replace(plan, trainer_args=trainer_args)


def execute(plan: RunPlan) -> RunResult:
    """Run the plan; the run manifest is written before and rewritten after, also when the run fails."""
    existing = read_manifest(plan.output_dir)
    if existing is not None and existing.get("status") == "finished":
        return RunResult(exit_code=0, metrics=existing.get("metrics", {}), skipped=True)
    if plan.launch is not None:
        check_installed(plan.launch)
    manifest = build_manifest(
        kind=plan.kind,
        backend=plan.backend,
        release=plan.release,
        release_config=plan.release_config,
        data_files=plan.data_files,
        config=plan.config,
        output_dir=plan.output_dir,
        command=plan.launch.argv if plan.launch is not None else None,
    )
    write_manifest(plan.output_dir, manifest)
    if plan.launch is not None:
        script = plan.output_dir / LAUNCH_SCRIPT
        script.write_text(launch_script(plan.launch), encoding="utf-8")
        script.chmod(0o755)
        code = subprocess.run(plan.launch.argv, check=False).returncode
        finish_manifest(plan.output_dir, manifest, code)
        return RunResult(exit_code=code, metrics={})
    return _execute_trl(plan, manifest)


def _execute_trl(plan: RunPlan, manifest: dict[str, Any]) -> RunResult:
    from training import trl_backend

    try:
        if isinstance(plan.config, DiscConfig):
            metrics = trl_backend.train_disc(plan.config, plan.train_file, plan.eval_file, plan.output_dir)
        else:
            assert isinstance(plan.config, GenConfig)
            metrics = trl_backend.train_gen(plan.config, plan.train_file, plan.eval_file, plan.output_dir)
    except Exception as error:
        finish_manifest(plan.output_dir, manifest, 1, {"error": f"{type(error).__name__}: {error}"})
        traceback.print_exc()
        return RunResult(exit_code=1, metrics={"error": str(error)})
    finish_manifest(plan.output_dir, manifest, 0, metrics)
    return RunResult(exit_code=0, metrics=metrics)
