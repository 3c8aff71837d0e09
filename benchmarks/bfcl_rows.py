"""BFCL-shaped rows for the scorer benchmarks: ground-truth outputs and wrong outputs built from them.

A row is one model output for one BFCL AST record, in BFCL's decoded form (``[{"fn": {"arg": value}}]``; for
the Java and JavaScript categories every argument is source text, as BFCL's decoder returns it), with the kind of
change that made it. The changes cover every rule of the checker: values, types, required / optional / unknown
parameters, function names, call counts, duplicates, call order, string normalisation, nested dicts, and
possible answers that greedy matching gets wrong. Deterministic (seeded).

Run it to print how many rows of each kind a data folder gives:
    .venv/bin/python benchmarks/bfcl_rows.py [BFCL_DIR]
"""

from __future__ import annotations

import copy
import json
import random
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from curation.schema import Reject  # noqa: E402
from curation.sources.bfcl import BfclRecord, ground_truth_calls, load_bfcl  # noqa: E402
from curation.sources.bfcl_files import AST_CATEGORIES  # noqa: E402

SHARED_BFCL = ROOT.parent / "shared" / "sources" / "bfcl" / "v4"
# BFCL's model registry entries used to run its checker: one without and one with the "." -> "_" name rewrite.
BFCL_MODEL = "gorilla-openfunctions-v2"
BFCL_UNDERSCORE_MODEL = "gpt-5-mini-2025-08-07-FC"


@dataclass
class Row:
    index: int
    id: str
    category: str
    kind: str
    output: list[dict[str, dict[str, Any]]]
    functions: list[dict[str, Any]]  # BFCL's schemas as in the file (BFCL type names)
    possible_answer: list[dict[str, dict[str, list[Any]]]]
    underscore_names: bool = False
    record: BfclRecord | None = field(default=None, repr=False)

    def for_bfcl(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "category": self.category,
            "language": language(self.category),
            "model": BFCL_UNDERSCORE_MODEL if self.underscore_names else BFCL_MODEL,
            "functions": self.functions,
            "possible_answer": self.possible_answer,
            "output": self.output,
        }


def language(category: str) -> str:
    return {"simple_java": "java", "simple_javascript": "javascript"}.get(category, "python")


def bfcl_data_dir() -> Path:
    """The full BFCL data shipped in bfcl-eval when its environment exists, else the shared sample."""
    for candidate in sorted((ROOT / ".venv-bfcl").glob("lib/python*/site-packages/bfcl_eval/data")):
        if candidate.is_dir():
            return candidate
    return SHARED_BFCL


def ast_records(root: Path) -> list[BfclRecord]:
    return [r for r in load_bfcl(root) if not isinstance(r, Reject) and r.category in AST_CATEGORIES]


def build_rows(records: list[BfclRecord], seed: int = 0) -> list[Row]:
    rng = random.Random(seed)
    rows: list[Row] = []
    for record in records:
        calls = ground_truth_calls(record)
        if not calls:  # BFCL answers with a parameter that has no acceptable value at all: no reference call
            continue
        gt = [{call.name: dict(call.arguments)} for call in calls]
        for kind, output, underscore, answer in _variants(record, gt, rng):
            if language(record.category) != "python":
                output = [_as_source(call, record) for call in output]
            rows.append(
                Row(
                    index=len(rows),
                    id=record.id,
                    category=record.category,
                    kind=kind,
                    output=output,
                    functions=copy.deepcopy(list(record.raw_functions)),
                    possible_answer=copy.deepcopy(answer if answer is not None else list(record.possible_answer or [])),
                    underscore_names=underscore,
                    record=record,
                )
            )
    return rows


Variant = tuple[str, list[dict[str, dict[str, Any]]], bool, list[dict[str, Any]] | None]


def _variants(record: BfclRecord, gt: list[dict[str, dict[str, Any]]], rng: random.Random) -> Iterator[Variant]:
    yield "ground_truth", gt, False, None
    schemas = {f["name"]: f.get("parameters", {}) for f in record.raw_functions}
    first_name, first_args = next(iter(gt[0].items()))
    properties = schemas.get(first_name, {}).get("properties", {})
    required = set(schemas.get(first_name, {}).get("required", []))

    def with_first(args: dict[str, Any], name: str | None = None) -> list[dict[str, dict[str, Any]]]:
        return [{name or first_name: args}, *copy.deepcopy(gt[1:])]

    params = list(first_args)
    if params:
        param = rng.choice(params)
        value = first_args[param]
        yield "wrong_value", with_first({**first_args, param: _wrong_value(value)}), False, None
        if isinstance(value, str) and value:
            yield "string_variant", with_first({**first_args, param: _string_variant(value)}), False, None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            yield "number_as_string", with_first({**first_args, param: str(value)}), False, None
        if isinstance(value, float) and value.is_integer():
            yield "int_for_float", with_first({**first_args, param: int(value)}), False, None
        if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
            yield "bool_for_int", with_first({**first_args, param: bool(value)}), False, None
        if isinstance(value, bool):
            yield "int_for_bool", with_first({**first_args, param: int(value)}), False, None
        if isinstance(value, list) and value and all(isinstance(v, float) and v.is_integer() for v in value):
            yield "int_for_float_nested", with_first({**first_args, param: [int(v) for v in value]}), False, None
        if isinstance(value, dict) and value:
            key = rng.choice(list(value))
            nested = {**value, key: _wrong_value(value[key])}
            yield "nested_wrong_value", with_first({**first_args, param: nested}), False, None
        dropped = {k: v for k, v in first_args.items() if k != param}
        yield ("drop_required" if param in required else "drop_optional"), with_first(dropped), False, None
    yield "unexpected_param", with_first({**first_args, "zz_unexpected": 1}), False, None
    unused = [name for name in properties if name not in first_args and name not in required]
    if unused:
        extra = rng.choice(unused)
        sample = _sample_value(properties[extra])
        yield "add_optional", with_first({**first_args, extra: sample}), False, None
    yield "wrong_name", with_first(dict(first_args), first_name + "_v2"), False, None
    if any("." in name for call in gt for name in call):
        renamed = [{name.replace(".", "_"): args for name, args in call.items()} for call in copy.deepcopy(gt)]
        yield "underscore_names", renamed, True, None
    yield "extra_call", [*copy.deepcopy(gt), copy.deepcopy(gt[0])], False, None
    yield "no_call", [], False, None
    if len(gt) > 1:
        yield "drop_call", copy.deepcopy(gt[:-1]), False, None
        yield "reversed_calls", list(reversed(copy.deepcopy(gt))), False, None
        trap = _greedy_trap(record, gt)
        if trap is not None:
            yield "greedy_trap", trap[0], False, trap[1]


def _wrong_value(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 7
    if isinstance(value, float):
        return value + 7.5
    if isinstance(value, str):
        return value + " extra words"
    if isinstance(value, list):
        return [*value, value[0]] if value else ["surplus"]
    if isinstance(value, dict):
        return {**value, "zz_key": "surplus"}
    return "surplus"


def _string_variant(value: str) -> str:
    """The same string as BFCL's normalisation sees it: other case, punctuation and spacing."""
    swapped = value.swapcase()
    return swapped.replace(" ", "  ") + "." if not swapped.endswith(".") else swapped


def _sample_value(schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if schema.get("enum"):
        return schema["enum"][-1]
    return {"integer": 3, "float": 2.5, "number": 2.5, "boolean": True, "array": [], "dict": {}}.get(kind, "sample")


def _greedy_trap(record: BfclRecord, gt: list[dict[str, dict[str, Any]]]) -> tuple[list[Any], list[Any]] | None:
    """Two calls of one function where the first answer also accepts the second call's value, candidates ordered
    so that taking the first fitting candidate for answer 0 leaves answer 1 without one. An assignment exists."""
    answer = copy.deepcopy(list(record.possible_answer or []))
    for i in range(len(gt)):
        for j in range(len(gt)):
            (name_i, args_i), (name_j, args_j) = next(iter(gt[i].items())), next(iter(gt[j].items()))
            if i == j or name_i != name_j or args_i.keys() != args_j.keys():
                continue
            differing = [p for p in args_i if p in args_j and args_i[p] != args_j[p]]
            if len(differing) != 1:
                continue
            param = differing[0]
            answer_i = answer[i][name_i]
            answer_i[param] = [*answer_i[param], args_j[param]]  # answer i now accepts call j too
            # Greedy visits answer i first only when i comes first; move the pair to the front in that order.
            order = [j, i] + [k for k in range(len(gt)) if k not in (i, j)]
            reordered_answer = [answer[k] for k in ([i, j] + [k for k in range(len(gt)) if k not in (i, j)])]
            return [copy.deepcopy(gt[k]) for k in order], reordered_answer
    return None


# -- Java / JavaScript source text -----------------------------------------------------------------------------


def _as_source(call: dict[str, dict[str, Any]], record: BfclRecord) -> dict[str, dict[str, Any]]:
    ((name, args),) = call.items()
    schema = next((f.get("parameters", {}) for f in record.raw_functions if f["name"] == name), {})
    properties = schema.get("properties", {})
    lang = language(record.category)
    converted = {}
    for param, value in args.items():
        spec = properties.get(param, {})
        items = spec.get("items", {}) if isinstance(spec.get("items"), dict) else {}
        converted[param] = to_source(value, str(spec.get("type", "any")), items.get("type"), lang)
    return {name: converted}


def to_source(value: Any, type_name: str, item_type: str | None, lang: str) -> str:
    """``value`` written as Java / JavaScript source for a parameter of BFCL type ``type_name``."""
    if isinstance(value, str):
        return value  # BFCL's decoder strips the quotes of a top-level string literal; variables stay names
    if lang == "java":
        if type_name == "long" and isinstance(value, int):
            return f"{value}L"
        if type_name == "float" and isinstance(value, (int, float)):
            return f"{float(value)}f"
        if type_name in ("Array", "ArrayList") and isinstance(value, list):
            elements = ", ".join(_java_literal(v) for v in value)
            if type_name == "Array":
                return f"new {_java_type(item_type)}[]{{{elements}}}"
            return f"new ArrayList<>(Arrays.asList({elements}))"
        if type_name == "HashMap" and isinstance(value, dict):
            puts = " ".join(f"put({json.dumps(k)}, {_java_literal(v)});" for k, v in value.items())
            return f"new HashMap<String, Object>() {{{{ {puts} }}}}"
        return _java_literal(value)
    if type_name == "Bigint" and isinstance(value, int):
        return f"{value}n"
    return _js_literal(value)


def _java_type(item_type: str | None) -> str:
    return {"integer": "int", "float": "float", "double": "double", "long": "long", "boolean": "boolean"}.get(
        item_type or "", "String"
    )


def _java_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if value is None:
        return "null"
    return repr(value)


def _js_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(_js_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_js_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else bfcl_data_dir()
    rows = build_rows(ast_records(root))
    print(f"{len(rows)} rows from {root}")
    for kind, count in sorted(Counter(row.kind for row in rows).items()):
        print(f"  {kind:24s} {count}")


if __name__ == "__main__":
    main()
