"""Training configs for the two reward models, with the paper's hyperparameters as defaults (METHOD.md).

One pydantic model per kind; its fields are what `--set key=value` may change, and the resolved model is what a
run records in its manifest. Field names are the method's own words (batch size, rollouts per prompt); each
backend maps them onto its flags (training/openrlhf.py, training/trl_backend.py) in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Backend = Literal["openrlhf", "trl"]
BACKENDS: tuple[Backend, ...] = ("openrlhf", "trl")
Kind = Literal["disc", "gen"]


class TrainConfig(BaseModel):
    """What both kinds share."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_model: str = Field(description="the model to start from: a Hub id or a local folder")
    learning_rate: float = Field(gt=0, description="peak learning rate")
    epochs: int = Field(ge=1, description="passes over the release's train split")
    micro_batch_size: int = Field(ge=1, description="sequences per device per forward pass")
    seed: int = Field(default=42, ge=0, description="random seed")
    bf16: bool = Field(default=True, description="train in bfloat16 (set false on CPU)")
    gradient_checkpointing: bool = Field(default=True, description="recompute activations to save memory")
    max_steps: int | None = Field(
        default=None, ge=1, description="stop after this many optimizer steps (trl backend; a smoke run)"
    )
    max_train_samples: int | None = Field(default=None, ge=1, description="use at most this many train rows")
    num_nodes: int = Field(default=1, ge=1, description="machines (openrlhf)")
    gpus_per_node: int = Field(default=8, ge=1, description="GPUs per machine (openrlhf; the paper used 8 A100s)")
    zero_stage: int = Field(default=3, ge=0, le=3, description="DeepSpeed ZeRO stage (openrlhf)")
    attn_implementation: str = Field(default="flash_attention_2", description="attention kernel (openrlhf)")
    logging_steps: int = Field(default=1, ge=1, description="log every this many steps")


class DiscConfig(TrainConfig):
    """ToolRM-Disc: a Bradley–Terry reward model, loss −log σ(r⁺ − r⁻) (OpenRLHF train_rm / TRL RewardTrainer)."""

    base_model: str = Field(
        default="Qwen/Qwen3-4B-Instruct-2507", description=TrainConfig.model_fields["base_model"].description
    )
    learning_rate: float = Field(default=4e-6, gt=0, description="peak learning rate")
    epochs: int = Field(default=2, ge=1, description="passes over the release's train split")
    batch_size: int = Field(default=256, ge=1, description="pairs per optimizer step, over all devices")
    micro_batch_size: int = Field(default=1, ge=1, description="pairs per device per forward pass")
    max_length: int = Field(default=16384, ge=16, description="longest chosen or rejected sequence in tokens")
    packing_samples: bool = Field(default=True, description="pack sequences without padding (openrlhf)")


class GenConfig(TrainConfig):
    """ToolRM-Gen: GRPO on the critique prompt, reward 1 when the parsed <choice> equals the label, else 0."""

    base_model: str = Field(
        default="Qwen/Qwen3-4B-Thinking-2507", description=TrainConfig.model_fields["base_model"].description
    )
    variant: Literal["think", "no_think"] = Field(
        default="think", description="release config genrm_<variant>: think for reasoning models"
    )
    learning_rate: float = Field(default=1e-6, gt=0, description="peak learning rate")
    epochs: int = Field(default=1, ge=1, description="passes over the release's train split")
    batch_size: int = Field(default=128, ge=1, description="prompts per rollout batch")
    rollouts_per_prompt: int = Field(default=8, ge=2, description="sampled answers per prompt (the GRPO group)")
    mini_batch_size: int = Field(
        default=32, ge=1, description="prompts per optimizer step (the paper: 4 steps per rollout batch of 128)"
    )
    micro_batch_size: int = Field(default=2, ge=1, description="sequences per device per forward pass")
    max_prompt_length: int = Field(default=16384, ge=16, description="longest prompt in tokens")
    max_response_length: int = Field(default=4096, ge=1, description="longest sampled answer in tokens")
    kl_coef: float = Field(default=0.0, ge=0, description="KL penalty to the base model; the paper uses none")
    entropy_coef: float = Field(default=0.0, ge=0, description="entropy bonus; the paper uses none")
    temperature: float = Field(default=1.0, gt=0, description="rollout sampling temperature")
    top_p: float = Field(default=1.0, gt=0, le=1, description="rollout nucleus sampling mass")
    vllm_engines: int = Field(default=8, ge=1, description="vLLM rollout engines (openrlhf)")
    vllm_tensor_parallel_size: int = Field(default=1, ge=1, description="GPUs per vLLM engine (openrlhf)")
    vllm_gpu_memory_utilization: float = Field(
        default=0.6, gt=0, le=1, description="share of GPU memory for vLLM when colocated (openrlhf)"
    )
    colocate_all: bool = Field(
        default=True, description="actor and vLLM engines share the GPUs, vLLM sleeping during updates (openrlhf)"
    )

    @model_validator(mode="after")
    def _check_batches(self) -> GenConfig:
        if self.batch_size % self.mini_batch_size:
            raise ValueError(
                f"batch_size ({self.batch_size}) must be a multiple of mini_batch_size ({self.mini_batch_size})"
            )
        return self


C = TypeVar("C", bound=TrainConfig)
CONFIG_CLASSES: dict[Kind, type[TrainConfig]] = {"disc": DiscConfig, "gen": GenConfig}


class ConfigError(ValueError):
    """A --set that names no field or gives a value the field does not take; ``problems`` lists each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def parse_sets(sets: Sequence[str]) -> dict[str, Any]:
    """``key=value`` pairs; each value is read as YAML so that 1e-6, 512, false and null keep their types."""
    values: dict[str, Any] = {}
    problems = []
    for item in sets:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(f"--set {item!r}: expected key=value")
            continue
        try:
            values[key] = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError as error:
            problems.append(f"--set {item!r}: the value is not valid YAML: {error}")
    if problems:
        raise ConfigError(problems)
    return values


def resolve_config(config_class: type[C], sets: Sequence[str] = (), **explicit: Any) -> C:
    """The config with ``explicit`` values (CLI options), then ``--set`` overrides, validated."""
    values = {key: value for key, value in explicit.items() if value is not None}
    overrides = parse_sets(sets)
    unknown = sorted(set(overrides) - set(config_class.model_fields))
    if unknown:
        known = ", ".join(config_class.model_fields)
        raise ConfigError(
            [f"--set {key}: {config_class.__name__} has no field {key!r}; fields: {known}" for key in unknown]
        )
    values.update(overrides)
    try:
        return config_class.model_validate(values)
    except ValidationError as error:
        problems = []
        for issue in error.errors():
            where = ".".join(str(part) for part in issue["loc"]) or config_class.__name__
            problems.append(f"{where}: {issue['msg']} (got {issue.get('input')!r})")
        raise ConfigError(problems) from None
