"""Running one adapter on one native record, as the ingest step does."""

from __future__ import annotations

import json
from typing import Any

from curation.registry import sources
from curation.schema import Reject, Trajectory
from curation.sources.base import RawRecord, SourceAdapter


def adapter(name: str) -> SourceAdapter:
    instance = sources.get(name)()
    assert isinstance(instance, SourceAdapter)
    return instance


def convert(name: str, value: Any, key: str = "demo:0") -> list[Trajectory | Reject]:
    """Everything the adapter makes of one record (never raises: that is what is under test)."""
    raw = RawRecord(key, value, json.dumps(value, ensure_ascii=False, default=str))
    return list(adapter(name).convert_safely(raw))


def one_trajectory(name: str, value: Any, key: str = "demo:0") -> Trajectory:
    results = convert(name, value, key)
    assert len(results) == 1, results
    assert isinstance(results[0], Trajectory), results[0]
    return results[0]


def one_reject(name: str, value: Any) -> Reject:
    results = convert(name, value)
    assert len(results) == 1, results
    assert isinstance(results[0], Reject), results[0]
    return results[0]
