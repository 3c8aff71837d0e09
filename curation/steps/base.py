"""The step contract: a small pydantic class whose fields are its config.

The runner (curation/pipeline.py) owns reading, writing, batching, progress and timing. A step only turns input
records into output records, or rejects an input with a reason. Every input record ends in exactly one of two
places, so in = out + rejected holds for every step.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, PrivateAttr

from curation.records_io import record_id
from curation.schema import Record, Reject
from curation.workspace import Workspace


class RejectRecord(Exception):
    """Raised by ``Step.process`` to reject the record at hand with a reason a curator can read."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class StepContext:
    """What a step may know about where it runs. Paths in configs resolve against ``base_dir``."""

    workspace: Workspace
    base_dir: Path  # the recipe's folder (or the current folder for CLI one-offs)
    step_dir: Path  # the temporary folder the step writes into; renamed into place when it finishes

    def resolve(self, path: str | Path) -> Path:
        candidate = Path(path).expanduser()
        return candidate if candidate.is_absolute() else (self.base_dir / candidate).resolve()


# What process_batch returns for one input record: its outputs (possibly several), or a Reject.
Outcome = Sequence[Record] | Reject


class Step(BaseModel):
    """Base of every step. Subclasses declare ``name``, ``input_type``, ``output_type`` and config fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ClassVar[str]
    description: ClassVar[str] = ""
    input_type: ClassVar[type[Record] | None]  # None for a source step (ingest)
    output_type: ClassVar[type[Record]]
    # How many input records process_batch sees at once; None = all of them (a global step such as balance).
    batch_size: ClassVar[int | None] = 512
    # True for a step that is pure per record: its batches may run in worker processes. State that its report
    # needs must travel back through take_tallies/add_tallies.
    parallel: ClassVar[bool] = False
    # A selection step (balance) names the key columns of its input (records_io.KEY_COLUMNS) it decides from:
    # the runner reads those columns first and calls select(), then streams the records, and those whose
    # verdict() is a rejection are rejected without being parsed. Memory holds the keys, never the records.
    selection_keys: ClassVar[tuple[str, ...]] = ()

    _counters: Counter[str] = PrivateAttr(default_factory=Counter)

    # -- lifecycle -------------------------------------------------------------------------------------------
    def fingerprint(self, ctx: StepContext) -> dict[str, Any]:
        """Extra content that the step's output depends on beyond its config (input files, say); hashed."""
        return {}

    def setup(self, ctx: StepContext) -> None:
        """Load references, start engines. Called once before the first batch."""

    def teardown(self) -> None:
        """Release what setup acquired. Called once, also after a failure."""

    # -- work --------------------------------------------------------------------------------------------------
    def process(self, record: Any) -> Sequence[Record]:
        """Outputs for one input record; raise RejectRecord to reject it."""
        raise NotImplementedError(f"step {self.name!r} implements neither process nor process_batch")

    def process_batch(self, batch: Sequence[Any]) -> list[Outcome]:
        """One outcome per input record, in order. Override to batch work (sampling, scoring)."""
        outcomes: list[Outcome] = []
        for record in batch:
            try:
                outputs = self.process(record)
            except RejectRecord as rejected:
                outcomes.append(reject_for(record, rejected.reason, rejected.detail))
                continue
            outcomes.append(outputs)
        return outcomes

    def input_batch_size(self) -> int | None:
        """``batch_size``, unless a config changes it (sampling with a model engine is global, say)."""
        return self.batch_size

    def runs_in_workers(self) -> bool:
        """Whether this configured step may run in worker processes (``parallel``, unless a config says no)."""
        return self.parallel

    def prepares(self) -> bool:
        """Whether the step makes a first pass over its whole input (``prepare``) before records stream through
        it; such a step heads its own pass, since its input must be complete first."""
        return False

    def prepare(self, records: Callable[[], Iterator[Any]]) -> None:
        """The first pass: ``records()`` streams the whole input, as often as the step needs (sampling with model
        engines: one policy at a time over every task, into the request cache)."""

    def select(self, columns: dict[str, list[Any]]) -> None:
        """Selection steps only: decide from the ``id`` column and the ``selection_keys`` columns of the input."""
        raise NotImplementedError(f"step {self.name!r} is not a selection step")

    def verdict(self, identifier: str) -> tuple[str, str] | None:
        """Selection steps only: (reason, detail) to reject the record with this id unread, or None to process it."""
        return None

    def generate(self, ctx: StepContext) -> Iterator[Record | Reject]:
        """Source steps: every record read, or a Reject for what could not be read (or implement units and
        convert_unit instead)."""
        raise NotImplementedError(f"step {self.name!r} is not a source step")

    def units(self, ctx: StepContext) -> Iterator[Any]:
        """Source steps: what the main process reads, for convert_unit; by default everything generate yields. A
        ``parallel`` source step yields picklable units (native records) that workers convert, and its units()
        must need no setup."""
        return self.generate(ctx)

    def convert_unit(self, unit: Any) -> Sequence[Record | Reject]:
        """Source steps: the records (or rejects) of one unit, in a worker process for a ``parallel`` step; by
        default the unit itself (an item of generate)."""
        return [unit]

    # -- bookkeeping -----------------------------------------------------------------------------------------
    def count(self, key: str, n: int = 1) -> None:
        """A custom counter, written to stats.json under "counters"."""
        # Straight to pydantic's private storage: the attribute lookup costs more than the count, once per record.
        counters: Counter[str] = self.__pydantic_private__["_counters"]  # type: ignore[index]
        counters[key] += n

    @property
    def counters(self) -> dict[str, int]:
        return dict(sorted(self._counters.items()))

    def take_tallies(self) -> dict[str, Any]:
        """In a worker, after a batch: what the step counted since the last call (then forgotten), for the main
        process's add_tallies. Steps whose report needs more than counters extend both methods."""
        tallies: dict[str, Any] = {"counters": dict(self._counters)}
        self._counters.clear()
        return tallies

    def add_tallies(self, tallies: dict[str, Any]) -> None:
        """In the main process: fold in what a worker counted (take_tallies), in input order."""
        self._counters.update(tallies["counters"])

    def report(self) -> dict[str, Any]:
        """Extra step-specific numbers for stats.json (a balance report, say)."""
        return {}

    def export(self, data_path: Path, step_dir: Path) -> None:
        """Write extra files beside data.parquet (release configs, say). Runs inside the temporary folder."""


def reject_for(record: Record, reason: str, detail: str = "") -> Reject:
    """A Reject that keeps the whole record as its raw text, so nothing is lost."""
    return Reject(record_id=record_id(record), reason=reason, detail=detail, raw=record.model_dump_json())


def settle(step: Step, record: Record, outcome: Outcome) -> Outcome:
    """The outcome as the runner keeps it: outputs of the declared type, or a Reject. Never an empty drop."""
    if isinstance(outcome, Reject):
        return outcome
    if not outcome:  # a step that yields nothing for a record must say why
        return reject_for(record, f"{step.name} produced no output")
    for output in outcome:
        if not isinstance(output, step.output_type):
            raise TypeError(f"step {step.name!r} produced {type(output).__name__}, not {step.output_type.__name__}")
    return outcome
