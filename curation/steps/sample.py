"""`sample`: every task gets its candidates, the ground truth and each policy's samples (METHOD.md step 5)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import Any, ClassVar

from pydantic import Field, PrivateAttr, model_validator

from curation.registry import steps
from curation.sampling.base import Generation, Policy, backend_class, policy_hash
from curation.sampling.cache import RequestCache
from curation.sampling.sampler import ReplayBackend, ground_truth_candidate, sample_policy
from curation.schema import Candidate, Record, SampledTask, Task
from curation.steps.base import Outcome, Step, StepContext

_FIRST_PASS_COUNTERS = ("cache_hits", "generated")


def _default_policies() -> list[Policy]:
    return [Policy(name="perturb", backend="perturb", n=4)]


@steps.register("sample")
class Sample(Step):
    """Sample candidate next turns for each task from several policies, with the ground truth as a candidate.

    Inputs: Task. Outputs: SampledTask (the GT first, then each policy's samples in order). Policies with a model
    run first, one at a time over every task (prepare: one engine loaded at a time, fed big batches), and their
    generations go into the request cache in the workspace, so a killed run resumes without sending a finished
    request again; then tasks stream through in batches and take their candidates from the cache. Perturbation
    needs no engine and no cache: it runs in the streaming pass, in worker processes.
    """

    name: ClassVar[str] = "sample"
    description: ClassVar[str] = "Task -> SampledTask: GT + candidates from each policy (perturb, vllm, openai, ray)"
    input_type: ClassVar[type[Record] | None] = Task
    output_type: ClassVar[type[Record]] = SampledTask
    batch_size: ClassVar[int | None] = 512

    policies: list[Policy] = Field(default_factory=_default_policies, description="where candidates come from")
    include_ground_truth: bool = Field(default=True, description="add the GT turn as a candidate")
    use_cache: bool = Field(
        default=True,
        description="reuse and store generations in <workspace>/cache (without it, model sampling holds every "
        "task in memory at once)",
    )
    prefetch_batch_size: int = Field(default=4096, ge=1, description="tasks per engine call in the first pass")

    _cache: RequestCache | None = PrivateAttr(default=None)
    # Per model policy, after prepare(): the requests that failed in the first pass (the cache keeps only successes).
    _failed: dict[str, dict[tuple[str, int], Generation]] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _distinct_policies(self) -> Sample:
        if not self.policies and not self.include_ground_truth:
            raise ValueError("no policies and include_ground_truth is false: there would be no candidates")
        labels: dict[str, str] = {}
        hashes: dict[str, str] = {}
        for policy in self.policies:
            if policy.name in labels:
                raise ValueError(f"two policies are named {policy.name!r}; names must be unique")
            labels[policy.name] = policy.backend
            key = policy_hash(policy)
            if key in hashes:
                raise ValueError(
                    f"policies {hashes[key]!r} and {policy.name!r} differ only in their name: they would make the "
                    "same samples; raise n or change the seed instead"
                )
            hashes[key] = policy.name
        return self

    def _engine_free(self) -> bool:
        """Only backends cheaper than a cache lookup (perturbation): pure per task, nothing to load, nothing cached.
        The others are the ones prepare() runs first."""
        return not any(backend_class(policy.backend).uses_cache for policy in self.policies)

    def input_batch_size(self) -> int | None:
        # Model sampling without the cache has nowhere to keep a first pass: every task at once, as one batch.
        return self.batch_size if self._engine_free() or self.use_cache else None

    def runs_in_workers(self) -> bool:
        return self._engine_free()

    def prepares(self) -> bool:
        return not self._engine_free() and self.use_cache

    def prepare(self, records: Callable[[], Iterator[Any]]) -> None:
        """Each model policy over every task, one policy (one engine) at a time, generations into the cache."""
        self._failed = {}
        for policy in self.policies:
            backend_type = backend_class(policy.backend)
            if not backend_type.uses_cache:  # perturbation: made in the streaming pass
                continue
            backend = backend_type(policy)
            failed = self._failed[policy.name] = {}
            counters: Counter[str] = Counter()
            try:
                tasks = iter(records())
                while batch := list(islice(tasks, self.prefetch_batch_size)):
                    sample_policy(batch, policy, self._cache, counters, backend=backend, keep_open=True, failed=failed)
            finally:
                backend.close()
            for counter in _FIRST_PASS_COUNTERS:
                if counters[counter]:
                    self.count(counter, counters[counter])
                    self.count(f"policy:{policy.name}:{counter}", counters[counter])

    def setup(self, ctx: StepContext) -> None:
        for policy in self.policies:
            backend_class(policy.backend).check_available()
        if self.use_cache and not self._engine_free():
            self._cache = RequestCache.in_folder(ctx.workspace.cache)

    def teardown(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    def process_batch(self, batch: Sequence[Any]) -> list[Outcome]:
        tasks: list[Task] = list(batch)
        per_policy: list[dict[str, list[Candidate]]] = []
        for policy in self.policies:
            counters: Counter[str] = Counter()
            failed = self._failed.get(policy.name) if self._failed is not None else None
            replay = ReplayBackend(policy, failed) if failed is not None else None
            per_policy.append(sample_policy(tasks, policy, self._cache, counters, backend=replay))
            for counter, value in counters.items():
                if replay is not None and counter in _FIRST_PASS_COUNTERS:
                    continue  # counted by prepare; here everything is a cache hit
                self.count(counter, value)
                self.count(f"policy:{policy.name}:{counter}", value)
        outcomes: list[Outcome] = []
        for task in tasks:
            candidates: list[Candidate] = [ground_truth_candidate(task)] if self.include_ground_truth else []
            for sampled in per_policy:
                candidates.extend(sampled[task.id])
            for candidate in candidates:
                self.count(f"origin:{candidate.origin}")
            self.count("candidates", len(candidates))
            outcomes.append([SampledTask(task=task, candidates=tuple(candidates))])
        return outcomes
