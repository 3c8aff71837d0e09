"""Agreement and speed: BFCL's own ast_checker against curation/scoring/check.py on the same rows.

BFCL's checker runs in its own environment (`.venv-bfcl`, built by scripts/setup_bfcl_env.sh: bfcl-eval pins
numpy 1.26 and imports every provider SDK) in a subprocess; ours runs here. The rows (benchmarks/bfcl_rows.py) are
the ground truth of every BFCL AST record and wrong or reworded outputs built from it. Both sides time only the
checking loop, in CPU time of its own process (best of --repeat runs), so that other work on the machine
skews neither side. Prints the agreement, every disagreement grouped by its explanation, and
the speed ratio. Exit status 1 when a disagreement has no explanation below.

    bash scripts/setup_bfcl_env.sh && .venv/bin/python benchmarks/bfcl_agreement.py [--data DIR] [--limit N]

Every disagreement on these rows, and why (EXPLANATIONS holds them as code):
* greedy_trap (we: exact, BFCL: wrong). The answer for call 1 also accepts call 2's value and the candidates
  come in the order that makes BFCL's greedy matching give call 2 to answer 1; a one-to-one assignment exists.
  BFCL is wrong: the issue asks for an assignment.
* int_for_float_nested (we: exact, BFCL: wrong). Integers in a list of floats: BFCL converts an int to float only
  at the top level, its one-level nested type check then rejects it. We accept an int wherever a number is
  expected, as the issue asks.
* bool_for_int in a list / int_for_bool (we: wrong, BFCL: exact) when Python's True == 1 makes BFCL's `in` test
  accept a bool for an int inside lists, or a value is compared after BFCL's variable rule. We never equate a
  bool and a number.
* BFCL crashes (KeyError on a type name its tables do not know, e.g. a Python "number" or a missing "items";
  NotImplementedError for Java Set/Queue; a pattern whose value is not a list, e.g. simple_java_64 {"format":
  "epoch_millis"}, makes BFCL iterate the characters of the string). No verdict from BFCL: counted apart.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bfcl_rows import Row, ast_records, bfcl_data_dir, build_rows, language  # noqa: E402

from curation.schema import ToolCall  # noqa: E402
from curation.scoring.check import CheckOptions, check_calls  # noqa: E402

BFCL_PYTHON = ROOT / ".venv-bfcl" / "bin" / "python"

# Runs inside .venv-bfcl: BFCL's ast_checker on every row, timed over the loop only.
BFCL_WORKER = r"""
import json, sys, time
from bfcl_eval.constants.enums import Language
from bfcl_eval.eval_checker.ast_eval.ast_checker import ast_checker
rows = [json.loads(line) for line in open(sys.argv[1])]
repeat = int(sys.argv[3])
languages = {"python": Language.PYTHON, "java": Language.JAVA, "javascript": Language.JAVASCRIPT}
best = float("inf")
for _ in range(repeat):
    verdicts = []
    start = time.process_time()
    for row in rows:
        try:
            result = ast_checker(row["functions"], row["output"], row["possible_answer"],
                                 languages[row["language"]], row["category"], row["model"])
            verdicts.append([bool(result["valid"]), result.get("error_type", "")])
        except Exception as error:
            verdicts.append([None, f"crash: {type(error).__name__}: {error}"[:300]])
    best = min(best, time.process_time() - start)
json.dump({"seconds": best, "verdicts": verdicts}, open(sys.argv[2], "w"))
"""


def run_bfcl(rows: list[Row], repeat: int) -> tuple[float, list[tuple[bool | None, str]]]:
    with tempfile.TemporaryDirectory() as folder:
        rows_path, result_path = Path(folder) / "rows.jsonl", Path(folder) / "verdicts.json"
        with rows_path.open("w") as handle:
            for row in rows:
                handle.write(json.dumps(row.for_bfcl()) + "\n")
        subprocess.run(
            [str(BFCL_PYTHON), "-c", BFCL_WORKER, str(rows_path), str(result_path), str(repeat)],
            check=True,
            stdout=subprocess.DEVNULL,  # BFCL prints from its import-time model registry
        )
        result = json.loads(result_path.read_text())
    return result["seconds"], [(v[0], v[1]) for v in result["verdicts"]]


def run_ours(rows: list[Row], repeat: int) -> tuple[float, list[tuple[bool, str]]]:
    """Our checker on every row. Like BFCL's side, inputs are built before the clock starts: the calls as
    ToolCall records (what the pipeline's candidates hold) and each record's tool index (built once per task)."""
    options = {
        (lang, underscore): CheckOptions(language=lang, dots_to_underscores=underscore)  # type: ignore[arg-type]
        for lang in ("python", "java", "javascript")
        for underscore in (False, True)
    }
    tools_of: dict[str, dict[str, Any]] = {}
    prepared = []
    for row in rows:
        assert row.record is not None
        calls = [ToolCall(name=name, arguments=args) for item in row.output for name, args in item.items()]
        tools = tools_of.setdefault(row.id, {tool.name: tool for tool in row.record.tools})
        prepared.append((calls, row.possible_answer, tools, options[(language(row.category), row.underscore_names)]))
    best = float("inf")
    verdicts: list[tuple[bool, str]] = []
    for _ in range(repeat):
        start = time.process_time()
        results = [check_calls(calls, answer, tools, option) for calls, answer, tools, option in prepared]
        best = min(best, time.process_time() - start)
        verdicts = [(result.exact, result.error_type.value if result.error_type else "") for result in results]
    return best, verdicts


def _has_nested_bool_int(row: Row) -> bool:
    """A bool where the answer has an int (or the reverse) inside a list, where Python's True == 1 decides."""

    def walk(value: Any, answers: Any) -> bool:
        if isinstance(value, list) and isinstance(answers, list):
            for candidate in answers:
                if isinstance(candidate, list) and len(candidate) == len(value):
                    for item, expected in zip(value, candidate, strict=True):
                        if isinstance(item, bool) != isinstance(expected, bool) and item == expected:
                            return True
        return False

    ((_name, args),) = row.output[0].items()
    answer = next(iter(row.possible_answer[0].values()))
    return any(walk(value, answer.get(param, [])) for param, value in args.items())


# (our verdict, BFCL's verdict, predicate) -> explanation. A disagreement must match one, else it is unexplained.
EXPLANATIONS: list[tuple[bool, bool, Callable[[Row], bool], str]] = [
    (True, False, lambda row: row.kind == "greedy_trap", "BFCL matches parallel calls greedily (BFCL wrong)"),
    (
        True,
        False,
        lambda row: row.kind == "int_for_float_nested",
        "int inside a list of floats: BFCL converts ints only at the top level (BFCL wrong)",
    ),
    (
        False,
        True,
        _has_nested_bool_int,
        "Python's True == 1 lets BFCL accept a bool for an int inside a list (BFCL wrong)",
    ),
]


def explain(row: Row, ours: bool, theirs: bool) -> str | None:
    for our_verdict, their_verdict, predicate, text in EXPLANATIONS:
        if ours == our_verdict and theirs == their_verdict and predicate(row):
            return text
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="BFCL data folder (default: bfcl-eval's own data)")
    parser.add_argument("--limit", type=int, default=None, help="use the first N rows")
    parser.add_argument("--repeat", type=int, default=3, help="time the best of this many runs")
    args = parser.parse_args()
    if not BFCL_PYTHON.exists():
        print(f"BFCL's checker is not installed: run `bash scripts/setup_bfcl_env.sh` ({BFCL_PYTHON} missing)")
        return 0
    data = args.data or bfcl_data_dir()
    rows = build_rows(ast_records(data))[: args.limit]
    bfcl_seconds, theirs = run_bfcl(rows, args.repeat)
    our_seconds, ours = run_ours(rows, args.repeat)

    crashes = [i for i, (verdict, _) in enumerate(theirs) if verdict is None]
    compared = [i for i, (verdict, _) in enumerate(theirs) if verdict is not None]
    agree = [i for i in compared if theirs[i][0] == ours[i][0]]
    explained: defaultdict[str, list[int]] = defaultdict(list)
    unexplained: list[int] = []
    for i in compared:
        if theirs[i][0] != ours[i][0]:
            reason = explain(rows[i], ours[i][0], bool(theirs[i][0]))
            (explained[reason] if reason else unexplained).append(i)

    print(f"data: {data}")
    print(f"rows: {len(rows)} ({len({row.id for row in rows})} BFCL records); BFCL crashed on {len(crashes)}")
    print(f"agreement: {len(agree)}/{len(compared)} = {len(agree) / max(len(compared), 1):.2%} of the rows BFCL judged")
    for reason, indices in sorted(explained.items()):
        kinds = Counter(rows[i].kind for i in indices)
        print(f"  explained ({len(indices)}): {reason}; kinds {dict(kinds)}")
    for i in unexplained:
        row = rows[i]
        print(f"  UNEXPLAINED row {i} {row.id} [{row.kind}] ours={ours[i]} bfcl={theirs[i]} output={row.output}")
    if crashes:
        reasons = Counter(theirs[i][1].split(":")[1].strip() for i in crashes)
        print(f"  BFCL crashes by exception: {dict(reasons)}; ours exact on {sum(ours[i][0] for i in crashes)} of them")
    print(
        f"speed: ours {len(rows) / our_seconds:,.0f} checks/s, BFCL {len(rows) / bfcl_seconds:,.0f} checks/s, "
        f"ratio {bfcl_seconds / our_seconds:.2f}x"
    )
    return 1 if unexplained else 0


if __name__ == "__main__":
    raise SystemExit(main())
