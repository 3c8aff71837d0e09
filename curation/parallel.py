"""Worker processes for record-level steps, so that a step uses every core of the machine.

A step that marks itself ``parallel`` (pure per record: segment, validate, score, pair) has its batches processed
in worker processes. Records travel as their JSON text in both directions, so the main process only reads and
writes; outputs come back in input order, so the files are byte-identical to an inline run.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from curation.records_io import record_id
from curation.registry import steps
from curation.schema import Reject
from curation.steps.base import Step, StepContext, settle
from curation.workspace import Workspace

WORKERS_ENV = "TOOLPREF_WORKERS"


def worker_count() -> int:
    """$TOOLPREF_WORKERS, else one per core (at most 8)."""
    configured = os.environ.get(WORKERS_ENV)
    if configured:
        return max(1, int(configured))
    return max(1, min(os.cpu_count() or 1, 8))


@dataclass(frozen=True)
class EncodedOutcome:
    """One input record's outcome as text: its outputs as (id, JSON) pairs, or a Reject's JSON."""

    outputs: tuple[tuple[str, str], ...] = ()
    reject: str | None = None


_step: Step | None = None  # the worker's own copy of the step, built once by _init_worker


def _init_worker(module: str, step_name: str, config_json: str, workspace: str, base_dir: str, step_dir: str) -> None:
    global _step
    importlib.import_module(module)  # the module that registers the step, in case it is not a packaged one
    _step = steps.get(step_name).model_validate_json(config_json)
    _step.setup(StepContext(workspace=Workspace(Path(workspace)), base_dir=Path(base_dir), step_dir=Path(step_dir)))


def _process_encoded(batch: list[str]) -> tuple[list[EncodedOutcome], dict[str, int]]:
    step = _step
    assert step is not None and step.input_type is not None
    before = dict(step.counters)
    records = [step.input_type.model_validate_json(text) for text in batch]
    encoded = []
    for record, raw_outcome in zip(records, step.process_batch(records), strict=True):
        outcome = settle(step, record, raw_outcome)
        if isinstance(outcome, Reject):
            encoded.append(EncodedOutcome(reject=outcome.model_dump_json()))
        else:
            encoded.append(EncodedOutcome(outputs=tuple((record_id(o), o.model_dump_json()) for o in outcome)))
    delta = {key: value - before.get(key, 0) for key, value in step.counters.items() if value != before.get(key, 0)}
    return encoded, delta


def process_in_workers(
    step: Step, batches: Iterator[list[str]], context: StepContext, workers: int
) -> Iterator[tuple[list[str], list[EncodedOutcome]]]:
    """Each batch of input JSON with its outcomes, in input order. A few batches per worker are in flight."""
    initargs = (
        type(step).__module__,
        step.name,
        step.model_dump_json(),
        str(context.workspace.root),
        str(context.base_dir),
        str(context.step_dir),
    )
    # forkserver: workers start clean (no threads of the parent, such as the progress bar's, are copied).
    pool_context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(workers, mp_context=pool_context, initializer=_init_worker, initargs=initargs) as pool:
        pending: deque[tuple[list[str], Future[tuple[list[EncodedOutcome], dict[str, int]]]]] = deque()
        for batch in batches:
            pending.append((batch, pool.submit(_process_encoded, batch)))
            if len(pending) >= 2 * workers:
                yield _collect(step, *pending.popleft())
        while pending:
            yield _collect(step, *pending.popleft())


def _collect(
    step: Step, batch: list[str], future: Future[tuple[list[EncodedOutcome], dict[str, int]]]
) -> tuple[list[str], list[EncodedOutcome]]:
    outcomes, counters = future.result()
    for key, value in counters.items():
        step.count(key, value)
    return batch, outcomes


def parallel_worth_it(step: Step, total_rows: int, workers: int) -> bool:
    """Workers pay off for parallel steps with several batches of input; small runs stay in one process."""
    size = step.batch_size
    return step.parallel and workers > 1 and size is not None and total_rows >= 4 * size
