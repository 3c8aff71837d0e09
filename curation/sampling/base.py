"""The sampling interface: a Policy names a backend and its parameters; a backend turns requests into generations.

A policy is validated when the recipe is planned, its backend options included (each backend has its own pydantic
Options model), so a typo in a recipe fails before any engine starts. Every sample is addressed by content: the
task id, the policy hash (canonical JSON of everything in the policy that can change its output) and the sample
index. Seeds derive from the same three, so a sample does not depend on batching, order or which worker ran it.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from curation.registry import UnknownPluginError, backends
from curation.schema import Task, content_hash
from curation.scoring.parse import ParseResult

GROUND_TRUTH_ORIGIN = "ground_truth"
PERTURB_ORIGIN_PREFIX = "perturb:"


class BackendOptions(BaseModel):
    """Base of every backend's own options. ``runtime_fields`` change how a sample is made, never what it is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    runtime_fields: ClassVar[frozenset[str]] = frozenset()

    def identity(self) -> dict[str, Any]:
        """The options that can change a sample's content: part of the policy hash."""
        return self.model_dump(mode="json", exclude=set(self.runtime_fields))


class Policy(BaseModel):
    """One source of candidates: a backend, a model and its sampling parameters. ``name`` is only a label."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="label of this policy, unique within the step")
    backend: str = Field(default="perturb", description="registered sampling backend: perturb, vllm, openai, ray")
    model: str = Field(default="", description="model path or served model name (not used by perturb)")
    temperature: float = Field(default=1.0, ge=0.0, description="sampling temperature")
    top_p: float = Field(default=1.0, gt=0.0, le=1.0, description="nucleus sampling mass")
    max_tokens: int = Field(default=1024, ge=1, description="most new tokens per sample")
    n: int = Field(default=1, ge=1, le=1024, description="samples per task")
    seed: int = Field(default=0, ge=0, description="base seed; each sample's seed derives from it, task and index")
    think: bool | None = Field(
        default=None, description="think mode, passed as chat_template_kwargs.enable_thinking; null = template default"
    )
    options: dict[str, Any] = Field(default_factory=dict, description="backend options (see the backend's Options)")

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, name: str) -> str:
        try:
            backend_class(name)
        except UnknownPluginError as error:  # a KeyError: pydantic reports ValueErrors, with the field's place
            raise ValueError(str(error)) from None
        return name

    @model_validator(mode="after")
    def _check_backend(self) -> Policy:
        backend = backend_class(self.backend)
        try:
            backend.Options.model_validate(self.options)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in issue['loc']) or 'options'}: {issue['msg']}"
                for issue in error.errors()
            )
            raise ValueError(f"policy {self.name!r}, {self.backend} options: {problems}") from None
        if backend.needs_model(self) and not self.model:
            raise ValueError(f"policy {self.name!r}: backend {self.backend!r} needs `model` (a path or a name)")
        return self

    def backend_options(self) -> BackendOptions:
        return backend_class(self.backend).Options.model_validate(self.options)

    def sampling_params(self) -> dict[str, Any]:
        """What each candidate records as its generation parameters."""
        return {
            "policy": self.name,
            "backend": self.backend,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "think": self.think,
        }


def backend_class(name: str) -> type[SamplingBackend]:
    cls = backends.get(name)
    if not (isinstance(cls, type) and issubclass(cls, SamplingBackend)):
        raise TypeError(f"sampling backend {name!r} is registered as {cls!r}, not a SamplingBackend")
    return cls


def policy_identity(policy: Policy) -> dict[str, Any]:
    """Everything in a policy that can change a sample: all but its label and runtime-only options."""
    return backend_class(policy.backend).identity(policy)


def policy_hash(policy: Policy) -> str:
    return content_hash(policy_identity(policy))


def derive_seed(base_seed: int, task_id: str, sample_index: int) -> int:
    """A 31-bit seed for one sample, independent of batching and order (engines want a non-negative int32)."""
    digest = hashlib.sha256(f"{base_seed}\x00{task_id}\x00{sample_index}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


@dataclass(frozen=True)
class SampleRequest:
    """One sample to make: a task, which of its n samples, and that sample's seed."""

    task: Task
    sample_index: int
    seed: int

    @property
    def key(self) -> tuple[str, int]:
        return (self.task.id, self.sample_index)


class Generation(BaseModel):
    """What a backend returns for one request: the raw text, or the error that made the request fail for good."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task_id: str
    sample_index: int
    text: str = ""
    request_error: str | None = None
    origin: str | None = None  # None = the policy's model; perturb sets "perturb:<operator>"
    meta: dict[str, Any] = Field(default_factory=dict)  # finish reason, token counts, attempts, ...
    # parse_response(text), where the backend already knows it for certain (perturb: see readback.py): the sampler
    # then skips the parser. Never stored in the request cache, so a cached generation is always parsed.
    parsed: ParseResult | None = Field(default=None, exclude=True)

    @property
    def key(self) -> tuple[str, int]:
        return (self.task_id, self.sample_index)


def requests_for(tasks: Sequence[Task], policy: Policy) -> list[SampleRequest]:
    """Every (task, sample index) of a policy, task by task."""
    return [
        SampleRequest(task=task, sample_index=index, seed=derive_seed(policy.seed, task.id, index))
        for task in tasks
        for index in range(policy.n)
    ]


class SamplingBackend(ABC):
    """A way to make samples. Subclasses register with ``@backends.register("name")``.

    Lifecycle: ``check_available()`` when the step is set up (missing dependency -> an error with the install
    line), ``start()`` before the first request (load an engine, open a client), ``generate`` any number of times,
    ``close()`` at the end. ``generate`` yields one Generation per request, in any order, as soon as each is done,
    so that the caller can store it before the next one arrives; a request that fails for good is a Generation
    with ``request_error``, never an exception.
    """

    Options: ClassVar[type[BackendOptions]] = BackendOptions
    requires_model: ClassVar[bool] = True  # False for perturb
    uses_cache: ClassVar[bool] = True  # False where a sample costs less than a cache lookup

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    @classmethod  # noqa: B027  (an optional hook: most backends need nothing)
    def check_available(cls) -> None:
        """Raise a RuntimeError naming the install command when a dependency is missing."""

    @classmethod
    def needs_model(cls, policy: Policy) -> bool:
        return cls.requires_model

    @classmethod
    def identity(cls, policy: Policy) -> dict[str, Any]:
        data = policy.model_dump(mode="json", exclude={"name", "options"})
        data["options"] = policy.backend_options().identity()
        return data

    def start(self) -> None:  # noqa: B027  (optional hook)
        """Acquire what generate needs. Called once, and only when a request is not cached."""

    def close(self) -> None:  # noqa: B027  (optional hook)
        """Release what start acquired; safe to call twice."""

    def start_once(self) -> None:
        """start(), unless this object was started already: for a caller that keeps one backend across batches."""
        if not getattr(self, "_started_once", False):
            self.start()
            self._started_once = True

    @abstractmethod
    def generate(self, requests: Sequence[SampleRequest]) -> Iterator[Generation]:
        """One Generation per request, in any order."""


def missing_dependency(backend: str, module: str, install: str) -> RuntimeError:
    return RuntimeError(f"the {backend!r} sampling backend needs the {module!r} package: {install}")
