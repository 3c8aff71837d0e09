"""`ingest`: read every configured source with its adapter and emit normalized trajectories."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from curation.registry import sources, steps
from curation.schema import Reject, Trajectory
from curation.sources.base import RawRecord, SourceAdapter, data_files
from curation.steps.base import Step, StepContext


class SourceInput(BaseModel):
    """One source to read: local paths (files or folders), or a Hub dataset id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(description="registered source name (toolpref steps lists them)")
    paths: list[str] = Field(default_factory=list, description="files or folders, relative to the recipe")
    hub: str | None = Field(default=None, description="a Hugging Face dataset id, read with datasets.load_dataset")
    split: str = Field(default="train", description="the Hub split to read")
    limit: int | None = Field(default=None, ge=1, description="read at most this many items of this source")

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        sources.get(value)  # raises with the list of known names
        return value


def adapter_for(name: str) -> SourceAdapter:
    return sources.get(name)()


@steps.register("ingest")
class Ingest(Step):
    """Read sources (local JSON, JSON Lines or parquet, or a Hub id) into Trajectory records."""

    name = "ingest"
    description = "source adapter -> Trajectory; unreadable records become rejects with a reason"
    input_type = None
    output_type = Trajectory

    # Native records are read here and converted in worker processes (units / convert_unit).
    parallel: ClassVar[bool] = True

    sources: list[SourceInput] = Field(min_length=1, description="the sources to read, in order")

    def fingerprint(self, ctx: StepContext) -> dict[str, Any]:
        """Content hashes of the input files, so that changed data reruns the step."""
        digests: dict[str, str] = {}
        for entry in self.sources:
            for path in entry.paths:
                if not ctx.resolve(path).exists():
                    # Planning (and --dry-run) must work before the data is downloaded; reading fails loudly.
                    digests[f"{entry.source}:{path}:missing"] = "missing"
                    continue
                for file in data_files(ctx.resolve(path)):
                    digests[f"{entry.source}:{file.name}:{len(digests)}"] = _file_sha256(file)
        return digests

    def units(self, ctx: StepContext) -> Iterator[tuple[int, RawRecord | Trajectory | Reject]]:
        """(source position, native record not yet converted, or an item already read) for convert_unit."""
        for position, entry in enumerate(self.sources):
            adapter = adapter_for(entry.source)
            items: Iterator[Any]
            if entry.hub:
                items = adapter.read_hub(entry.hub, entry.split)
            elif entry.limit is not None:  # a limit counts converted items: convert here, in order
                items = (item for path in entry.paths for item in adapter.read(ctx.resolve(path)))
            else:
                items = (unit for path in entry.paths for unit in adapter.read_units(ctx.resolve(path)))
            for item in islice(items, entry.limit):
                yield position, item

    def convert_unit(self, unit: tuple[int, RawRecord | Trajectory | Reject]) -> list[Trajectory | Reject]:
        position, item = unit
        entry = self.sources[position]
        prefix = f"{entry.source}:"
        converted = []
        for output in adapter_for(entry.source).convert_unit(item):
            # Per-source counts for the run summary.
            self.count(f"{entry.source}/{'rejected' if isinstance(output, Reject) else 'trajectories'}")
            # Name the source on every reject too, as trajectory ids do, so a reject can be traced to it.
            if isinstance(output, Reject) and not output.record_id.startswith(prefix):
                output = output.model_copy(update={"record_id": prefix + output.record_id})
            converted.append(output)
        return converted


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
