"""BFCL (Berkeley Function Calling Leaderboard) v3 and v4: the public loader and the `bfcl` source adapter.

The loader (``load_bfcl``) is shared by the scoring CLI (`toolpref check --bfcl DIR`), decontamination and the
TRBench build: it joins every question line with its possible answer by id and resolves the tools of multi-turn
records from ``multi_turn_func_doc/`` by ``involved_classes``. Anything that does not have BFCL's shape becomes a
Reject with a reason; the loader never raises on bad data (only on a missing folder).

How the adapter turns a record into a trajectory (decisions marked as ours are documented here once):
- AST categories: the question's system/user messages, then one assistant turn calling the first acceptable value
  of every parameter (``ground_truth_calls``); the full possible answer stays in ``meta["possible_answer"]``.
- irrelevance / live_irrelevance: the question, then an assistant turn with no call and ``NO_CALL_TEXT``
  (BFCL's right answer is "no call"; it gives no reference text).
- multi-turn: per question turn its messages, then one assistant turn with that turn's parsed calls (BFCL runs
  them as sequential steps; it has no tool results, so none are invented: ``meta["tool_results_missing"]``).
  An empty answer turn is a no-call turn. An empty question turn that reveals held-back functions
  (miss_func) gets BFCL's own prompt for it, ``ADDITIONAL_FUNCTION_PROMPT``. Held-back tools are in
  ``tools`` (later turns call them); ``meta["held_back_tools"]`` maps each to the message index from which it
  is available, so a task before that index must not offer it.
- [ours] live_relevance (no reference call: any relevant call is right) and memory / web_search (the ground
  truth is a final answer string reached through several tool calls) are rejected with that reason: they have
  no call to learn from or check against. ``load_bfcl`` still yields them for decontamination.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from curation.registry import sources
from curation.schema import Message, Reject, ToolCall, ToolSpec, Trajectory, canonical_json
from curation.sources.base import RAW_LIMIT, RawRecord, SourceAdapter, SourceError
from curation.sources.bfcl_files import (
    ANSWER_STRING_CATEGORIES,
    AST_CATEGORIES,
    DEFAULT_MEMORY_BACKEND,
    MULTI_TURN_CATEGORIES,
    Answers,
    FuncDocs,
    Line,
    QuestionFile,
    answer_path,
    category_from_stem,
    question_files,
    read_json_lines,
)
from curation.sources.bfcl_records import (
    BfclRecord,
    ToolResolver,
    build_record,
    ground_truth_calls,
    parse_call_string,
)
from curation.sources.convert import trajectory

__all__ = [
    "ADDITIONAL_FUNCTION_PROMPT",
    "NO_CALL_TEXT",
    "BfclAdapter",
    "BfclRecord",
    "ground_truth_calls",
    "load_bfcl",
    "parse_call_string",
    "to_trajectory",
]

LICENSE = "Apache-2.0"
NO_CALL_TEXT = "(no function call)"
# BFCL's DEFAULT_USER_PROMPT_FOR_ADDITIONAL_FUNCTION_FC, sent at a miss_func turn that reveals held-back functions.
ADDITIONAL_FUNCTION_PROMPT = "I have updated some more functions you can choose from. What about now?"
_MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError)


def load_bfcl(root: Path, memory_backend: str = DEFAULT_MEMORY_BACKEND) -> Iterator[BfclRecord | Reject]:
    """Every record under ``root``: a folder laid out like bfcl_eval/data (or our v4/), a parent of v3/ and v4/,
    or one question file. Question lines are joined with possible_answer/ by id; lines that cannot be used, and
    answer lines that match no question, are Rejects with a reason.
    """
    func_docs = FuncDocs(memory_backend)
    for question in question_files(Path(root)):
        yield from _load_file(question, func_docs)


def _load_file(question: QuestionFile, func_docs: FuncDocs) -> Iterator[BfclRecord | Reject]:
    answers = Answers.load(answer_path(question), f"possible_answer/{question.path.name}")
    resolve = _resolver(question, func_docs)
    seen: set[str] = set()
    for line in read_json_lines(question.path):
        fallback_id = f"{question.version}/{question.path.stem}:{line.number}"
        if line.error is not None:
            yield Reject(record_id=fallback_id, reason="bad JSON line", detail=line.error, raw=line.text[:RAW_LIMIT])
            continue
        raw_id = line.value.get("id") if isinstance(line.value, dict) else None
        named = isinstance(raw_id, str) and bool(raw_id) and not line.unencodable
        record_id = f"bfcl:{question.version}/{raw_id}" if named else fallback_id
        answer = answers.by_id.get(raw_id) if isinstance(raw_id, str) else None
        raw = line.text if answer is None else f"{line.text}\n{answer.text}"
        if isinstance(raw_id, str) and raw_id in seen:
            yield Reject(record_id=f"{record_id}@{line.number}", reason="duplicate id", detail=repr(raw_id), raw=raw)
            continue
        if isinstance(raw_id, str):
            seen.add(raw_id)  # its answer line is used here, even if the record is rejected
        if line.unencodable or (answer is not None and answer.unencodable):
            detail = "a string holds a lone UTF-16 surrogate (a \\ud800-style escape), which UTF-8 cannot store"
            yield Reject(record_id=record_id, reason="text is not valid Unicode", detail=detail, raw=raw[:RAW_LIMIT])
            continue
        try:
            yield build_record(
                line.value,
                version=question.version,
                category=question.category,
                answer=None if answer is None else answer.value,
                resolve_tools=resolve,
                meta={"file": question.label, "line": line.number},
            )
        except SourceError as error:
            yield Reject(record_id=record_id, reason=error.reason, detail=error.detail, raw=raw[:RAW_LIMIT])
        except _MALFORMED as error:
            detail = f"{type(error).__name__}: {error}"[:2000]
            yield Reject(record_id=record_id, reason="malformed record", detail=detail, raw=raw[:RAW_LIMIT])
    for answer_id, answer in answers.by_id.items():
        if answer_id not in seen:
            yield _answer_reject(question, answer, "answer without question", f"no question line has id {answer_id!r}")
    for answer, reason, detail in answers.problems:
        yield _answer_reject(question, answer, reason, detail)


def _answer_reject(question: QuestionFile, answer: Line, reason: str, detail: str) -> Reject:
    record_id = f"{question.version}/possible_answer/{question.path.stem}:{answer.number}"
    return Reject(record_id=record_id, reason=reason, detail=detail, raw=answer.text[:RAW_LIMIT])


def _resolver(question: QuestionFile, func_docs: FuncDocs) -> ToolResolver:
    def resolve(classes: Sequence[str]) -> tuple[list[dict[str, Any]], list[ToolSpec], list[str]]:
        folder = func_docs.folder_for(question)
        if folder is None:
            raise LookupError(f"no multi_turn_func_doc/ folder beside {question.label}")
        functions: list[dict[str, Any]] = []
        specs: list[ToolSpec] = []
        files = []
        for class_name in classes:
            docs, tools, file = func_docs.functions(folder, class_name)
            functions.extend(docs)
            specs.extend(tools)
            files.append(file)
        return functions, specs, files

    return resolve


# -- record -> trajectory ---------------------------------------------------------------------------------------


def to_trajectory(record: BfclRecord) -> Trajectory:
    """The trajectory for one record (see the module docstring); raises SourceError when there is none."""
    meta: dict[str, Any] = {
        "bfcl_id": record.id,
        "version": record.version,
        "category": record.category,
        **{key: value for key, value in record.meta.items() if key not in {"source", "num_hops"}},
    }
    question = [message for turn in record.turns for message in turn]
    if record.category in AST_CATEGORIES:
        calls = ground_truth_calls(record)
        if not calls:
            empty = [
                f"{name}.{param}"
                for call in record.possible_answer or ()
                for name, params in call.items()
                for param, acceptable in params.items()
                if acceptable == []
            ]
            raise SourceError("no acceptable value", f"possible answer lists no value for {', '.join(empty)}")
        messages = [*question, Message(role="assistant", tool_calls=calls)]
        meta["possible_answer"] = list(record.possible_answer or ())
    elif record.category in MULTI_TURN_CATEGORIES:
        messages = _multi_turn_messages(record, meta)
    elif record.category == "live_relevance":
        raise SourceError(
            "no reference call", "live_relevance: any relevant call counts as right; BFCL gives no ground-truth call"
        )
    elif record.category in ANSWER_STRING_CATEGORIES:
        answers = ", ".join(repr(answer) for answer in (record.answer_strings or ())[:3])
        raise SourceError(
            "ground truth is a final answer, not calls",
            f"{record.category}: acceptable answers {answers}; the calls that reach it are not given",
        )
    else:  # irrelevance, live_irrelevance: the right answer is not to call
        messages = [*question, Message(role="assistant", content=NO_CALL_TEXT)]
    return trajectory("bfcl", f"{record.version}/{record.id}", messages, record.tools, LICENSE, record.category, meta)


def _multi_turn_messages(record: BfclRecord, meta: dict[str, Any]) -> list[Message]:
    missed = record.meta.get("missed_function") or {}
    param_order = {
        function["name"]: list((function.get("parameters") or {}).get("properties") or {})
        for function in record.raw_functions
    }
    messages: list[Message] = []
    held_back: dict[str, int] = {}
    no_call_turns: list[int] = []
    for index, (turn, answer) in enumerate(zip(record.turns, record.turn_answers or (), strict=True)):
        if str(index) in missed:
            held_back.update({name: len(messages) for name in missed[str(index)]})
        if turn:
            messages.extend(turn)
        elif str(index) in missed:
            messages.append(Message(role="user", content=ADDITIONAL_FUNCTION_PROMPT))
        else:
            raise SourceError("empty turn", f"turn {index} has no message and reveals no held-back function")
        calls: list[ToolCall] = []
        for text in answer:
            try:
                calls.append(parse_call_string(text, param_order))
            except ValueError as error:
                raise SourceError("bad call string", f"turn {index}: {text[:300]!r}: {error}") from None
        if calls:
            messages.append(Message(role="assistant", tool_calls=tuple(calls)))
        else:
            messages.append(Message(role="assistant", content=NO_CALL_TEXT))
            no_call_turns.append(index)
    meta.update(
        turn_answers=[list(turn) for turn in record.turn_answers or ()],
        held_back_tools=held_back,
        no_call_turns=no_call_turns,
        tool_results_missing=True,
    )
    return messages


# -- the adapter ---------------------------------------------------------------------------------------------------

_ID_CATEGORY = re.compile(r"(?P<name>[a-z_]+?)_\d+(?:-.*)?")


@sources.register("bfcl")
class BfclAdapter(SourceAdapter):
    """BFCL v3/v4 folders (question files + possible_answer/ + multi_turn_func_doc/); eval and decontamination."""

    name: ClassVar[str] = "bfcl"
    license: ClassVar[str] = LICENSE
    description: ClassVar[str] = (
        "BFCL v3/v4 data folders: AST categories -> GT calls, irrelevance -> no-call turn, multi-turn -> one "
        "assistant turn per question turn; live_relevance, memory, web_search rejected (no call ground truth)"
    )

    def __init__(self, memory_backend: str = DEFAULT_MEMORY_BACKEND) -> None:
        self.memory_backend = memory_backend

    def read(self, path: Path) -> Iterator[Trajectory | Reject]:
        for item in load_bfcl(path, self.memory_backend):
            yield item if isinstance(item, Reject) else self._trajectory_or_reject(item)

    def _trajectory_or_reject(self, record: BfclRecord) -> Trajectory | Reject:
        try:
            return to_trajectory(record)
        except SourceError as error:
            reason, detail = error.reason, error.detail
        except _MALFORMED as error:  # a shape the loader let through but the conversion cannot use
            reason, detail = "malformed record", f"{type(error).__name__}: {error}"[:2000]
        record_id = f"bfcl:{record.version}/{record.id}"
        return Reject(record_id=record_id, reason=reason, detail=detail, raw=_record_text(record))

    def convert(self, raw: RawRecord) -> Iterator[Trajectory | Reject]:
        """One row that holds a question line (and, for AST rows, its ``ground_truth``), e.g. from the Hub.

        The category comes from the id; multi-turn rows cannot be read this way (their tools live in the
        func-doc files), so they are rejected with that reason.
        """
        value = raw.value
        raw_id = value.get("id") if isinstance(value, dict) else None
        match = _ID_CATEGORY.fullmatch(raw_id) if isinstance(raw_id, str) else None
        if match is None:
            raise SourceError("unknown BFCL category", f"cannot tell the category from id {raw_id!r}")
        answer = {"ground_truth": value["ground_truth"]} if "ground_truth" in value else None
        record = build_record(
            value,
            version=str(value.get("version", "v4")),
            category=category_from_stem(match.group("name")),
            answer=answer,
            resolve_tools=None,
            meta={"file": raw.key},
        )
        yield to_trajectory(record)


def _record_text(record: BfclRecord) -> str:
    """The record as text for a reject: the question, and the answer that could not be used."""
    value = {
        "id": record.id,
        "category": record.category,
        "question": [[message.model_dump(mode="json") for message in turn] for turn in record.turns],
        "ground_truth": record.answer_strings or record.turn_answers or record.possible_answer,
    }
    return canonical_json(value)[:RAW_LIMIT]
