"""From tasks and a policy to candidates: cache first, then the backend for what is missing, then parsing.

Shared by the `sample` step and the benchmark; it knows nothing of the pipeline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from curation.sampling.base import (
    GROUND_TRUTH_ORIGIN,
    Generation,
    Policy,
    SampleRequest,
    SamplingBackend,
    backend_class,
    policy_hash,
    requests_for,
)
from curation.sampling.cache import RequestCache
from curation.schema import Candidate, Task, content_hash
from curation.scoring.parse import RenderStyle, parse_response, render_calls

GROUND_TRUTH_STYLE: RenderStyle = "hermes"


def candidate_id(task_id: str, policy_key: str, sample_index: int) -> str:
    """A candidate's id: task, policy hash and sample index, hashed (the label of a policy is not part of it)."""
    return content_hash({"task_id": task_id, "policy": policy_key, "sample_index": sample_index})


def ground_truth_candidate(task: Task) -> Candidate:
    """The GT turn as a candidate: its calls rendered as a model would write them, or its text."""
    calls = task.target.tool_calls
    text = render_calls(calls, style=GROUND_TRUTH_STYLE) if calls else task.target.content
    return Candidate(
        id=candidate_id(task.id, GROUND_TRUTH_ORIGIN, 0),
        task_id=task.id,
        origin=GROUND_TRUTH_ORIGIN,
        text=text,
        calls=calls,
        params={"style": GROUND_TRUTH_STYLE} if calls else {},
    )


def to_candidate(
    policy: Policy,
    policy_key: str,
    request: SampleRequest,
    generation: Generation,
    params: dict[str, Any] | None = None,
) -> Candidate:
    """A generation as a candidate: raw text kept, calls parsed by the scoring parser (a parse error is data).

    ``params`` is ``policy.sampling_params()``, for a caller that makes many candidates of one policy.
    """
    calls: tuple[Any, ...] = ()
    parse_error: str | None = None
    if generation.request_error is None:
        parsed = generation.parsed if generation.parsed is not None else parse_response(generation.text)
        calls, parse_error = parsed.calls, parsed.error
    return Candidate(
        id=candidate_id(request.task.id, policy_key, request.sample_index),
        task_id=request.task.id,
        origin=generation.origin or policy.model,
        text=generation.text,
        calls=calls,
        parse_error=parse_error,
        request_error=generation.request_error,
        params=params if params is not None else policy.sampling_params(),  # Candidate copies it
        seed=request.seed,
        sample_index=request.sample_index,
        meta=generation.meta,
    )


def sample_policy(
    tasks: Sequence[Task],
    policy: Policy,
    cache: RequestCache | None = None,
    counters: Counter[str] | None = None,
    backend: SamplingBackend | None = None,
    keep_open: bool = False,
    failed: dict[tuple[str, int], Generation] | None = None,
) -> dict[str, list[Candidate]]:
    """Every candidate of ``policy`` for ``tasks``, by task id, in sample order.

    Cached generations are reused; the backend starts only if something is missing, and each new generation is
    stored the moment it arrives. A request the backend never answered becomes a candidate with request_error.
    ``keep_open``: leave the backend started (the caller closes it after its last batch); ``failed``: collects the
    generations that failed, which the cache does not keep.
    """
    counters = counters if counters is not None else Counter()
    backend = backend or backend_class(policy.backend)(policy)
    key = policy_hash(policy)
    requests = requests_for(tasks, policy)
    use_cache = cache is not None and backend.uses_cache
    done: dict[tuple[str, int], Generation] = cache.get_many(key, requests) if cache and use_cache else {}
    counters["cache_hits"] += len(done)
    missing = [request for request in requests if request.key not in done] if done else requests
    if missing:
        by_key = {request.key: request for request in missing}
        generated = 0
        if keep_open:
            backend.start_once()
        else:
            backend.start()
        try:
            for generation in backend.generate(missing):
                generation_key = generation.key
                request = by_key.get(generation_key)
                if request is None or generation_key in done:
                    raise RuntimeError(
                        f"backend {policy.backend!r} answered a request it was not asked for: {generation_key}"
                    )
                done[generation_key] = generation
                generated += 1
                if cache is not None and use_cache:
                    cache.put(key, request, generation)
        finally:
            if generated:  # counted as before: the counter exists once something was generated
                counters["generated"] += generated
            if not keep_open:
                backend.close()
    by_task: dict[str, list[Candidate]] = {task.id: [] for task in tasks}
    params = policy.sampling_params()
    request_errors = parse_errors = 0
    for request in requests:
        generation = done.get(request.key) or Generation(
            task_id=request.task.id,
            sample_index=request.sample_index,
            request_error=f"backend {policy.backend!r} returned no result for this request",
        )
        if failed is not None and generation.request_error is not None:
            failed[request.key] = generation
        candidate = to_candidate(policy, key, request, generation, params)
        request_errors += candidate.request_error is not None
        parse_errors += candidate.parse_error is not None
        by_task[request.task.id].append(candidate)
    if requests:
        counters["request_errors"] += request_errors
        counters["parse_errors"] += parse_errors
    return by_task


class ReplayBackend(SamplingBackend):
    """The backend of `sample`'s streaming pass after its first pass (Sample.prepare) ran every request: what
    succeeded is in the request cache, and this gives back what failed, with its error, so no engine starts again."""

    requires_model: ClassVar[bool] = False

    def __init__(self, policy: Policy, failed: dict[tuple[str, int], Generation]) -> None:
        super().__init__(policy)
        self.failed = failed

    def generate(self, requests: Sequence[SampleRequest]) -> Iterator[Generation]:
        for request in requests:
            yield self.failed.get(request.key) or Generation(
                task_id=request.task.id,
                sample_index=request.sample_index,
                request_error="no generation: the request was not made in the first pass of sample",
            )
