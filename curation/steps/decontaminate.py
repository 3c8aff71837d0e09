"""`decontaminate`: drop tasks whose user request is an evaluation task (BFCL, TRBench), before any sampling.

A task is contaminated when one of its user messages matches a reference user message:
- exactly, after normalization (NFKC, case folded, punctuation dropped, whitespace collapsed), or
- by word n-gram containment: at least ``overlap_threshold`` of the reference message's n-grams occur in the
  task's message (a reference embedded in a longer request, or with a word changed, still counts).
Messages shorter than ``min_words`` words ("yes", "thank you") never match: they are in every dataset.

References: BFCL folders read with the `bfcl` loader (by default the data that the installed `bfcl-eval` package
ships), or files of chat messages (TRBench rows, say). Tasks of an evaluation-only source (BFCL) are dropped
whatever they say. Every match is a reject naming the reference record, and the report lists them.
"""

from __future__ import annotations

import importlib.util
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from curation.registry import steps
from curation.schema import Record, Reject, Task
from curation.sources.base import data_files, read_raw
from curation.steps.base import RejectRecord, Step, StepContext
from curation.steps.ingest import _file_sha256

_NON_WORD = re.compile(r"[\W_]+", flags=re.UNICODE)


def normalize_text(text: str) -> list[str]:
    """The words of a text for matching: NFKC, case folded, anything but letters and digits as a separator."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).split()


def installed_bfcl_data() -> Path | None:
    """The ``bfcl_eval/data`` folder of the installed `bfcl-eval` package, found without importing it."""
    spec = importlib.util.find_spec("bfcl_eval")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location) / "data"
        if folder.is_dir():
            return folder
    return None


class ReferenceInput(BaseModel):
    """One set of evaluation tasks to keep out of the training data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["bfcl", "messages"] = Field(
        default="bfcl",
        description="bfcl: BFCL data folders or files; messages: JSON/JSONL/parquet rows with a 'messages' or "
        "'prompt' list of {role, content}, or a 'question' (a string or BFCL's list of turns)",
    )
    name: str = Field(default="", description="label in rejects and the report (default: the kind)")
    paths: list[str] = Field(default_factory=list, description="files or folders, relative to the recipe")
    installed: bool = Field(default=False, description="bfcl only: also read the installed bfcl-eval package's data")

    @model_validator(mode="after")
    def _has_input(self) -> ReferenceInput:
        if not self.paths and not self.installed:
            raise ValueError("a reference needs paths, or installed: true (bfcl)")
        if self.installed and self.kind != "bfcl":
            raise ValueError("installed: true only applies to kind bfcl")
        return self

    @property
    def label(self) -> str:
        return self.name or self.kind


@dataclass(frozen=True)
class ReferenceMessage:
    reference: str  # the ReferenceInput label
    record_id: str
    category: str
    words: int


@dataclass(frozen=True)
class Match:
    reference: ReferenceMessage
    method: Literal["exact", "ngram"]
    overlap: float


def _default_references() -> list[ReferenceInput]:
    return [ReferenceInput(kind="bfcl", installed=True)]


@steps.register("decontaminate")
class Decontaminate(Step):
    """Drop tasks whose user request matches a BFCL or TRBench task, and tasks of evaluation-only sources."""

    name = "decontaminate"
    description = "Task -> Task: drop tasks matching an evaluation reference (text hash + n-gram overlap)"
    input_type = Task
    output_type = Task
    parallel: ClassVar[bool] = True  # each worker loads the references; matches come back through the tallies

    references: list[ReferenceInput] = Field(
        default_factory=_default_references,
        description="evaluation sets to match against (default: the installed bfcl-eval package's data)",
    )
    ngram_size: int = Field(default=8, ge=2, description="words per n-gram for the overlap test")
    overlap_threshold: float = Field(
        default=0.5, gt=0.0, le=1.0, description="fraction of a reference message's n-grams that makes a match"
    )
    min_words: int = Field(default=4, ge=1, description="messages with fewer words are never matched")
    evaluation_only_sources: list[str] = Field(
        default_factory=lambda: ["bfcl"], description="sources whose tasks never enter training data"
    )
    report_limit: int = Field(default=1000, ge=0, description="matches listed one by one in stats.json")

    _exact: dict[str, ReferenceMessage] = PrivateAttr(default_factory=dict)
    _ngrams: dict[str, list[int]] = PrivateAttr(default_factory=dict)  # n-gram -> indices into _messages
    _messages: list[tuple[ReferenceMessage, int]] = PrivateAttr(default_factory=list)  # (message, n-gram count)
    _seen: dict[str, Match | None] = PrivateAttr(default_factory=dict)  # normalized user text -> result
    _reference_stats: dict[str, Counter[str]] = PrivateAttr(default_factory=dict)
    _matches: list[dict[str, Any]] = PrivateAttr(default_factory=list)
    _match_counts: Counter[str] = PrivateAttr(default_factory=Counter)

    # -- references --------------------------------------------------------------------------------------------
    def _paths(self, reference: ReferenceInput, ctx: StepContext, *, strict: bool = True) -> list[Path]:
        paths = [ctx.resolve(path) for path in reference.paths]
        if reference.installed:
            installed = installed_bfcl_data()
            if installed is not None:
                paths.append(installed)
            elif strict:
                raise RuntimeError(
                    "decontaminate: the default reference is the data of the bfcl-eval package, which is not "
                    "installed. Run `pip install --no-deps bfcl-eval` (only its data is read), or give "
                    "`references: [{kind: bfcl, paths: [...]}]` in the recipe"
                )
        return paths

    def fingerprint(self, ctx: StepContext) -> dict[str, Any]:
        """The reference files' content, so that a changed reference reruns the step. Planning never fails here
        (a dry run must work on a machine without the data); `setup` names what is missing."""
        digests: dict[str, str] = {}
        for reference in self.references:
            if reference.installed and installed_bfcl_data() is None:
                digests[f"{reference.label}:installed"] = "missing"
            for number, path in enumerate(self._paths(reference, ctx, strict=False)):
                if not path.exists():
                    digests[f"{reference.label}:{number}"] = "missing"
                    continue
                for file in data_files(path):
                    name = file.relative_to(path).as_posix() if path.is_dir() else file.name
                    digests[f"{reference.label}:{number}:{name}"] = _file_sha256(file)
        return digests

    def setup(self, ctx: StepContext) -> None:
        for reference in self.references:
            for path in self._paths(reference, ctx):
                texts = _bfcl_texts(path) if reference.kind == "bfcl" else _message_texts(path)
                for item in texts:
                    if isinstance(item, Reject):
                        self._stat(reference.label, "unreadable")
                        continue
                    record_id, category, text = item
                    self._add(ReferenceMessage(reference.label, record_id, category, 0), text)
                    self._stat(reference.label, "messages")

    def _stat(self, label: str, key: str) -> None:
        self._reference_stats.setdefault(label, Counter())[key] += 1

    def _add(self, message: ReferenceMessage, text: str) -> None:
        words = normalize_text(text)
        if len(words) < self.min_words:
            self._stat(message.reference, "too short")
            return
        message = ReferenceMessage(message.reference, message.record_id, message.category, len(words))
        self._exact.setdefault(" ".join(words), message)
        grams = set(_ngrams(words, self.ngram_size))
        if grams:
            index = len(self._messages)
            self._messages.append((message, len(grams)))
            for gram in grams:
                self._ngrams.setdefault(gram, []).append(index)

    # -- work --------------------------------------------------------------------------------------------------
    def process(self, record: Task) -> Sequence[Record]:
        if record.source in self.evaluation_only_sources:
            raise RejectRecord(f"{record.source.upper()} is evaluation-only", f"source {record.source!r}")
        for message in record.history:
            if message.role != "user":
                continue
            match = self._match(message.content)
            if match is not None:
                self._record(record, match)
                ref = match.reference
                how = "same text" if match.method == "exact" else f"{self.ngram_size}-gram overlap {match.overlap:.2f}"
                raise RejectRecord(
                    f"contaminated: {match.method} match with {ref.reference}",
                    f"{how} with {ref.reference} {ref.record_id} ({ref.category})",
                )
        return [record]

    def _match(self, text: str) -> Match | None:
        words = normalize_text(text)
        if len(words) < self.min_words:
            return None
        key = " ".join(words)
        if key in self._seen:
            return self._seen[key]
        result: Match | None = None
        exact = self._exact.get(key)
        if exact is not None:
            result = Match(exact, "exact", 1.0)
        else:
            hits: Counter[int] = Counter()
            for gram in set(_ngrams(words, self.ngram_size)):
                hits.update(self._ngrams.get(gram, ()))
            best: tuple[float, int] | None = None
            for index, count in hits.items():
                overlap = count / self._messages[index][1]
                if overlap >= self.overlap_threshold and (best is None or overlap > best[0]):
                    best = (overlap, index)
            if best is not None:
                result = Match(self._messages[best[1]][0], "ngram", round(best[0], 4))
        if len(self._seen) < 200_000:  # steps of one trajectory repeat its user messages; bound the memo
            self._seen[key] = result
        return result

    def _record(self, task: Task, match: Match) -> None:
        self._match_counts[f"{match.reference.reference}/{match.method}"] += 1
        self._match_counts[f"{match.reference.reference}/category/{match.reference.category}"] += 1
        if len(self._matches) < self.report_limit:
            self._matches.append(
                {
                    "task_id": task.id,
                    "source": task.source,
                    "reference": match.reference.reference,
                    "reference_id": match.reference.record_id,
                    "category": match.reference.category,
                    "method": match.method,
                    "overlap": match.overlap,
                }
            )

    def take_tallies(self) -> dict[str, Any]:
        tallies = super().take_tallies()
        tallies["matches"], tallies["match_counts"] = self._matches, dict(self._match_counts)
        self._matches, self._match_counts = [], Counter()
        return tallies

    def add_tallies(self, tallies: dict[str, Any]) -> None:
        super().add_tallies(tallies)
        self._match_counts.update(tallies["match_counts"])
        self._matches.extend(tallies["matches"][: max(0, self.report_limit - len(self._matches))])

    def report(self) -> dict[str, Any]:
        return {
            "references": {
                label: dict(sorted(stats.items())) for label, stats in sorted(self._reference_stats.items())
            },
            "reference_messages_indexed": len(self._exact),
            "ngram_size": self.ngram_size,
            "overlap_threshold": self.overlap_threshold,
            "matches": sum(v for k, v in self._match_counts.items() if "/category/" not in k),
            "match_counts": dict(sorted(self._match_counts.items())),
            "listed": self._matches,
        }


def _ngrams(words: Sequence[str], size: int) -> Iterator[str]:
    for start in range(len(words) - size + 1):
        yield " ".join(words[start : start + size])


def _bfcl_texts(path: Path) -> Iterator[tuple[str, str, str] | Reject]:
    """(record id, category, user text) for every user message of every BFCL record under ``path``."""
    from curation.sources.bfcl import load_bfcl

    for record in load_bfcl(path):
        if isinstance(record, Reject):
            # The loader rejects what it cannot use for training or checking (no possible answer, a bad call
            # string), but the question may still be readable, and a question is all decontamination needs.
            texts = _questions_in_raw(record.raw)
            if not texts:
                yield record
            for text in texts:
                yield record.record_id.removeprefix("bfcl:"), "", text
            continue
        for turn in record.turns:
            for message in turn:
                if message.role == "user" and message.content.strip():
                    yield f"{record.version}/{record.id}", record.category, message.content


def _questions_in_raw(raw: str) -> list[str]:
    """User texts of a rejected BFCL question line (the first line of a reject's raw text)."""
    first = raw.split("\n", 1)[0]
    try:
        value = json.loads(first)
    except ValueError:
        return []
    return _user_texts(value) or []


def _message_texts(path: Path) -> Iterator[tuple[str, str, str] | Reject]:
    """(row id, "", user text) for rows holding chat messages or a question."""
    for file in data_files(path):
        for raw in read_raw(file):
            if isinstance(raw, Reject):
                yield raw
                continue
            texts = _user_texts(raw.value)
            if texts is None:
                yield Reject(record_id=raw.key, reason="no messages", detail="expected messages, prompt or question")
                continue
            row_id = raw.value.get("id") if isinstance(raw.value, dict) else None
            for text in texts:
                yield str(row_id or raw.key), str(raw.value.get("category", "")), text


def _user_texts(value: Any) -> list[str] | None:
    if not isinstance(value, dict):
        return None
    for key in ("messages", "prompt", "question"):
        field = value.get(key)
        if isinstance(field, str):
            return [field]
        if isinstance(field, list):
            # BFCL nests turns: [[{role, content}, ...], ...]; flat message lists have one level less.
            flat = [m for item in field for m in (item if isinstance(item, list) else [item])]
            return [m["content"] for m in flat if isinstance(m, dict) and m.get("role") == "user" and m.get("content")]
    return None
