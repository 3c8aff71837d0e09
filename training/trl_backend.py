"""The TRL backend: the same two reward models on one machine (CPU or one GPU), where OpenRLHF cannot run.

- ToolRM-Disc: TRL's RewardTrainer (Bradley–Terry, −log σ(r⁺ − r⁻)) on the release's ``trl`` config
  (prompt / chosen / rejected message lists and the tools, which TRL hands to the chat template).
- ToolRM-Gen: TRL's GRPOTrainer on ``genrm_<variant>`` with training/rewards.py's choice reward.

Batch sizes keep the method's meaning (see training/config.py): a disc step sees ``batch_size`` pairs; a gen
rollout batch is ``batch_size`` prompts x ``rollouts_per_prompt`` answers, updated in steps of
``mini_batch_size`` prompts. On one device they become gradient accumulation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from training.config import DiscConfig, GenConfig, TrainConfig

INSTALL_HINT = "the trl backend needs `pip install 'toolpref-studio[train]'` (torch 2.13.0 first, then trl)"
DISC_COLUMNS = ("prompt", "chosen", "rejected", "tools")
GEN_COLUMNS = ("prompt", "reward_model")


def check_installed() -> None:
    import importlib.util

    missing = [name for name in ("torch", "transformers", "trl", "datasets") if importlib.util.find_spec(name) is None]
    if missing:
        raise RuntimeError(f"{INSTALL_HINT} (missing: {', '.join(missing)})")


def load_rows(path: Path, columns: tuple[str, ...], limit: int | None) -> Any:
    """A release split as an in-memory ``datasets.Dataset`` with only ``columns`` (nothing cached on disk).

    The disc rows also carry ``margin``; it is left out on purpose: TRL would turn it into a margin loss, and the
    method trains the plain Bradley–Terry loss.
    """
    import pyarrow.parquet as pq
    from datasets import Dataset

    table = pq.read_table(path)
    present = [column for column in columns if column in table.column_names]
    missing = (
        {"chosen", "rejected"} - set(present) if "chosen" in columns else {"prompt", "reward_model"} - set(present)
    )
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}; has {', '.join(table.column_names)}")
    rows = table.select(present).to_pylist()
    if limit is not None:
        rows = rows[:limit]
    for row in rows:
        if isinstance(row.get("tools"), list):  # one JSON text per row: nested schemas differ between rows
            row["tools"] = json.dumps(row["tools"], ensure_ascii=False)
    return Dataset.from_list(rows)


def _common_args(config: TrainConfig, output_dir: Path) -> dict[str, Any]:
    return {
        "output_dir": str(output_dir),
        "learning_rate": config.learning_rate,
        "num_train_epochs": config.epochs,
        "per_device_train_batch_size": config.micro_batch_size,
        "gradient_checkpointing": config.gradient_checkpointing,
        "bf16": config.bf16,
        "seed": config.seed,
        "logging_steps": config.logging_steps,
        "report_to": "none",
        "save_strategy": "no",  # the final model is saved once, next to the run manifest
        "max_steps": config.max_steps if config.max_steps is not None else -1,
        "dataloader_num_workers": 0,
    }


def _on_device(args: dict[str, Any]) -> dict[str, Any]:
    """CPU when no GPU is visible (and then no bf16 mixed precision, which needs one)."""
    import torch

    on_gpu = torch.cuda.is_available()
    return {**args, "use_cpu": not on_gpu, "bf16": bool(args["bf16"]) and on_gpu}


def _accumulation(total: int, micro: int) -> int:
    if total % micro:
        raise ValueError(f"batch size {total} must be a multiple of micro_batch_size {micro} on one device")
    return total // micro


def _summary(trainer: Any, extra: dict[str, Any]) -> dict[str, Any]:
    """The last value of every logged metric, plus step count and what the caller adds."""
    last: dict[str, Any] = {}
    for entry in trainer.state.log_history:
        last.update({key: value for key, value in entry.items() if isinstance(value, (int, float))})
    return {"global_step": trainer.state.global_step, **last, **extra}


def disc_trainer_args(config: DiscConfig, output_dir: Path) -> dict[str, Any]:
    """RewardConfig arguments: ``batch_size`` pairs per optimizer step on one device."""
    return {
        **_common_args(config, output_dir),
        "per_device_eval_batch_size": config.micro_batch_size,
        "gradient_accumulation_steps": _accumulation(config.batch_size, config.micro_batch_size),
        "max_length": config.max_length,
        "eval_strategy": "no",
    }


def train_disc(config: DiscConfig, train_file: Path, eval_file: Path | None, output_dir: Path) -> dict[str, Any]:
    """RewardTrainer on the ``trl`` config; saves the sequence-classification model and tokenizer."""
    check_installed()
    from trl import RewardConfig, RewardTrainer  # type: ignore[attr-defined]

    train = load_rows(train_file, DISC_COLUMNS, config.max_train_samples)
    evaluation = load_rows(eval_file, DISC_COLUMNS, None) if eval_file is not None else None
    args = RewardConfig(**_on_device(disc_trainer_args(config, output_dir)))
    trainer = RewardTrainer(model=config.base_model, args=args, train_dataset=train, eval_dataset=evaluation)
    trainer.train()
    metrics: dict[str, Any] = {"train_rows": len(train)}
    if evaluation is not None:
        metrics.update({f"final_{key}": value for key, value in trainer.evaluate().items()})
    trainer.save_model(str(output_dir))
    return _summary(trainer, metrics)


def _prompt_fits(tokenizer: Any, max_tokens: int, chat_kwargs: dict[str, Any]) -> Any:
    def fits(row: dict[str, Any]) -> bool:
        ids = tokenizer.apply_chat_template(row["prompt"], add_generation_prompt=True, tokenize=True, **chat_kwargs)
        ids = ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids
        return len(ids) <= max_tokens

    return fits


def gen_trainer_args(config: GenConfig, output_dir: Path) -> dict[str, Any]:
    """GRPOConfig arguments: a rollout batch of ``batch_size`` prompts x ``rollouts_per_prompt`` answers, one
    optimizer step per ``mini_batch_size`` prompts (TRL counts completions)."""
    completions_per_step = config.mini_batch_size * config.rollouts_per_prompt
    return {
        **_common_args(config, output_dir),
        "gradient_accumulation_steps": _accumulation(completions_per_step, config.micro_batch_size),
        "generation_batch_size": config.batch_size * config.rollouts_per_prompt,
        "num_generations": config.rollouts_per_prompt,
        "max_completion_length": config.max_response_length,
        "temperature": config.temperature,
        "top_p": config.top_p,
        "beta": config.kl_coef,
        "entropy_coef": config.entropy_coef,
        "scale_rewards": "group",
        "chat_template_kwargs": chat_template_kwargs(config),
    }


def chat_template_kwargs(config: GenConfig) -> dict[str, Any]:
    return {"enable_thinking": config.variant == "think"}


def train_gen(config: GenConfig, train_file: Path, eval_file: Path | None, output_dir: Path) -> dict[str, Any]:
    """GRPOTrainer with the choice reward on ``genrm_<variant>``; saves the policy (the GenRM) and tokenizer."""
    check_installed()
    from transformers import AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer  # type: ignore[attr-defined]

    from training.rewards import choice_reward

    chat_kwargs = chat_template_kwargs(config)
    tokenizer = AutoTokenizer.from_pretrained(config.base_model)
    train = load_rows(train_file, GEN_COLUMNS, config.max_train_samples)
    # Like the paper's verl run (filter_overlong_prompts): a prompt over the limit is dropped, never truncated,
    # since a cut critique prompt loses one of the two responses.
    fitting = train.filter(_prompt_fits(tokenizer, config.max_prompt_length, chat_kwargs))
    if len(fitting) == 0:
        raise ValueError(f"no train prompt fits max_prompt_length={config.max_prompt_length}")
    args = GRPOConfig(**_on_device(gen_trainer_args(config, output_dir)))
    trainer = GRPOTrainer(
        model=config.base_model,
        reward_funcs=[choice_reward],  # type: ignore[list-item]  # returns floats, never None
        args=args,
        train_dataset=fitting,
        processing_class=tokenizer,
    )
    trainer.train()
    trainer.save_model(str(output_dir))
    return _summary(trainer, {"train_rows": len(fitting), "train_rows_over_prompt_limit": len(train) - len(fitting)})
