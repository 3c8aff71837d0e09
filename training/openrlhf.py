"""The OpenRLHF launchers: the exact command for OpenRLHF 0.11's dotted-flag CLI, built from a resolved config.

- ToolRM-Disc: ``deepspeed --module openrlhf.cli.train_rm`` on the release's ``disc`` config (chosen / rejected
  message lists, tools folded into the system message, read with the tokenizer's chat template).
- ToolRM-Gen: ``python3 -m openrlhf.cli.train_ppo_ray`` with the group-normalized advantage (GRPO) on
  ``genrm_<variant>``; the reward is training/rewards.py, named by ``--reward.remote_url`` (OpenRLHF loads a
  ``.py`` path there as a custom ``reward_func``); the label is the row's ``reward_model`` column.

The flags were read from OpenRLHF's own parsers (openrlhf/cli/train_rm.py and train_ppo_ray.py at v0.11.0,
commit 3c3be6234e0c, and the 0.11.2 wheel); tests/training/test_openrlhf_flags.py checks every flag of both
commands against the installed parser, or against a list taken from that source when OpenRLHF is absent.
Mapping from the paper's verl settings: a rollout batch of 128 prompts x 8 answers, updated in mini-batches of 32
prompts (= 256 sequences, OpenRLHF's train.batch_size counts sequences), no KL (so no reference model), no
entropy bonus, prompt 16,384 + response 4,096 tokens (OpenRLHF's data.max_len is their sum).
"""

from __future__ import annotations

import importlib.util
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from training.config import ConfigError, DiscConfig, GenConfig

REWARD_FILE = Path(__file__).resolve().parent / "rewards.py"
OPENRLHF_VERSION = "0.11"
INSTALL_HINT = (
    "OpenRLHF is not installed here (it needs CUDA GPUs): on a GPU machine `pip install 'openrlhf[vllm]==0.11.*'`, "
    "or train on one machine with --backend trl"
)


@dataclass(frozen=True)
class Launch:
    """A command to run, and the module whose parser reads its flags (for the flag check)."""

    argv: list[str]
    module: str  # openrlhf.cli.train_rm | openrlhf.cli.train_ppo_ray
    flags_start: int  # index in argv where the module's own flags begin

    @property
    def flags(self) -> list[str]:
        return self.argv[self.flags_start :]

    def shell(self) -> str:
        """The command as one shell line, one flag per line, for --dry-run and launch.sh."""
        head = shlex.join(self.argv[: self.flags_start])
        lines = [head]
        flags = self.flags
        index = 0
        while index < len(flags):
            token = flags[index]
            values = []
            while index + 1 < len(flags) and not flags[index + 1].startswith("--"):
                index += 1
                values.append(flags[index])
            lines.append("  " + shlex.join([token, *values]))
            index += 1
        return " \\\n".join(lines)


def _dtype(bf16: bool) -> str:
    return "bf16" if bf16 else "fp16"


def disc_command(config: DiscConfig, train_file: Path, eval_file: Path | None, output_dir: Path) -> Launch:
    """``deepspeed --module openrlhf.cli.train_rm`` for the Bradley–Terry RM on the ``disc`` config."""
    head = ["deepspeed", "--num_nodes", str(config.num_nodes), "--num_gpus", str(config.gpus_per_node)]
    head += ["--module", "openrlhf.cli.train_rm"]
    flags = [
        "--model.model_name_or_path", config.base_model,
        "--data.dataset", str(train_file),
        "--data.apply_chat_template",
        "--data.chosen_key", "chosen",
        "--data.rejected_key", "rejected",
        "--data.max_len", str(config.max_length),
        "--train.batch_size", str(config.batch_size),
        "--train.micro_batch_size", str(config.micro_batch_size),
        "--train.max_epochs", str(config.epochs),
        "--train.seed", str(config.seed),
        "--adam.lr", repr(config.learning_rate),
        "--ds.zero_stage", str(config.zero_stage),
        "--ds.param_dtype", _dtype(config.bf16),
        "--ds.attn_implementation", config.attn_implementation,
        "--ckpt.output_dir", str(output_dir),
        "--ckpt.path", str(output_dir / "checkpoints"),
        "--ckpt.load_enable",
        "--ckpt.save_steps", "-1",
        "--logger.logging_steps", str(config.logging_steps),
        "--eval.steps", "-1",
    ]  # fmt: skip
    if eval_file is not None:
        flags += ["--eval.dataset", str(eval_file)]
    if config.max_train_samples is not None:
        flags += ["--data.max_samples", str(config.max_train_samples)]
    if config.packing_samples:
        flags.append("--ds.packing_samples")
    if config.gradient_checkpointing:
        flags.append("--model.gradient_checkpointing_enable")
    return Launch(argv=head + flags, module="openrlhf.cli.train_rm", flags_start=len(head))


def _check_gen_topology(config: GenConfig) -> None:
    """The asserts train_ppo_ray.py makes after parsing, checked before anything starts."""
    actors = config.num_nodes * config.gpus_per_node
    if config.colocate_all and actors != config.vllm_engines * config.vllm_tensor_parallel_size:
        raise ConfigError(
            [
                f"colocate_all needs num_nodes x gpus_per_node ({actors}) == vllm_engines x "
                f"vllm_tensor_parallel_size ({config.vllm_engines * config.vllm_tensor_parallel_size}); "
                "change one side, or --set colocate_all=false"
            ]
        )


def gen_command(config: GenConfig, train_file: Path, eval_file: Path | None, output_dir: Path) -> Launch:
    """``python3 -m openrlhf.cli.train_ppo_ray`` with GRPO and the choice reward on ``genrm_<variant>``."""
    _check_gen_topology(config)
    head = ["python3", "-m", "openrlhf.cli.train_ppo_ray"]
    flags = [
        "--actor.model_name_or_path", config.base_model,
        "--actor.num_nodes", str(config.num_nodes),
        "--actor.num_gpus_per_node", str(config.gpus_per_node),
        "--vllm.num_engines", str(config.vllm_engines),
        "--vllm.tensor_parallel_size", str(config.vllm_tensor_parallel_size),
        "--vllm.gpu_memory_utilization", repr(config.vllm_gpu_memory_utilization),
        "--reward.remote_url", str(REWARD_FILE),
        "--data.prompt_dataset", str(train_file),
        "--data.input_key", "prompt",
        "--data.label_key", "reward_model",
        "--data.apply_chat_template",
        "--data.max_len", str(config.max_prompt_length + config.max_response_length),
        "--rollout.max_new_tokens", str(config.max_response_length),
        "--rollout.batch_size", str(config.batch_size),
        "--rollout.n_samples_per_prompt", str(config.rollouts_per_prompt),
        "--rollout.micro_batch_size", str(config.micro_batch_size * 2),
        "--rollout.temperature", repr(config.temperature),
        "--rollout.top_p", repr(config.top_p),
        "--train.batch_size", str(config.mini_batch_size * config.rollouts_per_prompt),
        "--train.micro_batch_size", str(config.micro_batch_size),
        "--train.max_epochs", "1",
        "--train.num_episodes", str(config.epochs),
        "--train.seed", str(config.seed),
        "--algo.advantage.estimator", "group_norm",
        "--algo.kl.init_coef", repr(config.kl_coef),
        "--actor.adam.lr", repr(config.learning_rate),
        "--ds.zero_stage", str(config.zero_stage),
        "--ds.param_dtype", _dtype(config.bf16),
        "--ds.attn_implementation", config.attn_implementation,
        "--ds.packing_samples",
        "--ckpt.output_dir", str(output_dir),
        "--ckpt.path", str(output_dir / "checkpoints"),
        "--ckpt.load_enable",
        "--ckpt.save_hf",
        "--ckpt.save_steps", "20",
        "--logger.logging_steps", str(config.logging_steps),
    ]  # fmt: skip
    if config.kl_coef > 0:
        flags += ["--algo.kl.use_loss", "--algo.kl.estimator", "k3"]
    if config.entropy_coef > 0:
        flags += ["--actor.entropy_coef", repr(config.entropy_coef)]
    if config.colocate_all:
        flags += ["--train.colocate_all", "--vllm.enable_sleep"]
    if eval_file is not None:
        flags += ["--eval.dataset", str(eval_file), "--eval.steps", "10"]
    if config.max_train_samples is not None:
        flags += ["--data.max_samples", str(config.max_train_samples)]
    if config.gradient_checkpointing:
        flags.append("--actor.gradient_checkpointing_enable")
    return Launch(argv=head + flags, module="openrlhf.cli.train_ppo_ray", flags_start=len(head))


def check_installed(launch: Launch) -> None:
    """Fail before anything is written when OpenRLHF (or its launcher) is missing here."""
    if importlib.util.find_spec("openrlhf") is None:
        raise RuntimeError(INSTALL_HINT)
    if launch.argv[0] == "deepspeed" and shutil.which("deepspeed") is None:
        raise RuntimeError("the `deepspeed` launcher is not on PATH: `pip install deepspeed` (OpenRLHF needs it)")


def launch_script(launch: Launch) -> str:
    """launch.sh: the exact command, rerunnable by hand (it resumes from ckpt.path)."""
    return f"#!/usr/bin/env bash\n# written by `toolpref train`\nset -euo pipefail\n{launch.shell()}\n"
