"""Model outputs on BFCL tasks, from the files people have: BFCL's own result and score files, or any JSONL.

- BFCL result files (``result/<model>/**/BFCL_v3_<category>_result.json``, JSON Lines of ``{"id", "result", ...}``):
  ``result`` is the raw model output (text, or a list of ``{function: arguments}`` for FC models; for multi-turn a
  list per turn of a list per step).
- BFCL score files (``score/<model>/**/BFCL_v3_<category>_score.json``): a first line with the accuracy, then one
  line per *failed* entry: ``{"id", "model_name", "test_category", "valid": false, "error", "error_type",
  "model_result_raw", "model_result_decoded", ...}``. BFCL's error type is kept beside ours.
- Any other ``.jsonl`` / ``.json``: lines with ``id`` and one of ``output`` (BFCL's decoded calls), ``result``,
  ``text``, ``response`` or ``completion`` (raw text), and optionally ``model``.

Every output is re-checked with the studio's checker when the benchmark is built; a score file only says which
entries BFCL found wrong. A line that cannot be used is counted with its reason, never silently dropped.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curation.sources.bfcl_files import category_from_stem

_BFCL_FILE = re.compile(r"BFCL_(?P<version>v\d+)_(?P<category>\w+?)_(?P<kind>result|score)\.json$")
_TEXT_KEYS = ("text", "response", "completion")
_MODEL_KEYS = ("model", "model_name")


@dataclass(frozen=True)
class ModelOutput:
    raw_id: str  # the BFCL id, e.g. "parallel_4" or "multi_turn_base_12"
    model: str
    version: str | None  # "v3" / "v4" when the file name says so
    category: str | None  # the v4 category name when known
    raw: Any  # raw model output: text, a list of {function: arguments}, or per-turn lists for multi-turn
    decoded: Any | None  # BFCL's decoded calls when the file has them
    bfcl_error_type: str | None  # BFCL's own verdict, from score files
    source: str  # "<file>:<line>"


@dataclass
class OutputsRead:
    outputs: list[ModelOutput]
    skipped: Counter[str]  # reason -> lines
    files: list[Path]


def _model_from_path(path: Path, root: Path) -> str:
    """BFCL lays files out as result/<model>/... and score/<model>/...: the first folder below root (or the
    folder after result/ or score/) names the model."""
    parts = path.relative_to(root).parts[:-1]
    for marker in ("result", "score"):
        if marker in parts and parts.index(marker) + 1 < len(parts):
            return parts[parts.index(marker) + 1]
    return parts[0] if parts else path.stem


def output_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise FileNotFoundError(f"no such file or folder: {root}")
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in {".json", ".jsonl"})


def read_outputs(root: Path) -> OutputsRead:
    """Every model output under ``root``, with counts of the lines that could not be used and why."""
    files = output_files(root)
    outputs: list[ModelOutput] = []
    skipped: Counter[str] = Counter()
    base = root if root.is_dir() else root.parent
    for path in files:
        for item in _read_file(path, base):
            if isinstance(item, str):
                skipped[item] += 1
            else:
                outputs.append(item)
    return OutputsRead(outputs=outputs, skipped=skipped, files=files)


def _read_file(path: Path, root: Path) -> Iterator[ModelOutput | str]:
    match = _BFCL_FILE.search(path.name)
    version = match.group("version") if match else None
    category = category_from_stem(match.group("category")) if match else None
    is_score = bool(match and match.group("kind") == "score")
    default_model = _model_from_path(path, root)
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            yield "bad JSON line"
            continue
        if not isinstance(value, dict):
            yield "line is not a JSON object"
            continue
        if is_score and "id" not in value and "accuracy" in value:
            continue  # the score file's header line
        item = _output(value, version, category, is_score, default_model, f"{path.name}:{number}")
        yield item


def _output(
    value: dict[str, Any], version: str | None, category: str | None, is_score: bool, model: str, source: str
) -> ModelOutput | str:
    raw_id = value.get("id")
    if not isinstance(raw_id, str) or not raw_id:
        return "line without a string id"
    if is_score and value.get("valid", False):
        return "score line marked valid"
    name = next((str(value[key]) for key in _MODEL_KEYS if isinstance(value.get(key), str)), model)
    if is_score:
        raw, decoded = value.get("model_result_raw"), value.get("model_result_decoded")
        if raw is None and decoded is None:
            return "score line without model_result_raw or model_result_decoded"
        bfcl_error = value.get("error_type")
        category = category_from_stem(str(value["test_category"])) if value.get("test_category") else category
    else:
        decoded = value.get("output")
        raw = next((value[key] for key in ("result", *_TEXT_KEYS) if key in value), None)
        if raw is None and decoded is None:
            return "line without output, result, text, response or completion"
        bfcl_error = None
    return ModelOutput(
        raw_id=raw_id,
        model=name,
        version=version,
        category=category,
        raw=raw,
        decoded=decoded,
        bfcl_error_type=bfcl_error if isinstance(bfcl_error, str) else None,
        source=source,
    )
