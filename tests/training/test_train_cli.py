"""`toolpref train disc|gen`: dry runs, config and release errors, the run manifest, and real TRL training steps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curation.cli import app
from training.manifest import RUN_MANIFEST

runner = CliRunner()
WIDE = {"COLUMNS": "250", "HF_HUB_OFFLINE": "1"}


def _invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=WIDE)
    return result.exit_code, result.output


def test_openrlhf_dry_run_prints_config_and_command_and_writes_nothing(workspace: Path) -> None:
    before = sorted(p.relative_to(workspace) for p in workspace.rglob("*"))
    code, output = _invoke("train", "disc", "--release", "small@1.0.0", "--workspace", str(workspace), "--dry-run")
    assert code == 0, output
    release = workspace / "releases" / "small" / "1.0.0"
    assert "deepspeed --num_nodes 1 --num_gpus 8 --module openrlhf.cli.train_rm" in output
    assert f"--data.dataset {release / 'disc' / 'train.parquet'}" in output
    assert f"--eval.dataset {release / 'disc' / 'validation.parquet'}" in output
    assert "learning_rate: 4.0e-06" in output  # the resolved config, as YAML
    assert sorted(p.relative_to(workspace) for p in workspace.rglob("*")) == before


def test_gen_dry_run_reads_the_variant_config_and_applies_sets(workspace: Path) -> None:
    code, output = _invoke(
        "train", "gen", "--release", "small@1.0.0", "-w", str(workspace), "--dry-run",
        "--base", "/models/judge", "--set", "variant=no_think", "--set", "rollouts_per_prompt=4",
    )  # fmt: skip
    assert code == 0, output
    assert "genrm_no_think/train.parquet" in output
    assert "--rollout.n_samples_per_prompt 4" in output
    assert "--train.batch_size 128" in output  # 32 prompts x 4 answers per update
    assert "--actor.model_name_or_path /models/judge" in output


def test_trl_dry_run_shows_trainer_arguments(workspace: Path) -> None:
    code, output = _invoke(
        "train", "disc", "-r", "small@1.0.0", "-w", str(workspace), "--backend", "trl", "--dry-run",
        "--set", "batch_size=8", "--set", "micro_batch_size=2",
    )  # fmt: skip
    assert code == 0, output
    assert "trl/train.parquet" in output  # the TRL backend reads the trl config
    assert "gradient_accumulation_steps: 4" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "learning_rat=1e-5"], "DiscConfig has no field 'learning_rat'"),
        (["--set", "batch_size=many"], "batch_size: Input should be a valid integer"),
        (["--set", "epochs"], "expected key=value"),
        (["--backend", "deepspeed"], "use one of openrlhf, trl"),
    ],
)
def test_bad_options_name_the_field(workspace: Path, args: list[str], message: str) -> None:
    code, output = _invoke("train", "disc", "-r", "small@1.0.0", "-w", str(workspace), "--dry-run", *args)
    assert code == 2
    assert message in output


def test_unknown_release_lists_what_the_workspace_has(workspace: Path) -> None:
    code, output = _invoke("train", "disc", "-r", "small@9.9.9", "-w", str(workspace), "--dry-run")
    assert code == 2
    assert "small@1.0.0" in output


def test_a_changed_release_file_is_refused(workspace: Path) -> None:
    train = workspace / "releases" / "small" / "1.0.0" / "disc" / "train.parquet"
    train.write_bytes(train.read_bytes() + b"\0")
    code, output = _invoke("train", "disc", "-r", "small@1.0.0", "-w", str(workspace), "--dry-run")
    assert code == 2
    assert "disc/train.parquet: sha256 differs from the manifest" in output


def test_openrlhf_run_without_openrlhf_fails_before_writing(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "openrlhf" else real_find_spec(name, *a)
    )
    out = workspace / "ckpt"
    code, output = _invoke("train", "disc", "-r", "small@1.0.0", "-w", str(workspace), "--output-dir", str(out))
    assert code == 1
    assert "OpenRLHF is not installed here" in output and "--backend trl" in output
    assert not out.exists()


@pytest.mark.slow
def test_trl_disc_trains_a_tiny_model_and_writes_its_manifest(workspace: Path, tiny_model: Path) -> None:
    out = workspace / "disc-run"
    args = [
        "train", "disc", "-r", "small@1.0.0", "-w", str(workspace), "--backend", "trl", "--base", str(tiny_model),
        "--output-dir", str(out), "--set", "batch_size=4", "--set", "micro_batch_size=2", "--set", "max_steps=2",
        "--set", "max_length=2048", "--set", "bf16=false", "--set", "gradient_checkpointing=false",
    ]  # fmt: skip
    code, output = _invoke(*args)
    assert code == 0, output
    manifest = json.loads((out / RUN_MANIFEST).read_text(encoding="utf-8"))
    release = workspace / "releases" / "small" / "1.0.0"
    assert manifest["status"] == "finished" and manifest["exit_code"] == 0
    assert manifest["release"]["name"] == "small" and manifest["release"]["version"] == "1.0.0"
    assert manifest["release"]["config"] == "trl"
    import hashlib

    assert (
        manifest["release"]["manifest_sha256"] == hashlib.sha256((release / "manifest.json").read_bytes()).hexdigest()
    )
    assert manifest["base_model"] == str(tiny_model)
    assert manifest["config"]["max_steps"] == 2 and manifest["config"]["learning_rate"] == 4e-6
    assert manifest["code_version"]
    assert manifest["metrics"]["global_step"] == 2
    assert 0 < manifest["metrics"]["train_loss"] < 5
    # The checkpoint is a sequence classifier with one output that loads and scores.
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(out)
    assert config.architectures == ["Qwen3ForSequenceClassification"] and config.num_labels == 1
    # A second call finds the finished run and does nothing.
    code, output = _invoke(*args)
    assert code == 0 and "already trained" in output


@pytest.mark.slow
def test_trl_gen_runs_grpo_steps_with_the_choice_reward(workspace: Path, tiny_model: Path) -> None:
    out = workspace / "gen-run"
    code, output = _invoke(
        "train", "gen", "-r", "small@1.0.0", "-w", str(workspace), "--backend", "trl", "--base", str(tiny_model),
        "--output-dir", str(out), "--set", "batch_size=2", "--set", "mini_batch_size=2",
        "--set", "rollouts_per_prompt=2", "--set", "micro_batch_size=2", "--set", "max_steps=1",
        "--set", "max_response_length=8", "--set", "max_prompt_length=4000", "--set", "max_train_samples=4",
        "--set", "bf16=false", "--set", "gradient_checkpointing=false",
    )  # fmt: skip
    assert code == 0, output
    manifest = json.loads((out / RUN_MANIFEST).read_text(encoding="utf-8"))
    assert manifest["status"] == "finished" and manifest["release"]["config"] == "genrm_think"
    metrics = manifest["metrics"]
    assert metrics["global_step"] == 1
    # A random tiny model writes no <choice>: the reward the trainer logged is exactly 0.
    assert metrics["rewards/choice_reward/mean"] == 0.0
    assert (out / "model.safetensors").is_file()
