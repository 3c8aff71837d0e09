"""Running steps into their folders: consecutive record-level steps as one fused streaming pass (a chain).

Each batch of the chain's input is parsed once and handed from step to step in memory, and every step still
writes its own complete folder (data, rejects, stats), so content addressing and resume stay per step. A chain
may start with a source step that reads in units (ingest: native records read here, converted in the chain).
A chain whose steps are all worker-safe runs its batches in worker processes (curation/parallel.py): inputs go
out as Arrow arrays of JSON text, outputs come back as Arrow tables of rows. Outputs are written in input order
either way, so the files are the same whatever the number of workers.

A selection step (balance) heads its own chain: it decides from key columns of its input first, and the records
it does not select are rejected as they stream past, without being parsed.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any

import pyarrow as pa

from curation.records_io import (
    REJECT_SCHEMA,
    RecordWriter,
    RejectWriter,
    count_rows,
    iter_id_and_record_arrays,
    read_key_columns,
    read_records,
    records_table,
)
from curation.schema import Record, Reject
from curation.steps.base import Step, StepContext, settle
from curation.workspace import Workspace

# Called with (step label, advance by n records, total or None) so the CLI can draw progress bars.
ProgressCallback = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class StepTarget:
    """A step to run and the folder it ends in."""

    step: Step
    final_dir: Path
    label: str
    hash: str = ""


@dataclass
class StepBatch:
    """One step's share of one batch of a chain: its outputs as rows of its data file, its rejects, its counts."""

    outputs: pa.Table  # records_io columns: id, record JSON, key columns
    rejects: list[Reject]
    inputs: int
    forwarded: int  # inputs that gave outputs (the others are the rejects)
    cpu: float  # the step's CPU seconds on this batch (parsing the chain's input counts for the first step)
    tallies: dict[str, Any] | None = None  # what a worker's copy of the step counted (Step.take_tallies)


def process_chain(steps: Sequence[Step], inputs: Sequence[Any] | pa.Array) -> list[StepBatch]:
    """Run a batch through ``steps``, each step taking the previous step's outputs. The batch is input JSON, or
    for a source step at the head, its units."""
    # A batch allocates hundreds of thousands of small objects (records) that live until it ends: the cyclic
    # garbage collector would walk them again and again for nothing (about a fifth of the CPU). It runs after.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _process_chain(steps, inputs)
    finally:
        if collecting:
            gc.enable()


def _process_chain(steps: Sequence[Step], inputs: Sequence[Any] | pa.Array) -> list[StepBatch]:
    started = time.process_time()
    first = steps[0]
    batches: list[StepBatch] = []
    if first.input_type is None:
        batch, current = _convert_units(first, inputs)
        batches.append(batch)
        started, steps = time.process_time(), steps[1:]
    else:
        texts = inputs.to_pylist() if isinstance(inputs, pa.Array) else inputs
        current = [first.input_type.model_validate_json(text) for text in texts]
    for step in steps:
        rejects: list[Reject] = []
        forwarded: list[Record] = []
        raw_outcomes = step.process_batch(current) if current else []
        if len(raw_outcomes) != len(current):
            raise RuntimeError(f"step {step.name!r} returned {len(raw_outcomes)} outcomes for {len(current)} records")
        gave_outputs = 0
        for record, raw_outcome in zip(current, raw_outcomes, strict=True):
            outcome = settle(step, record, raw_outcome)
            if isinstance(outcome, Reject):
                rejects.append(outcome)
            else:
                forwarded.extend(outcome)
                gave_outputs += 1
        table = records_table(forwarded, step.output_type)
        batches.append(StepBatch(table, rejects, len(current), gave_outputs, time.process_time() - started))
        started = time.process_time()
        current = forwarded
    return batches


def _convert_units(step: Step, units: Sequence[Any]) -> tuple[StepBatch, list[Record]]:
    started = time.process_time()
    records: list[Record] = []
    rejects: list[Reject] = []
    for unit in units:
        for item in step.convert_unit(unit):
            if isinstance(item, Reject):
                rejects.append(item)
            elif isinstance(item, step.output_type):
                records.append(item)
            else:
                raise TypeError(f"step {step.name!r} produced {type(item).__name__}, not {step.output_type.__name__}")
    table = records_table(records, step.output_type)
    inputs = len(records) + len(rejects)  # a source step's input is what it read: each record or reject
    return StepBatch(table, rejects, inputs, len(records), time.process_time() - started), records


class _Tally:
    """Counts for stats.json. Every input record is forwarded or rejected, never both, never neither."""

    def __init__(self) -> None:
        self.inputs = 0
        self.forwarded = 0
        self.rows_out = 0
        self.cpu_seconds = 0.0
        self.reasons: Counter[str] = Counter()

    def take_batch(self, batch: StepBatch, writer: RecordWriter, rejects: RejectWriter) -> None:
        self.inputs += batch.inputs
        self.forwarded += batch.forwarded
        self.rows_out += batch.outputs.num_rows
        self.cpu_seconds += batch.cpu
        writer.write_table(batch.outputs)
        for reject in batch.rejects:
            self.reject(reject, rejects)

    def unselected(
        self, identifiers: Sequence[str], verdicts: Sequence[tuple[str, str]], raw: pa.Array, rejects: RejectWriter
    ) -> None:
        """Records a selection step rejected unread: their JSON goes to the rejects file as it is."""
        self.inputs += len(identifiers)
        self.reasons.update(reason for reason, _ in verdicts)
        columns = [identifiers, [r for r, _ in verdicts], [d for _, d in verdicts], raw]
        rejects.write_table(pa.table(dict(zip(REJECT_SCHEMA.names, columns, strict=True)), schema=REJECT_SCHEMA))

    def reject(self, reject: Reject, rejects: RejectWriter) -> None:
        rejects.write(reject)
        self.reasons[reject.reason] += 1

    def stats(self, step: Step, seconds: float, step_hash: str, fused: Sequence[str]) -> dict[str, Any]:
        rejected = sum(self.reasons.values())
        assert self.inputs == self.forwarded + rejected, "counts must be conserved"
        stats: dict[str, Any] = {
            "step": step.name,
            "hash": step_hash,
            "config": step.model_dump(mode="json"),
            "in": self.inputs,
            "out": self.forwarded,
            "rejected": rejected,
            "rows_out": self.rows_out,
            "reasons": dict(self.reasons.most_common()),
            "counters": step.counters,
            "report": step.report(),
            "seconds": round(seconds, 3),
        }
        if len(fused) > 1:  # seconds is then the wall time of the whole fused pass
            stats["fused"] = list(fused)
            stats["cpu_seconds"] = round(self.cpu_seconds, 3)
        return stats


class _StepOutput:
    """One step's temporary folder, its writers and its tally; renamed into place by finish()."""

    def __init__(self, target: StepTarget) -> None:
        self.target = target
        final_dir = target.final_dir
        final_dir.parent.mkdir(parents=True, exist_ok=True)
        for stale in final_dir.parent.glob(f".{final_dir.name}.tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)  # left by a killed run
        self.temporary = final_dir.with_name(f".{final_dir.name}.tmp-{os.getpid()}")
        self.temporary.mkdir()
        self.writer = RecordWriter(self.temporary / "data.parquet", target.step.output_type)
        self.rejects = RejectWriter(self.temporary / "rejects.parquet")
        self.tally = _Tally()

    def context(self, workspace: Workspace, base_dir: Path) -> StepContext:
        return StepContext(workspace=workspace, base_dir=base_dir, step_dir=self.temporary)

    def close_writers(self) -> None:
        self.writer.close()
        self.rejects.close()

    def finish(self, seconds: float, fused: Sequence[str]) -> dict[str, Any]:
        step = self.target.step
        step.export(self.temporary / "data.parquet", self.temporary)
        stats = self.tally.stats(step, seconds, self.target.hash, fused)
        (self.temporary / "stats.json").write_text(json.dumps(stats, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        (self.temporary / "_SUCCESS").write_text("", encoding="utf-8")
        if self.target.final_dir.exists():
            shutil.rmtree(self.target.final_dir)
        os.rename(self.temporary, self.target.final_dir)
        return stats

    def discard(self) -> None:
        shutil.rmtree(self.temporary, ignore_errors=True)


def execute_chain(
    targets: Sequence[StepTarget],
    upstream: Path | None,
    workspace: Workspace,
    base_dir: Path,
    progress: ProgressCallback | None = None,
) -> list[dict[str, Any]]:
    """Run record-level steps over ``upstream`` in one streaming pass; return each step's stats. Without an
    upstream the chain starts with a source step, whose units are read here."""
    from curation.parallel import WorkerPool, parallel_worth_it, worker_count

    steps = [target.step for target in targets]
    head = steps[0]
    if head.selection_keys and upstream is not None:
        head.select(read_key_columns(upstream, ("id", *head.selection_keys)))
    outputs: list[_StepOutput] = []
    pool: WorkerPool | None = None
    started = time.perf_counter()
    try:
        outputs = [_StepOutput(target) for target in targets]
        contexts = [output.context(workspace, base_dir) for output in outputs]
        workers = worker_count()
        worker_safe = workers > 1 and all(step.runs_in_workers() for step in steps)
        total: int | None = None
        batches: Iterator[Any]
        if upstream is None:
            # Only a worker-safe source step is peeked at (to size the input) before setup: its units() must
            # need none (ingest sets nothing up); any other is read lazily, after setup.
            batches, size = _unit_batches(head, contexts[0], peek=worker_safe)
        else:
            total = size = count_rows(upstream)
            batches = _selected_batches(head, upstream, outputs[0], total, targets[0].label, progress)
        if worker_safe and parallel_worth_it(head, size, workers):
            # Workers get the steps as they are now (a selection step with its decisions), before setup here.
            pool = WorkerPool(steps, contexts, workers)
        for step, context in zip(steps, contexts, strict=True):
            step.setup(context)
        if head.prepares() and upstream is not None:
            input_type = head.input_type
            assert input_type is not None
            head.prepare(lambda: read_records(upstream, input_type))
        results: Iterator[list[StepBatch]] = (
            pool.run(batches) if pool is not None else (process_chain(steps, texts) for texts in batches)
        )
        for result in results:
            _take(steps, outputs, result, [t.label for t in targets], total, progress)
        for output in outputs:
            output.close_writers()
        seconds = time.perf_counter() - started
        labels = [target.label for target in targets]
        return [output.finish(seconds, labels) for output in outputs]
    except BaseException:
        for output in outputs:
            output.discard()
        raise
    finally:
        if pool is not None:
            pool.close()
        for step in steps:
            step.teardown()


def _selected_batches(
    head: Step,
    upstream: Path,
    output: _StepOutput,
    total: int,
    label: str,
    progress: ProgressCallback | None,
) -> Iterator[pa.Array]:
    """Batches of input JSON for the chain. A selection step's unselected records are rejected here, unparsed."""
    if head.input_batch_size() is None and not head.selection_keys:  # a global step sees every record at once
        everything = [texts for _, texts in iter_id_and_record_arrays(upstream)]
        if everything:
            yield pa.concat_arrays(everything)
        return
    for identifiers, texts in iter_id_and_record_arrays(upstream, head.input_batch_size() or 512):
        if head.selection_keys:
            verdicts = [head.verdict(identifier) for identifier in identifiers.to_pylist()]
            unselected = [position for position, verdict in enumerate(verdicts) if verdict is not None]
            if unselected:
                indices = pa.array(unselected, pa.int64())
                output.tally.unselected(
                    identifiers.take(indices).to_pylist(),
                    [verdicts[position] for position in unselected],  # type: ignore[misc]
                    texts.take(indices),
                    output.rejects,
                )
                if progress is not None:
                    progress(label, len(unselected), total)
                texts = texts.filter(pa.array([verdict is None for verdict in verdicts]))
        if len(texts):
            yield texts


def _unit_batches(head: Step, context: StepContext, peek: bool) -> tuple[Iterator[list[Any]], int]:
    """A source step's units in batches, and with ``peek`` how many units the first few batches hold (enough to
    tell whether worker processes pay off), without losing any; without it, nothing is read yet (0)."""
    size = head.input_batch_size() or 512
    units = iter(head.units(context))
    batches = iter(lambda: list(islice(units, size)), [])
    if not peek:
        return batches, 0
    first = list(islice(batches, 4))
    return chain(first, batches), sum(map(len, first))


def _take(
    steps: Sequence[Step],
    outputs: Sequence[_StepOutput],
    result: Sequence[StepBatch],
    labels: Sequence[str],
    total: int | None,
    progress: ProgressCallback | None,
) -> None:
    """Write one batch's outputs and rejects, step by step, and fold in what the workers counted."""
    for position, (output, batch) in enumerate(zip(outputs, result, strict=True)):
        output.tally.take_batch(batch, output.writer, output.rejects)
        if batch.tallies is not None:
            steps[position].add_tallies(batch.tallies)
        if progress is not None:
            progress(labels[position], batch.inputs, total if position == 0 else None)
