"""BFCL's on-disk layout: finding question files, joining them with their answers, loading the func-doc files.

Upstream (`bfcl_eval/data` in ShishirPatil/gorilla) keeps one question file per category, `BFCL_v4_<category>.json`,
a file of the same name under `possible_answer/`, and the tool schemas of the multi-turn classes under
`multi_turn_func_doc/`. Every file is JSON Lines despite the `.json` suffix. This module only reads and joins;
turning a joined entry into a typed record happens in `bfcl_records`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curation.schema import ToolSpec
from curation.tool_schema import normalize_parameters

# v3 file names that v4 renamed; everything else kept its name.
V3_RENAMES = {"simple": "simple_python", "java": "simple_java", "javascript": "simple_javascript"}

AST_CATEGORIES = frozenset(
    {
        "simple_python",
        "simple_java",
        "simple_javascript",
        "multiple",
        "parallel",
        "parallel_multiple",
        "live_simple",
        "live_multiple",
        "live_parallel",
        "live_parallel_multiple",
    }
)
NO_ANSWER_CATEGORIES = frozenset({"irrelevance", "live_irrelevance", "live_relevance"})
MULTI_TURN_CATEGORIES = frozenset(
    {"multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context"}
)
ANSWER_STRING_CATEGORIES = frozenset({"memory", "web_search"})
CATEGORIES = AST_CATEGORIES | NO_ANSWER_CATEGORIES | MULTI_TURN_CATEGORIES | ANSWER_STRING_CATEGORIES

# Upstream files beside the question files that hold no records (format_sensitivity maps categories to id lists).
NOT_RECORD_FILES = frozenset({"format_sensitivity"})

# Class name in `involved_classes` -> func-doc file stem (from the sources README and bfcl_eval's constants).
CLASS_FUNC_DOCS = {
    "GorillaFileSystem": "gorilla_file_system",
    "MathAPI": "math_api",
    "MessageAPI": "message_api",
    "TwitterAPI": "posting_api",
    "TicketAPI": "ticket_api",
    "TradingBot": "trading_bot",
    "TravelAPI": "travel_booking",
    "VehicleControlAPI": "vehicle_control",
    "WebSearchAPI": "web_search",
}
# Memory records say "MemoryAPI"; the harness picks one of three backends. kv is its default.
MEMORY_BACKENDS = {"memory_kv", "memory_vector", "memory_rec_sum"}
DEFAULT_MEMORY_BACKEND = "memory_kv"

_FILE_NAME = re.compile(r"BFCL_(v\d+)_(\w+)\.jsonl?")
POSSIBLE_ANSWER_DIR = "possible_answer"
FUNC_DOC_DIR = "multi_turn_func_doc"


@dataclass(frozen=True)
class QuestionFile:
    path: Path
    version: str  # "v3" | "v4"
    category: str  # the v4 name; unknown names are kept as they are and rejected per record
    label: str  # the path shown in rejects and meta, relative to the root that was read


@dataclass(frozen=True)
class Line:
    """One non-empty line of a JSON Lines file: the parsed value, or why it could not be parsed."""

    number: int  # 1-based line number in the file
    text: str
    value: Any = None
    error: str | None = None
    # a "\ud800" escape decodes to a lone surrogate, which UTF-8 (and so every file we write) cannot hold
    unencodable: bool = False


def category_from_stem(name: str) -> str:
    return V3_RENAMES.get(name, name)


def parse_file_name(path: Path) -> tuple[str, str] | None:
    """(version, v4 category) for a question file name, or None when the name is not a BFCL data file."""
    match = _FILE_NAME.fullmatch(path.name)
    if not match:
        return None
    return match.group(1), category_from_stem(match.group(2))


def _question_files_in(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and (parsed := parse_file_name(path)) and parsed[1] not in NOT_RECORD_FILES
    )


def question_files(root: Path) -> list[QuestionFile]:
    """The question files of a BFCL data folder, of a parent holding v3/ and v4/, or one question file."""
    if not root.exists():
        raise FileNotFoundError(f"no such file or folder: {root}")
    if root.is_file():
        parsed = parse_file_name(root)
        if parsed is None:
            raise ValueError(f"{root.name} is not a BFCL question file (expected BFCL_v4_<category>.json)")
        return [QuestionFile(root, parsed[0], parsed[1], root.name)]
    files = _question_files_in(root)
    if not files:  # a parent folder: look one level down (v3/, v4/, or bfcl_eval/data)
        files = [path for child in sorted(root.iterdir()) if child.is_dir() for path in _question_files_in(child)]
    if not files:
        raise FileNotFoundError(f"no BFCL question files (BFCL_v3_*.json, BFCL_v4_*.json) in {root} or its sub-folders")
    result = []
    for path in files:
        version, category = parse_file_name(path) or ("", "")
        result.append(QuestionFile(path, version, category, path.relative_to(root).as_posix()))
    return result


def _reject_constant(name: str) -> Any:
    # JSON has no NaN or Infinity; Python's json accepts them, and they would break canonical JSON later.
    raise ValueError(f"{name} is not valid JSON")


def read_json_lines(path: Path) -> Iterator[Line]:
    """Every non-empty line of a JSON Lines file; undecodable bytes and bad JSON become errors, not exceptions."""
    text = path.read_text(encoding="utf-8", errors="replace")
    for number, raw_line in enumerate(text.splitlines(), start=1):
        if not raw_line.strip():
            continue
        try:
            value = json.loads(raw_line, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as error:
            yield Line(number, raw_line, error=f"{type(error).__name__}: {error}"[:500])
        else:
            unencodable = "\\ud" in raw_line.lower() and not _encodable(value)
            yield Line(number, raw_line, value=value, unencodable=unencodable)


def _encodable(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass
class Answers:
    """The answer file of one question file, keyed by id; lines that cannot be keyed are kept as problems."""

    by_id: dict[str, Line] = field(default_factory=dict)
    problems: list[tuple[Line, str, str]] = field(default_factory=list)  # (line, reason, detail)
    label: str = ""

    @classmethod
    def load(cls, path: Path, label: str) -> Answers:
        answers = cls(label=label)
        if not path.is_file():
            return answers
        for line in read_json_lines(path):
            if line.error is not None:
                answers.problems.append((line, "bad JSON line in possible_answer", line.error))
            elif not isinstance(line.value, dict) or not isinstance(line.value.get("id"), str):
                answers.problems.append((line, "possible answer without an id", "expected {id, ground_truth}"))
            elif line.value["id"] in answers.by_id:
                answers.problems.append((line, "duplicate id in possible_answer", repr(line.value["id"])))
            else:
                answers.by_id[line.value["id"]] = line
        return answers


def answer_path(question: QuestionFile) -> Path:
    return question.path.parent / POSSIBLE_ANSWER_DIR / question.path.name


class FuncDocs:
    """The multi-turn tool schemas, per class, read once per folder.

    A question file's own `multi_turn_func_doc/` comes first; when it has none (the v3 copy here ships without
    it), a sibling version folder's copy is used, the newest first. Upstream the files did not change between v3
    and v4 for the classes v3 uses.
    """

    def __init__(self, memory_backend: str = DEFAULT_MEMORY_BACKEND) -> None:
        if memory_backend not in MEMORY_BACKENDS:
            raise ValueError(f"unknown memory backend {memory_backend!r}; one of {sorted(MEMORY_BACKENDS)}")
        self.memory_backend = memory_backend
        self._files: dict[Path, tuple[list[dict[str, Any]], list[ToolSpec]] | str] = {}

    def folder_for(self, question: QuestionFile) -> Path | None:
        own = question.path.parent / FUNC_DOC_DIR
        if own.is_dir():
            return own
        parent = question.path.parent.parent
        siblings = sorted((p / FUNC_DOC_DIR for p in parent.iterdir() if p.is_dir()), reverse=True)
        return next((folder for folder in siblings if folder.is_dir()), None)

    def file_stem(self, class_name: str) -> str | None:
        if class_name == "MemoryAPI":
            return self.memory_backend
        if class_name.startswith("MemoryAPI_"):  # MemoryAPI_kv, MemoryAPI_vector, MemoryAPI_rec_sum
            return "memory_" + class_name.removeprefix("MemoryAPI_")
        return CLASS_FUNC_DOCS.get(class_name)

    def functions(self, folder: Path, class_name: str) -> tuple[list[dict[str, Any]], list[ToolSpec], str]:
        """The function docs of one class, their ToolSpecs (built once per file: every multi-turn record of a class
        shares them) and the file they came from; raises LookupError with a reason."""
        stem = self.file_stem(class_name)
        if stem is None:
            raise LookupError(f"unknown class {class_name!r}; known: {', '.join(sorted(CLASS_FUNC_DOCS))}")
        path = folder / f"{stem}.json"
        if path not in self._files:
            self._files[path] = self._read(path)
        loaded = self._files[path]
        if isinstance(loaded, str):
            raise LookupError(loaded)
        return loaded[0], loaded[1], f"{folder.name}/{path.name}"

    @staticmethod
    def _read(path: Path) -> tuple[list[dict[str, Any]], list[ToolSpec]] | str:
        if not path.is_file():
            return f"func doc file {path.name} is missing"
        docs = []
        for line in read_json_lines(path):
            if (
                line.error is not None
                or line.unencodable
                or not isinstance(line.value, dict)
                or not isinstance(line.value.get("name"), str)
            ):
                return f"{path.name} line {line.number} is not a function doc ({line.error or 'no name'})"
            if "parameters" in line.value and not isinstance(line.value["parameters"], dict):
                return f"{path.name} line {line.number}: 'parameters' is not an object"
            docs.append(line.value)
        return docs, [tool_spec(doc) for doc in docs]


def tool_spec(function: dict[str, Any]) -> ToolSpec:
    """A BFCL function schema as a ToolSpec with JSON Schema parameters (BFCL's "dict", "float", ... repaired)."""
    description = function.get("description", "")
    return ToolSpec(
        name=function["name"],
        description=description if isinstance(description, str) else str(description),
        parameters=normalize_parameters(function.get("parameters", {})),
    )
