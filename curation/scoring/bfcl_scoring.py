"""Scoring one model output for one BFCL record with the studio's rules (the engine of `toolpref check --bfcl`).

An output is BFCL's decoded form (``[{"fn": {"arg": value}}]``, what BFCL's handlers' ``decode_ast`` return) or raw
model text (read by parse.py). Per category:

* AST categories (simple_*, multiple, parallel, parallel_multiple and their live_ versions): the BFCL-grade check
  against the possible answer, with the category's language (Java, JavaScript or Python); the similarity is
  against one reference answer, the first acceptable value of every parameter (``ground_truth_calls``).
* irrelevance / live_irrelevance: exact iff no call; as in BFCL, text that cannot be read as calls is no call.
* live_relevance: exact iff at least one call (BFCL gives no reference call).
* multi-turn: the output is a list of turns (each a list of calls, or of steps that are lists of calls; or one
  text per turn). Each turn is checked on its own against that turn's ground-truth call strings, order-free; the
  record is exact iff every turn is, its similarity is the mean over turns. BFCL instead executes the calls and
  compares the resulting state, which accepts other call sequences that reach the same state: this is stricter.
* memory, web_search: not supported (BFCL checks the final answer text of an agent loop, not calls).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from curation.schema import ErrorType, ToolCall
from curation.scoring.answers import expected_from_calls
from curation.scoring.check import CheckOptions, CheckResult, Language, check_calls
from curation.scoring.parse import parse_response
from curation.scoring.similarity import toolrm_similarity
from curation.sources.bfcl import BfclRecord, ground_truth_calls, parse_call_string
from curation.sources.bfcl_files import ANSWER_STRING_CATEGORIES, AST_CATEGORIES, MULTI_TURN_CATEGORIES


class UnsupportedRecord(Exception):
    """A record of a category this scorer does not check; the message says why."""


class BadOutput(ValueError):
    """An output line whose shape does not fit its record; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class BfclScore:
    id: str
    category: str
    exact: bool
    error_type: ErrorType | None
    similarity: float
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "exact": self.exact,
            "error_type": self.error_type.value if self.error_type else None,
            "similarity": round(self.similarity, 6),
            "detail": self.detail,
        }


def language_of(category: str) -> Language:
    if category == "simple_java":
        return "java"
    if category == "simple_javascript":
        return "javascript"
    return "python"


@dataclass(frozen=True, slots=True)
class _Answer:
    """An output read into calls, or the reason it could not be."""

    calls: tuple[ToolCall, ...] = ()
    parse_error: str | None = None


def score_output(record: BfclRecord, line: dict[str, Any], options: CheckOptions) -> BfclScore:
    """The score of one output line (``{"id", "output"}`` or ``{"id", "text"}``) for its record.

    Raises BadOutput when the line does not have a usable shape and UnsupportedRecord for memory / web_search.
    """
    if record.category in ANSWER_STRING_CATEGORIES:
        raise UnsupportedRecord(
            f"{record.category} is scored on the final answer text of an agent loop (BFCL's agentic checker), not calls"
        )
    has_output, has_text = "output" in line, "text" in line
    if has_output == has_text:
        raise BadOutput("a line needs exactly one of 'output' (BFCL's decoded calls) or 'text' (raw model text)")
    raw = line["output"] if has_output else line["text"]
    if record.category in MULTI_TURN_CATEGORIES:
        return _multi_turn(record, raw, has_output, options)
    answer = _read(raw, has_output, "output")
    if record.category in AST_CATEGORIES:
        return _ast(record, answer, options.model_copy(update={"language": language_of(record.category)}))
    return _relevance(record, answer)


def _read(raw: Any, decoded: bool, where: str) -> _Answer:
    if decoded:
        return _Answer(calls=decoded_calls(raw, where))
    if not isinstance(raw, str):
        raise BadOutput(f"text must be a string, not {type(raw).__name__}")
    parsed = parse_response(raw)
    return _Answer(calls=parsed.calls, parse_error=parsed.error)


def decoded_calls(raw: Any, where: str = "output") -> tuple[ToolCall, ...]:
    """Calls from BFCL's decoded form, ``[{"fn": {"arg": value}}, ...]``; BadOutput says what does not fit."""
    if not isinstance(raw, list):
        raise BadOutput(f"{where} must be a list of calls [{{function: {{argument: value}}}}]")
    calls = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or len(item) != 1:
            raise BadOutput(f"{where}[{index}] is not {{function: {{argument: value}}}}")
        ((name, arguments),) = item.items()
        if not isinstance(arguments, dict) or not name:
            raise BadOutput(f"{where}[{index}]: the arguments of {name!r} are not an object")
        calls.append(ToolCall(name=name, arguments=arguments))
    return tuple(calls)


def _ast(record: BfclRecord, answer: _Answer, options: CheckOptions) -> BfclScore:
    if answer.parse_error is not None:
        return _score(record, CheckResult(False, ErrorType.parse_error, answer.parse_error), 0.0)
    result = check_calls(answer.calls, record.possible_answer or (), record.tools, options)
    reference = ground_truth_calls(record)
    # Without a reference call (an answer with a parameter that accepts nothing) only the verdict is known.
    similarity = toolrm_similarity(answer.calls, reference) if reference else float(result.exact)
    return _score(record, result, similarity)


def _relevance(record: BfclRecord, answer: _Answer) -> BfclScore:
    called = bool(answer.calls)
    if "irrelevance" in record.category:  # right iff no call; unreadable text is no call, as in BFCL
        names = ", ".join(call.name for call in answer.calls)
        result = CheckResult(False, ErrorType.unexpected_call, f"no call expected; got {names}") if called else None
        detail = f"no call read ({answer.parse_error})" if answer.parse_error else ""
        return _score(record, result or CheckResult(True, None, detail), 0.0 if called else 1.0)
    # live_relevance: any call is right
    if called:
        return _score(record, CheckResult(True), 1.0)
    if answer.parse_error is not None:
        return _score(record, CheckResult(False, ErrorType.parse_error, answer.parse_error), 0.0)
    return _score(record, CheckResult(False, ErrorType.missing_call, "a call was expected; got none"), 0.0)


def _multi_turn(record: BfclRecord, raw: Any, decoded: bool, options: CheckOptions) -> BfclScore:
    expected_turns = record.turn_answers or ()
    if not isinstance(raw, list):
        raise BadOutput("a multi-turn output is a list with one entry per turn")
    if len(raw) != len(expected_turns):
        detail = f"{len(expected_turns)} turns expected, {len(raw)} given"
        return _score(record, CheckResult(False, ErrorType.wrong_call_count, detail), 0.0)
    param_order = {
        function["name"]: list((function.get("parameters") or {}).get("properties") or {})
        for function in record.raw_functions
    }
    first_failure: CheckResult | None = None
    similarities = []
    for index, (turn, expected_strings) in enumerate(zip(raw, expected_turns, strict=True)):
        answer = _turn_answer(turn, decoded, index, param_order)
        truth = tuple(parse_call_string(text, param_order) for text in expected_strings)
        if answer.parse_error is not None:
            result = CheckResult(False, ErrorType.parse_error, answer.parse_error)
            similarity = 0.0
        else:
            result = check_calls(answer.calls, expected_from_calls(truth, record.tools), record.tools, options)
            similarity = toolrm_similarity(answer.calls, truth)
        similarities.append(similarity)
        if not result.exact and first_failure is None:
            first_failure = CheckResult(False, result.error_type, f"turn {index}: {result.detail}")
    mean = sum(similarities) / len(similarities) if similarities else 1.0
    return _score(record, first_failure or CheckResult(True), mean)


def _turn_answer(turn: Any, decoded: bool, index: int, param_order: dict[str, list[str]]) -> _Answer:
    """One turn's calls. Text may use positional arguments here: BFCL runs multi-turn calls as Python."""
    where = f"turn {index}"
    if decoded:
        if not isinstance(turn, list):
            raise BadOutput(f"{where} must be a list of calls (or of steps, each a list of calls)")
        flat = [call for step in turn for call in (step if isinstance(step, list) else [step])]
        return _read(flat, True, where)
    if isinstance(turn, list):  # one text per step
        texts: Sequence[Any] = turn
    else:
        texts = [turn]
    calls: list[ToolCall] = []
    for step in texts:
        if not isinstance(step, str):
            raise BadOutput(f"{where}: text must be a string, not {type(step).__name__}")
        answer = parse_response(step, param_order)
        if answer.error is not None:
            return _Answer(parse_error=answer.error)
        calls.extend(answer.calls)
    return _Answer(calls=tuple(calls))


def _score(record: BfclRecord, result: CheckResult, similarity: float) -> BfclScore:
    return BfclScore(record.id, record.category, result.exact, result.error_type, similarity, result.detail)
