"""`ray`: sampling spread over a Ray cluster. Each worker is a Ray actor running one of the other backends (perturb,
vllm with its engine loaded once per actor, or openai); the driver hands out chunks of requests and yields each
chunk's generations as it comes back, so the request cache sees them as they finish.

Seeds derive from the task, the policy and the sample index, never from order or worker, so a deterministic inner
backend gives the same candidates here as locally; the policy hash is the inner backend's, so the two share the
request cache and candidate ids.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, model_validator

from curation.registry import backends
from curation.sampling.base import (
    BackendOptions,
    Generation,
    Policy,
    SampleRequest,
    SamplingBackend,
    backend_class,
    missing_dependency,
)

_IN_FLIGHT_PER_WORKER = 2


class RayOptions(BackendOptions):
    runtime_fields: ClassVar[frozenset[str]] = frozenset(
        {"address", "num_cpus", "workers", "chunk_size", "cpus_per_worker", "gpus_per_worker"}
    )

    backend: str = Field(default="perturb", description="the backend each worker runs: perturb, vllm or openai")
    options: dict[str, Any] = Field(default_factory=dict, description="that backend's options")
    address: str | None = Field(default=None, description="a Ray cluster (ray://host:10001, auto); null = local")
    num_cpus: int | None = Field(default=None, ge=1, description="CPUs of a local Ray instance started here")
    workers: int = Field(default=2, ge=1, description="actors, each with its own inner backend")
    chunk_size: int = Field(default=64, ge=1, description="requests per task handed to an actor")
    cpus_per_worker: float = Field(default=1.0, ge=0, description="Ray CPUs reserved per actor")
    gpus_per_worker: float = Field(default=0.0, ge=0, description="Ray GPUs reserved per actor (vllm: 1)")

    @model_validator(mode="after")
    def _inner_backend(self) -> RayOptions:
        if self.backend == "ray":
            raise ValueError("backend: a ray worker runs another backend (perturb, vllm, openai), not ray")
        backend_class(self.backend).Options.model_validate(self.options)
        return self


def inner_policy(policy: Policy) -> Policy:
    """The policy each worker runs: the same, with the inner backend and its options."""
    options = RayOptions.model_validate(policy.options)
    return Policy.model_validate(
        {**policy.model_dump(mode="json"), "backend": options.backend, "options": options.options}
    )


class _Worker:
    """A Ray actor: one inner backend, started once, serving chunks of requests."""

    def __init__(self, policy_json: str) -> None:
        policy = Policy.model_validate_json(policy_json)
        self.backend = backend_class(policy.backend)(policy)
        self.backend.start()

    def run(self, requests: list[SampleRequest]) -> list[Generation]:
        return list(self.backend.generate(requests))

    def close(self) -> None:
        self.backend.close()


@backends.register("ray")
class RayBackend(SamplingBackend):
    """Workers on a Ray cluster, each running an inner backend; results as local, for the same seeds."""

    Options: ClassVar[type[BackendOptions]] = RayOptions

    def __init__(self, policy: Policy) -> None:
        super().__init__(policy)
        self.options = RayOptions.model_validate(policy.options)
        self.inner = inner_policy(policy)
        self._actors: list[Any] = []
        self._started_ray = False

    @classmethod
    def check_available(cls) -> None:
        if find_spec("ray") is None:
            raise missing_dependency("ray", "ray", "pip install 'toolpref-studio[sampling]'")

    @classmethod
    def needs_model(cls, policy: Policy) -> bool:
        return backend_class(RayOptions.model_validate(policy.options).backend).needs_model(policy)

    @classmethod
    def identity(cls, policy: Policy) -> dict[str, Any]:
        inner = inner_policy(policy)
        return backend_class(inner.backend).identity(inner)

    def start(self) -> None:
        if self._actors:
            return
        self.check_available()
        backend_class(self.inner.backend).check_available()
        import ray

        if not ray.is_initialized():
            # Workers import curation from where this process does, installed or not.
            package_root = str(Path(__file__).resolve().parents[2])
            ray.init(
                address=self.options.address,
                num_cpus=self.options.num_cpus if self.options.address is None else None,
                runtime_env={"env_vars": {"PYTHONPATH": package_root, "HF_HUB_OFFLINE": "1"}},
                include_dashboard=False,
                log_to_driver=False,
            )
            self._started_ray = True
        actor = ray.remote(num_cpus=self.options.cpus_per_worker, num_gpus=self.options.gpus_per_worker)(_Worker)
        policy_json = self.inner.model_dump_json()
        self._actors = [actor.remote(policy_json) for _ in range(self.options.workers)]

    def close(self) -> None:
        if not self._actors and not self._started_ray:
            return
        import ray

        for handle in self._actors:
            with contextlib.suppress(Exception):  # an actor that died has nothing left to close
                ray.get(handle.close.remote())
            ray.kill(handle)
        self._actors = []
        if self._started_ray:
            ray.shutdown()
            self._started_ray = False

    def generate(self, requests: Sequence[SampleRequest]) -> Iterator[Generation]:
        if not self._actors:
            raise RuntimeError("the ray backend is not started")
        import ray

        size = self.options.chunk_size
        chunks = [list(requests[start : start + size]) for start in range(0, len(requests), size)]
        pending_chunks = iter(enumerate(chunks))
        in_flight: dict[Any, tuple[int, list[SampleRequest]]] = {}
        load = dict.fromkeys(range(len(self._actors)), 0)

        def submit() -> bool:
            worker = min(load, key=lambda index: load[index])
            if load[worker] >= _IN_FLIGHT_PER_WORKER:
                return False
            item = next(pending_chunks, None)
            if item is None:
                return False
            ref = self._actors[worker].run.remote(item[1])
            in_flight[ref] = (worker, item[1])
            load[worker] += 1
            return True

        while submit():
            pass
        while in_flight:
            done, _ = ray.wait(list(in_flight), num_returns=1)
            ref = done[0]
            worker, chunk = in_flight.pop(ref)
            load[worker] -= 1
            try:
                generations: list[Generation] = ray.get(ref)
            except Exception as error:  # an actor crashed: its chunk fails, the run goes on
                generations = [
                    Generation(
                        task_id=request.task.id,
                        sample_index=request.sample_index,
                        request_error=f"ray worker failed: {type(error).__name__}: {error}"[:2000],
                    )
                    for request in chunk
                ]
            yield from generations
            while submit():
                pass
