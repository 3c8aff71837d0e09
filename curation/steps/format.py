"""`format`: pairs -> the release configs, and the public API to re-format pairs after review.

Configs (``RELEASE_CONFIGS``), each written as ``configs/<config>/<split>.parquet`` (splits train, validation):

- ``pairs``: one row per pair with flat provenance columns (source, kind, complexity, intensity, bin, error type,
  origins, scores), tools / history / both turns as JSON text, and the whole Pair as JSON (``record``).
- ``genrm_think`` / ``genrm_no_think``: verl rows (data_source, prompt, ability, reward_model, extra_info) with
  the critique prompt of curation/genrm.py; a seeded ``swap_fraction`` of the pairs show the chosen turn second,
  so their label is "2". A pair is swapped in both variants or in neither.
- ``disc``: OpenRLHF reward-model rows: ``chosen`` / ``rejected`` full conversations, tools in the system
  message, ``margin`` = intensity (`train_rm --chosen_key chosen --rejected_key rejected --apply_chat_template`).
- ``trl``: TRL's conversational preference format (prompt, chosen, rejected, tools).

Every row carries the pair id (a column; ``extra_info.pair_id`` in verl rows).

API used by the release (curation/release.py)::

    rows = format_pairs(pairs, FormatOptions(seed=0))
    counts = write_configs(rows, out_dir)      # {"pairs": {"train": 29500, "validation": 500}, ...}
    pair = pair_from_pairs_row(row)            # a row of the `pairs` config back to its Pair
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from curation.config_files import SPLITS as SPLITS
from curation.config_files import export_configs
from curation.config_files import write_configs as write_configs
from curation.config_rows import (
    PairView,
    TaskParts,
    ToolTexts,
    Turn,
    disc_row,
    genrm_row,
    pair_view,
    pairs_row,
    task_parts,
    trl_row,
    turn,
)

# write_configs and SPLITS are part of this module's API (see the docstring); they live with the file writer.
from curation.memo import BoundedMemo
from curation.registry import steps
from curation.schema import Candidate, FormattedRow, Pair, Record
from curation.steps.base import RejectRecord, Step

ConfigName = Literal["pairs", "genrm_think", "genrm_no_think", "disc", "trl"]
RELEASE_CONFIGS: tuple[ConfigName, ...] = get_args(ConfigName)


class FormatOptions(BaseModel):
    """How pairs become release rows. Also the config of the `format` step."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(default=0, description="seeds which pairs are swapped in the GenRM configs")
    swap_fraction: float = Field(
        default=0.5, ge=0.0, le=1.0, description="share of GenRM rows whose chosen turn is Response 2"
    )
    configs: list[ConfigName] = Field(
        default_factory=lambda: list(RELEASE_CONFIGS), description="the release configs to write"
    )
    data_source: str = Field(default="toolpref", description="the verl data_source of the GenRM rows")
    ability: str = Field(default="tool_use_judgement", description="the verl ability of the GenRM rows")

    @field_validator("configs")
    @classmethod
    def _distinct(cls, value: list[ConfigName]) -> list[ConfigName]:
        if not value:
            raise ValueError(f"configs is empty; choose from {', '.join(RELEASE_CONFIGS)}")
        if len(set(value)) != len(value):
            raise ValueError(f"configs lists a config twice: {value}")
        return value

    def swapped(self, pair_id: str) -> bool:
        """Whether the GenRM rows of this pair show the chosen turn second: a seeded hash, the same every run."""
        digest = hashlib.sha256(f"{self.seed}\x00swap\x00{pair_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < self.swap_fraction


class RowFormatter:
    """Turns pairs into rows one at a time: a pure function of each pair (the GenRM index is set when written).

    What a task's rows share (tools, history, prompt parts) is rendered once per task, each candidate's turn once
    however many pairs it is in (the pairs of one task arrive together, so a small cache of recent tasks
    suffices), and each distinct tool once per process (a source's tasks share few tools).
    """

    _CACHED_TASKS = 64

    def __init__(self, options: FormatOptions) -> None:
        self.options = options
        self._parts: BoundedMemo[str, TaskParts] = BoundedMemo(self._CACHED_TASKS)
        # Keyed by candidate id and text: an id names one candidate of one task, the text guards against a
        # candidate edited after the fact (a reviewer's copy, say) under the same id.
        self._turns: BoundedMemo[tuple[str, str], Turn] = BoundedMemo(self._CACHED_TASKS * 16)
        self._tool_texts = ToolTexts()

    def rows(self, pair: Pair, swapped: bool | None = None) -> list[FormattedRow]:
        """The rows of ``pair``; ``swapped`` is ``options.swapped(pair.pair_id)`` when the caller has it already."""
        view = pair_view(pair, self._task_parts(pair), self._turn)
        if swapped is None:
            swapped = self.options.swapped(pair.pair_id)
        return [
            FormattedRow(pair_id=pair.pair_id, config=config, split=pair.split, row=self._row(config, view, swapped))
            for config in self.options.configs
        ]

    def _task_parts(self, pair: Pair) -> TaskParts:
        return self._parts.get_or_make(pair.task.id, lambda: task_parts(pair.task, self._tool_texts))

    def _turn(self, candidate: Candidate) -> Turn:
        return self._turns.get_or_make((candidate.id, candidate.text), lambda: turn(candidate))

    def _row(self, config: ConfigName, view: PairView, swapped: bool) -> dict[str, Any]:
        if config == "pairs":
            return pairs_row(view)
        if config == "disc":
            return disc_row(view)
        if config == "trl":
            return trl_row(view)
        variant: Literal["think", "no_think"] = "think" if config == "genrm_think" else "no_think"
        return genrm_row(
            view,
            variant,
            swapped=swapped,
            data_source=self.options.data_source,
            ability=self.options.ability,
        )


def format_pairs(pairs: Iterable[Pair], options: FormatOptions) -> Iterator[FormattedRow]:
    """Rows of every configured config for every pair, in input order (streams)."""
    formatter = RowFormatter(options)
    for pair in pairs:
        yield from formatter.rows(pair)


def pair_from_pairs_row(row: dict[str, Any]) -> Pair:
    """The Pair that a row of the `pairs` config was made from (its ``record`` column)."""
    return Pair.model_validate_json(row["record"])


@steps.register("format")
class Format(FormatOptions, Step):
    """Pair -> FormattedRow, one row per configured release config; export writes configs/<config>/<split>.parquet."""

    name: ClassVar[str] = "format"
    description: ClassVar[str] = "Pair -> FormattedRow: pairs, genrm_think, genrm_no_think, disc, trl configs"
    input_type: ClassVar[type[Record] | None] = Pair
    output_type: ClassVar[type[Record]] = FormattedRow

    parallel: ClassVar[bool] = True  # pure per record (rows are numbered when written): batches may run in workers

    _formatter: RowFormatter | None = PrivateAttr(default=None)
    _written: dict[str, dict[str, int]] = PrivateAttr(default_factory=dict)

    def process(self, record: Pair) -> Sequence[Record]:
        if record.split is None:
            raise RejectRecord("no split", "pairs get their split from `balance`; format its output")
        if self._formatter is None:
            self._formatter = RowFormatter(self)
        swapped = self.swapped(record.pair_id)
        if swapped and any(c.startswith("genrm") for c in self.configs):
            self.count("genrm swapped")
        return self._formatter.rows(record, swapped)

    def export(self, data_path: Path, step_dir: Path) -> None:
        self._written = export_configs(data_path, step_dir / "configs")

    def report(self) -> dict[str, Any]:
        return {"configs": self._written}
