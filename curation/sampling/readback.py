"""When rendered calls are known to parse back to themselves, so a sampler that made them can skip the parser.

``render_calls`` and ``parse_response`` (curation/scoring/parse.py) round-trip ordinary calls, but not every call:
a string holding ``<think>`` or ``</tool_call>`` changes how the text is cut up, a name with a trailing space comes
back stripped, Python syntax cannot spell a keyword as a function name, NaN is not JSON, ``**{...}`` arguments come
back after the ``name=value`` ones. ``reads_back`` says True only where every step of the parser is known to return
the calls unchanged (same names, same keys in the same order, same value types); anything else is False, and the
caller parses as usual. False costs time, never correctness. tests/sampling/test_readback.py pins the claim
against the real parser.
"""

from __future__ import annotations

import keyword
import math
import unicodedata
from collections.abc import Sequence
from typing import Any

from curation.schema import ToolCall
from curation.scoring.parse import RenderStyle

# Far below every recursion and nesting limit on the way (Python's parser allows 200 open brackets); deeper values
# are parsed, not trusted.
MAX_DEPTH = 32


def reads_back(calls: Sequence[ToolCall], style: RenderStyle, text: str) -> bool:
    """True when ``parse_response(text)`` is certain to give exactly ``calls`` with no error, ``text`` being
    ``render_calls(calls, style)``."""
    if not calls or "<think>" in text or "</think>" in text:  # reasoning is cut out of the whole text first
        return False
    if style == "hermes":
        # Each call brings one opening and one closing tag; one more in a value would move the block edges.
        if text.count("<tool_call>") != len(calls) or text.count("</tool_call>") != len(calls):
            return False
    elif style == "json" or style == "python":
        if "<tool_call>" in text:  # the text would be read as Hermes blocks
            return False
    else:
        return False
    for call in calls:
        name = call.name
        if not name or name.strip() != name:  # the parser strips names and refuses empty ones
            return False
        if style == "python" and not _python_call_parts(name, call.arguments):
            return False
        if not _plain_object(call.arguments, 1):
            return False
    return True


def _python_call_parts(name: str, arguments: dict[str, Any]) -> bool:
    """The name is a dotted chain of plain identifiers, and arguments spelled ``**{...}`` come last already."""
    if not name.isascii() or not all(_python_name(part) for part in name.split(".")):
        return False
    # render_calls writes name=value arguments first and the rest in one **{...}: the parser reads them in that order.
    spelled_out = False
    for key in arguments:
        if not _python_name(key):
            spelled_out = True
        elif spelled_out:
            return False
    return True


def _python_name(name: str) -> bool:
    """What Python reads back as the same identifier (it folds names to NFKC)."""
    stable = name.isascii() or unicodedata.normalize("NFKC", name) == name
    return name.isidentifier() and not keyword.iskeyword(name) and stable


_SCALARS = frozenset({str, int, bool, type(None)})


def _plain_object(value: dict[Any, Any], depth: int) -> bool:
    """JSON data of the exact builtin types (no tuples, no str or int subclasses), finite floats, not too deep."""
    for key, item in value.items():
        if type(key) is not str or not (type(item) in _SCALARS or _plain_value(item, depth)):
            return False
    return True


def _plain_value(value: Any, depth: int) -> bool:
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind is float:
        return math.isfinite(value)
    if depth >= MAX_DEPTH:
        return False
    if kind is dict:
        return _plain_object(value, depth + 1)
    if kind is list:
        return all(type(item) in _SCALARS or _plain_value(item, depth + 1) for item in value)
    return False
