"""Argument values against BFCL-style lists of acceptable values.

Pure functions on JSON data, shared by the checker. The rules, and where they follow or leave BFCL's AST checker:

* Types are checked by ``curation.tool_schema.value_type_error`` (the one type check of the project): a bool is
  never an integer or a number; an int is accepted where a number (BFCL "float") is expected, at any depth (BFCL
  converts only top-level ints); a float is never an integer; arrays and objects are checked recursively through
  ``items`` and ``properties`` (BFCL checks one level of array items). A schema without a type (BFCL "any")
  accepts every value.
* Acceptable values: a dict among the acceptable values is a pattern ``{key: [acceptable values]}`` (a key whose
  list holds "" may be left out; a bare value stands for a one-value list, as a few BFCL answers write it); a list
  is matched element by element, in order; anything else by equality, where numbers compare by value and a bool
  only equals a bool (Python's ``True == 1`` lets BFCL accept ``[True]`` for ``[1]``; here it does not).
* Strings: with normalisation on, compared after BFCL's ``standardize_string`` (lower case; spaces and ``,./-_*^``
  removed; single quotes read as double quotes), at every depth (BFCL: the top level, list elements, and the
  values of a dict one level down).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from curation.tool_schema import kind_of  # one JSON type naming for validation and the checker

OMITTED = ""  # BFCL's marker, among the acceptable values, for "this parameter may be left out"
_STANDARDIZE = re.compile(r"[ ,./\-_*^]")


@functools.lru_cache(maxsize=1 << 16)  # the same answer strings come back for every candidate of a task
def standardize_string(text: str) -> str:
    """BFCL's string normalisation: "April 1, 2024" and "april 1 2024" compare equal."""
    return _STANDARDIZE.sub("", text).lower().replace("'", '"')


def first_answer_kind(acceptable: Sequence[Any]) -> str | None:
    """The kind of the first acceptable value that is not the "may be omitted" marker."""
    for answer in acceptable:
        if answer != OMITTED:
            return kind_of(answer)
    return None


def matches_any(value: Any, acceptable: Sequence[Any], normalize: bool) -> bool:
    """Whether ``value`` equals one of the acceptable values (patterns for dicts, positions for lists)."""
    for answer in acceptable:  # noqa: SIM110 (a plain loop: this is the hottest path of the checker)
        if matches(value, answer, normalize):
            return True
    return False


_SCALARS = (str, int, float, bool)


def matches(value: Any, answer: Any, normalize: bool) -> bool:
    answer_type = type(answer)
    if answer_type is type(value) and answer_type in _SCALARS and value == answer:
        return True  # the common exact hit, without normalising
    if answer_type is dict:
        return isinstance(value, dict) and matches_pattern(value, answer, normalize)
    if answer_type is list or answer_type is tuple:
        if not isinstance(value, (list, tuple)) or len(value) != len(answer):
            return False
        for item, expected in zip(value, answer, strict=True):  # noqa: SIM110 (hot path: no generator)
            if not matches(item, expected, normalize):
                return False
        return True
    if answer_type is str:
        return normalize and type(value) is str and standardize_string(value) == standardize_string(answer)
    if answer_type is bool or type(value) is bool:
        return value is answer
    if answer_type is int or answer_type is float:
        return type(value) in (int, float) and value == answer
    return value is None and answer is None


def matches_pattern(value: Mapping[str, Any], pattern: Mapping[str, Any], normalize: bool) -> bool:
    """A dict against ``{key: [acceptable values]}``: no unknown keys, every key acceptable, no needed key left out."""
    for key, item in value.items():
        if key not in pattern or not matches_any(item, as_acceptable(pattern[key]), normalize):
            return False
    return all(key in value or OMITTED in as_acceptable(answers) for key, answers in pattern.items())


def as_acceptable(answers: Any) -> list[Any]:
    """A pattern entry as a list of acceptable values (a bare value stands for itself alone)."""
    return answers if isinstance(answers, list) else [answers]


def short(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters, for details a curator reads."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
