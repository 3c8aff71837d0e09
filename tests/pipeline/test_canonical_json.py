"""canonical_json, the one JSON form every content hash (record, candidate and pair ids, step folders) is taken of:
exactly json.dumps with sorted keys, no whitespace and unicode kept, and no NaN."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from curation.schema import canonical_json, content_hash

VALUES: list[Any] = [
    {"task_id": 'quo"te\\back#1', "policy": "p", "sample_index": 7},
    {"b": [1, 1.0, True, None, "ünï 中文 🎉"], "a": {"z": "\u2028", "y": "tab\tnew\nline\x00"}},
    [0.1 + 0.2, 5e-324, -0.0, 10**30],
    "",
]


@pytest.mark.parametrize("value", VALUES)
def test_canonical_json_is_json_dumps_with_the_canonical_options(value: Any) -> None:
    written = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    assert canonical_json(value) == written
    assert json.loads(canonical_json(value)) == value


def test_canonical_json_is_the_same_for_any_key_order_and_refuses_nan() -> None:
    assert canonical_json({"a": 1, "b": 2}) == canonical_json({"b": 2, "a": 1}) == '{"a":1,"b":2}'
    assert content_hash({"a": 1, "b": 2}) == content_hash({"b": 2, "a": 1})
    with pytest.raises(ValueError):
        canonical_json({"x": math.nan})
