"""Review pairs in Argilla (v2): the dataset layout, pair -> record, and answer -> review verdict.

This module is pure (no Argilla import); curation/argilla_sync.py talks to the server with the SDK.

The dataset, one record per pair (record id = pair id):

- fields: ``context`` (the conversation before the judged turn, as text), ``tools`` (the tools as JSON text),
  ``response_1`` and ``response_2`` (the two turns, rendered the same way as a reward model sees them, so that
  formatting never tells the sides apart). Which of chosen / rejected is Response 1 is a seeded hash of the pair
  id, so reviewers cannot learn "the first one is the good one"; it is kept in the hidden metadata ``response_1_side``
  (``chosen`` or ``rejected``), which pull reads back.
- questions: ``preference`` (a LabelQuestion, required) and ``note`` (a TextQuestion, optional).
- suggestion: the rule's answer, the response with the higher similarity, scored by the similarity margin.
- metadata: ``source``, ``error_type``, ``kind`` (terms), ``intensity_bin``, ``complexity`` (integers).

How an answer becomes a review verdict (curation/review.py), "chosen" meaning the pair's chosen side in its run:

    =============================  ==========  ===============================================
    answer                          verdict     why
    =============================  ==========  ===============================================
    the chosen side is better       accept      the pair is right
    the rejected side is better     swap        the pair is the wrong way round
    tie (equally good)              reject      no preference to learn from
    both are wrong                  reject      the chosen side is no example to follow
    unsure                          flag        kept, and listed for a second look
    =============================  ==========  ===============================================

Pairs are always pushed the way round their run has them: a release pair that a review swapped is swapped
back first, so that a verdict pulled from Argilla means the same thing for a run and for any release of it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

from curation.render import candidate_message, message_text, tool_json, transcript
from curation.review import Verdict
from curation.schema import Pair
from curation.workspace import Workspace

FIELD_CONTEXT = "context"
FIELD_TOOLS = "tools"
FIELD_RESPONSE_1 = "response_1"
FIELD_RESPONSE_2 = "response_2"
QUESTION_PREFERENCE = "preference"
QUESTION_NOTE = "note"
ORDER_METADATA = "response_1_side"  # hidden metadata: which side of the pair Response 1 shows
TERMS_METADATA = ("source", "error_type", "kind")
NO_ERROR_TYPE = "none"  # the error_type metadata of a pair whose rejected side has none
SUGGESTION_AGENT = "toolpref:similarity-rule"
# Part of every pair's order hash. Never change it: responses already given would then point at the wrong side.
ORDER_SEED = "toolpref-argilla-order-v1"

Side = Literal["chosen", "rejected"]
SIDES: tuple[Side, ...] = ("chosen", "rejected")

GUIDELINES = """\
Each record is one turn of a tool-using assistant. Read the conversation so far (Context) and the tools it may
call (Tools), then compare Response 1 and Response 2: the function called, every argument and its value, the
number of calls, and whether a call was needed at all.

Pick the better response. Pick "tie" when both are equally right, "both wrong" when neither is a turn to learn
from, and "unsure" when you cannot tell (the pair is kept and listed for a second look). The suggestion comes
from an automatic similarity rule against a reference answer: check it, do not trust it. Use the note to say
what is wrong.
"""


class ArgillaError(RuntimeError):
    """Argilla cannot be used for this (unreachable, refused, or a dataset of another layout); says what to do."""


class Preference(StrEnum):
    """The labels of the preference question."""

    first = "1"
    second = "2"
    tie = "tie"
    both_bad = "both_bad"
    unsure = "unsure"


PREFERENCE_LABELS: dict[str, str] = {
    Preference.first: "Response 1 is better",
    Preference.second: "Response 2 is better",
    Preference.tie: "Tie: equally good",
    Preference.both_bad: "Both are wrong",
    Preference.unsure: "Unsure: needs a second look",
}


@dataclass(frozen=True)
class PairRecord:
    """What one pair becomes in Argilla, before any SDK object is made."""

    id: str
    fields: dict[str, str]
    metadata: dict[str, str | int]
    suggestion: Preference
    suggestion_score: float


@dataclass(frozen=True)
class Answer:
    """One submitted Argilla response, as pull reads it."""

    pair_id: str
    reviewer: str  # the Argilla username
    preference: str | None
    note: str
    response_1: str | None  # the record's ORDER_METADATA


# -- pair -> record -----------------------------------------------------------------------------------------------


def first_side(pair_id: str) -> Side:
    """Which side of the pair Response 1 shows: a seeded hash of the pair id, the same on every push."""
    digest = hashlib.sha256(f"{ORDER_SEED}\x00{pair_id}".encode()).digest()
    return "chosen" if digest[0] & 1 else "rejected"


def response_text(pair: Pair, side: Side) -> str:
    """A side's turn as text, rendered from its parsed calls (raw text only when it did not parse)."""
    candidate = pair.chosen if side == "chosen" else pair.rejected
    return message_text(candidate_message(candidate)) or "(empty response)"


def record_for_pair(pair: Pair) -> PairRecord:
    """The Argilla record of a pair (pushed the way round its run has it; see ``run_oriented``)."""
    first = first_side(pair.pair_id)
    second: Side = "rejected" if first == "chosen" else "chosen"
    margin = pair.chosen_score.similarity - pair.rejected_score.similarity
    if margin > 0:
        suggestion = Preference.first if first == "chosen" else Preference.second
    elif margin < 0:
        suggestion = Preference.second if first == "chosen" else Preference.first
    else:
        suggestion = Preference.tie
    tools = json.dumps([tool_json(tool) for tool in pair.task.tools], ensure_ascii=False, indent=2)
    return PairRecord(
        id=pair.pair_id,
        fields={
            FIELD_CONTEXT: transcript(pair.task.history) or "(no earlier turns)",
            FIELD_TOOLS: tools,
            FIELD_RESPONSE_1: response_text(pair, first),
            FIELD_RESPONSE_2: response_text(pair, second),
        },
        metadata={
            "source": pair.source,
            "error_type": pair.error_type.value if pair.error_type else NO_ERROR_TYPE,
            "kind": pair.kind.value,
            "intensity_bin": pair.intensity_bin,
            "complexity": pair.complexity,
            ORDER_METADATA: first,
        },
        suggestion=suggestion,
        suggestion_score=round(abs(margin), 6),
    )


# -- answer -> verdict --------------------------------------------------------------------------------------------


def verdict_for(preference: str, response_1: str) -> Verdict:
    """The review verdict of a preference label, given which side Response 1 showed (see the module table)."""
    try:
        label = Preference(preference)
    except ValueError:
        raise ValueError(
            f"unknown preference {preference!r}; expected one of: {', '.join(p.value for p in Preference)}"
        ) from None
    if response_1 not in SIDES:
        raise ValueError(f"metadata {ORDER_METADATA}={response_1!r}; expected one of: {', '.join(SIDES)}")
    if label in (Preference.first, Preference.second):
        better = response_1 if label == Preference.first else ("rejected" if response_1 == "chosen" else "chosen")
        return Verdict.accept if better == "chosen" else Verdict.swap
    if label == Preference.unsure:
        return Verdict.flag
    return Verdict.reject


def decision_note(preference: str, note: str) -> str:
    """The review note: the reviewer's own, led by the answer when the verdict alone does not say it."""
    note = note.strip()
    if preference in (Preference.tie, Preference.both_bad, Preference.unsure):
        lead = f"[argilla: {PREFERENCE_LABELS[preference].lower()}]"
        return f"{lead} {note}" if note else lead
    return note


@dataclass(frozen=True)
class Unusable:
    pair_id: str
    reviewer: str
    reason: str


@dataclass(frozen=True)
class PullPlan:
    """What a pull writes: new decisions in order, answers already in the store, and answers it cannot use."""

    decisions: list[tuple[str, Verdict, str, str]]  # (pair_id, verdict, note, reviewer), as record_many takes them
    unchanged: int
    unusable: list[Unusable]
    disagreements: dict[str, dict[str, str]]  # pair id -> reviewer -> verdict, where reviewers differ


def plan_pull(answers: list[Answer], last_by_reviewer: dict[tuple[str, str], tuple[str, str]]) -> PullPlan:
    """Decisions for the answers, skipping any whose reviewer's latest decision on the pair is already the same.

    ``last_by_reviewer`` maps (pair id, reviewer) to the (verdict, note) of that reviewer's latest decision in the
    store. Answers are taken by pair id, then reviewer, so several reviewers of one pair are recorded in a stable
    order (the last one recorded counts for a release; disagreements are reported so a curator can settle them).
    """
    decisions: list[tuple[str, Verdict, str, str]] = []
    unusable: list[Unusable] = []
    unchanged = 0
    verdicts: dict[str, dict[str, str]] = {}
    for answer in sorted(answers, key=lambda a: (a.pair_id, a.reviewer)):
        if not answer.reviewer:
            unusable.append(Unusable(answer.pair_id, answer.reviewer, "the response has no known Argilla user"))
            continue
        if answer.preference is None:
            unusable.append(Unusable(answer.pair_id, answer.reviewer, f"no answer to {QUESTION_PREFERENCE!r}"))
            continue
        try:
            verdict = verdict_for(answer.preference, answer.response_1 or "")
        except ValueError as error:
            unusable.append(Unusable(answer.pair_id, answer.reviewer, str(error)))
            continue
        note = decision_note(answer.preference, answer.note)
        verdicts.setdefault(answer.pair_id, {})[answer.reviewer] = verdict.value
        if last_by_reviewer.get((answer.pair_id, answer.reviewer)) == (verdict.value, note):
            unchanged += 1
            continue
        decisions.append((answer.pair_id, verdict, note, answer.reviewer))
    disagreements = {pair: by_user for pair, by_user in verdicts.items() if len(set(by_user.values())) > 1}
    return PullPlan(decisions=decisions, unchanged=unchanged, unusable=unusable, disagreements=disagreements)


# -- reading pairs ------------------------------------------------------------------------------------------------


def is_release_ref(ref: str) -> bool:
    """``NAME@VERSION`` or a release folder (one with a manifest); anything else names a run."""
    return "@" in ref or (Path(ref) / "manifest.json").is_file()


def run_oriented(pair: Pair) -> Pair:
    """A release's pair the way round its run has it: a pair a review swapped is swapped back."""
    from curation.release import swap_pair

    return swap_pair(pair) if pair.task.meta.get("review") == Verdict.swap.value else pair


def read_pairs(workspace: Workspace, ref: str) -> tuple[str, Iterator[Pair]]:
    """The pairs of a run (recipe name or run folder: its `balance` output) or of a release (NAME@VERSION or
    folder: the records of its `pairs` config), with a description of where they come from."""
    from curation.release import PAIRS_CONFIG, ReleaseError, resolve_release, resolve_run

    try:
        if is_release_ref(ref):
            release = resolve_release(workspace, ref)
            files = sorted((release.path / PAIRS_CONFIG).glob("*.parquet"))
            if not files:
                raise ArgillaError(f"release {release.ref} has no {PAIRS_CONFIG} config at {release.path}")
            return f"release {release.ref}", _release_pairs(files)
        info = resolve_run(workspace, ref)
        try:
            balance = info.step("balance")
        except KeyError:
            raise ArgillaError(f"run {info.recipe!r} has no balance step: push a run that made pairs") from None
    except ReleaseError as error:
        raise ArgillaError(str(error)) from None
    from curation.records_io import read_records

    return f"run {info.recipe}", read_records(balance.data, Pair)


def _release_pairs(files: list[Path]) -> Iterator[Pair]:
    import pyarrow.parquet as pq

    for path in files:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=1024, columns=["record"]):
            for text in batch.column(0).to_pylist():
                yield run_oriented(Pair.model_validate_json(text))
