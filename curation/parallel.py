"""Worker processes for chains of record-level steps, so that the pipeline uses every core of the machine.

Each worker gets its own copy of the chain's steps (pickled as the main process holds them, a selection step's
decisions included), sets them up once, and runs batches through curation.execution.process_chain. Batches go
out as Arrow arrays of JSON text and come back as Arrow tables of output rows (cheap to pickle, and written as
they are); results are collected in input order, so the files are byte-identical to a run in one process.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import pyarrow as pa

from curation.execution import StepBatch, process_chain
from curation.steps.base import Step, StepContext
from curation.workspace import Workspace

WORKERS_ENV = "TOOLPREF_WORKERS"


def worker_count() -> int:
    """$TOOLPREF_WORKERS, else one per core (at most 8)."""
    configured = os.environ.get(WORKERS_ENV)
    if configured:
        return max(1, int(configured))
    return max(1, min(os.cpu_count() or 1, 8))


def parallel_worth_it(step: Step, total_rows: int, workers: int) -> bool:
    """Workers pay off with several batches of input; small runs stay in one process."""
    size = step.input_batch_size()
    return workers > 1 and size is not None and total_rows >= 4 * size


_steps: list[Step] = []  # the worker's own copies of the chain's steps, set up once by _init_worker


def _init_worker(pickled_steps: bytes, contexts: list[tuple[str, str, str]]) -> None:
    global _steps
    _steps = pickle.loads(pickled_steps)
    for step, (workspace, base_dir, step_dir) in zip(_steps, contexts, strict=True):
        step.take_tallies()  # forget what the main process had counted before the copy
        step.setup(StepContext(workspace=Workspace(Path(workspace)), base_dir=Path(base_dir), step_dir=Path(step_dir)))


def _run_batch(texts: pa.Array) -> list[StepBatch]:
    batches = process_chain(_steps, texts)
    for step, batch in zip(_steps, batches, strict=True):
        batch.tallies = step.take_tallies()
    return batches


class WorkerPool:
    """A pool of processes running one chain of steps; ``run`` yields results in batch order."""

    def __init__(self, steps: Sequence[Step], contexts: Sequence[StepContext], workers: int) -> None:
        self.workers = workers
        initargs = (
            pickle.dumps(list(steps)),
            [(str(c.workspace.root), str(c.base_dir), str(c.step_dir)) for c in contexts],
        )
        # forkserver: workers start clean (no threads of the parent, such as the progress bar's, are copied).
        self._pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("forkserver"), initializer=_init_worker, initargs=initargs
        )

    def run(self, batches: Iterator[pa.Array]) -> Iterator[list[StepBatch]]:
        """A few batches per worker are in flight; the oldest is collected first."""
        pending: deque[Future[list[StepBatch]]] = deque()
        for batch in batches:
            pending.append(self._pool.submit(_run_batch, batch))
            if len(pending) >= 2 * self.workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
