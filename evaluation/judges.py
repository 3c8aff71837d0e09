"""The models an evaluation runs: a generator for GenRM answers, a sequence scorer for DiscRM scores.

Generators take chat conversations and return completions with their output-token counts:
- ``transformers``: the model in this process (CPU or one GPU), batched ``generate``; what the tests use.
- ``vllm`` and ``openai``: the studio's sampling backends (curation/sampling), so a judge gets their engine
  handling, retries, concurrency and the request cache: an evaluation killed half-way resumes without asking
  again. Each conversation becomes a task whose history is the conversation and which offers no tools.

The scorer (DiscRM) is a sequence-classification model read with transformers; it scores a conversation by the
logit of its last token, as OpenRLHF and TRL train it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from curation.schema import Message, Task, TaskKind, content_hash

GenBackend = Literal["transformers", "vllm", "openai"]
GEN_BACKENDS: tuple[GenBackend, ...] = ("transformers", "vllm", "openai")
Conversation = list[dict[str, Any]]


@dataclass(frozen=True)
class GenParams:
    """Sampling settings; the defaults are the ToolRM evaluation's (temperature 0.6, top-p 0.95, top-k 20)."""

    temperature: float = 0.6
    top_p: float = 0.95
    top_k: int = 20
    max_tokens: int = 8192
    seed: int = 0
    think: bool | None = None  # chat_template_kwargs.enable_thinking; None = the template's default
    batch_size: int = 8  # transformers only
    options: dict[str, Any] = field(default_factory=dict)  # backend options (vllm / openai)


@dataclass(frozen=True)
class Completion:
    text: str
    output_tokens: int | None = None
    error: str | None = None


class Generator(Protocol):
    def generate(self, conversations: Sequence[Conversation]) -> list[Completion]: ...


def _torch_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class TransformersGenerator:
    """``AutoModelForCausalLM.generate`` in this process, left-padded batches, seeded per batch."""

    def __init__(self, model: str | Path, params: GenParams) -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.params = params
        self.device = _torch_device()
        self.tokenizer = AutoTokenizer.from_pretrained(str(model), padding_side="left")
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        loaded = AutoModelForCausalLM.from_pretrained(str(model), dtype="auto")
        self.model = loaded.to(self.device).eval()  # type: ignore[arg-type]

    def _prompt(self, conversation: Conversation) -> str:
        kwargs: dict[str, Any] = {} if self.params.think is None else {"enable_thinking": self.params.think}
        text = self.tokenizer.apply_chat_template(conversation, tokenize=False, add_generation_prompt=True, **kwargs)
        return str(text)

    def generate(self, conversations: Sequence[Conversation]) -> list[Completion]:
        import torch

        prompts = [self._prompt(c) for c in conversations]
        completions: dict[int, Completion] = {}
        size = max(1, self.params.batch_size)
        sampling = self.params.temperature > 0
        stop_ids = set(_as_list(self.model.generation_config.eos_token_id)) | {self.tokenizer.eos_token_id}
        order = _by_length(prompts)  # similar lengths together: less padding (and the same batches every run)
        for start in range(0, len(order), size):
            indices = order[start : start + size]
            batch = [prompts[i] for i in indices]
            encoded = self.tokenizer(batch, return_tensors="pt", padding=True, add_special_tokens=False)
            encoded = encoded.to(self.device)
            torch.manual_seed(self.params.seed + indices[0])
            kwargs: dict[str, Any] = {"max_new_tokens": self.params.max_tokens, "do_sample": sampling}
            if sampling:
                kwargs.update(temperature=self.params.temperature, top_p=self.params.top_p, top_k=self.params.top_k)
            with torch.no_grad():
                output = self.model.generate(**encoded, pad_token_id=self.tokenizer.pad_token_id, **kwargs)
            new_tokens = output[:, encoded["input_ids"].shape[1] :]
            for index, row in zip(indices, new_tokens.tolist(), strict=True):
                count = next((i + 1 for i, token in enumerate(row) if token in stop_ids), len(row))
                text = self.tokenizer.decode(row[:count], skip_special_tokens=True)
                completions[index] = Completion(text=str(text), output_tokens=count)
        return [completions[i] for i in range(len(prompts))]


def _by_length(texts: Sequence[str]) -> list[int]:
    return sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))


def _as_list(value: Any) -> list[int]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [int(value)]


def judge_task(conversation: Conversation) -> Task:
    """A conversation as a sampling task (no tools): its id is its content hash, so the cache never mixes two."""
    history = tuple(Message(role=m["role"], content=str(m.get("content") or "")) for m in conversation)
    task_id = f"judge:{content_hash([m.model_dump(mode='json') for m in history], 24)}"
    return Task(
        id=task_id,
        trajectory_id=task_id,
        source="trbench",
        turn=len(history),
        history=history,
        target=Message(role="assistant", content=""),
        kind=TaskKind.no_call,
        complexity=0,
    )


class SamplingBackendGenerator:
    """A GenRM judge on the studio's `vllm` or `openai` sampling backend, with the request cache."""

    def __init__(self, backend: GenBackend, model: str, params: GenParams, cache_dir: Path | None) -> None:
        from curation.sampling.base import Policy

        options = dict(params.options)
        if backend == "openai" and params.top_k > 0:
            options.setdefault("extra_body", {}).setdefault("top_k", params.top_k)
        self.policy = Policy(
            name="trbench-judge",
            backend=backend,
            model=model,
            temperature=params.temperature,
            top_p=params.top_p,
            max_tokens=params.max_tokens,
            seed=params.seed,
            think=params.think,
            options=options,
        )
        self.cache_dir = cache_dir

    def generate(self, conversations: Sequence[Conversation]) -> list[Completion]:
        from curation.sampling.cache import RequestCache
        from curation.sampling.sampler import sample_policy

        tasks = [judge_task(conversation) for conversation in conversations]
        unique = list({task.id: task for task in tasks}.values())
        cache = RequestCache.in_folder(self.cache_dir) if self.cache_dir is not None else None
        by_task = sample_policy(unique, self.policy, cache)
        completions = []
        for task in tasks:
            candidate = by_task[task.id][0]
            tokens = candidate.meta.get("completion_tokens")
            completions.append(
                Completion(
                    text=candidate.text,
                    output_tokens=int(tokens) if isinstance(tokens, int) else None,
                    error=candidate.request_error,
                )
            )
        return completions


def make_generator(backend: str, model: str, params: GenParams, cache_dir: Path | None) -> Generator:
    if backend == "transformers":
        return TransformersGenerator(model, params)
    if backend in ("vllm", "openai"):
        return SamplingBackendGenerator(backend, model, params, cache_dir)  # type: ignore[arg-type]
    raise ValueError(f"unknown backend {backend!r}; use one of {', '.join(GEN_BACKENDS)}")


class SequenceScorer:
    """A DiscRM: ``AutoModelForSequenceClassification`` with one label; a conversation's score is its logit."""

    def __init__(self, model: str | Path, batch_size: int = 8) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.device = _torch_device()
        self.batch_size = max(1, batch_size)
        self.tokenizer = AutoTokenizer.from_pretrained(str(model))
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = AutoModelForSequenceClassification.from_pretrained(str(model), num_labels=1, dtype="auto")
        if self.model.config.pad_token_id is None:
            self.model.config.pad_token_id = self.tokenizer.pad_token_id
        self.model = self.model.to(self.device).eval()

    def score(self, conversations: Sequence[Conversation]) -> list[float]:
        import torch

        texts = [
            str(self.tokenizer.apply_chat_template(conversation, tokenize=False)) for conversation in conversations
        ]
        scores: dict[int, float] = {}
        order = _by_length(texts)
        for start in range(0, len(order), self.batch_size):
            indices = order[start : start + self.batch_size]
            encoded = self.tokenizer(
                [texts[i] for i in indices], return_tensors="pt", padding=True, add_special_tokens=False
            )
            with torch.no_grad():
                logits = self.model(**encoded.to(self.device)).logits
            scores.update(zip(indices, (float(value) for value in logits[:, 0].float().tolist()), strict=True))
        return [scores[i] for i in range(len(texts))]
