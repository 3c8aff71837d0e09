"""Agreement and speed: BFCL's own ast_checker against curation/scoring/check.py on the same rows.

BFCL's checker runs in its own environment (`.venv-bfcl`, built by scripts/setup_bfcl_env.sh: bfcl-eval pins
numpy 1.26 and imports every provider SDK) in a subprocess; ours runs here. The rows (benchmarks/bfcl_rows.py) are
the ground truth of every BFCL AST record and wrong or reworded outputs built from it. Both sides time only the
checking loop, in CPU time of its own process, in alternating rounds (best of --rounds each), so that other
work on the machine skews neither side. Prints the agreement, every disagreement grouped by its explanation, and
the speed ratio. Exit status 1 when a disagreement has no explanation below.

    bash scripts/setup_bfcl_env.sh && .venv/bin/python benchmarks/bfcl_agreement.py [--data DIR] [--limit N]

Every disagreement on these rows has an explanation in EXPLANATIONS (a predicate on the row and a reason); a row
without one makes the exit status 1. On bfcl-eval 2026.3.23's data all of them are rows where BFCL is wrong:
* greedy matching (we: exact, BFCL: wrong): BFCL gives each expected parallel call, in order, the first candidate
  that fits; when an earlier answer also accepts a later answer's only candidate (the built greedy_trap rows, and
  real answers with overlapping alternatives such as parallel_178's dates) a correct output fails.
* int in a list of floats (we: exact, BFCL: wrong): BFCL converts int to float only at the top level; its nested
  type check then rejects [1, 2] for [1.0, 2.0].
* Java String arrays (we: exact, BFCL: wrong): BFCL's Java converter keeps the quotes of each String element
  ('"-v"'), so no correctly written String[] equals its answer (simple_java_35, 78, 83, 85, 86, 89, 90, 91).
* a bare value in a dict answer (we: exact, BFCL: wrong): simple_java_64 writes {"format": "epoch_millis"}
  instead of {"format": ["epoch_millis"]}; BFCL iterates the characters of the string.
* [] for a parameter whose answer is only "" (we: wrong, BFCL: exact): BFCL's list_checker "standardizes" every
  acceptable value as a list, and the omit marker "" becomes []; the answer says "leave it out", not "pass []".
* a bool for an int inside a list (we: wrong, BFCL: exact): Python's True == 1 inside BFCL's `in` test.
"""

from __future__ import annotations

import argparse
import gc
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

# Runs inside .venv-bfcl: BFCL's ast_checker on every row, once per "run" line on stdin, timed over the loop only
# (CPU time); answers with the seconds, and with the verdicts after the first run.
BFCL_WORKER = r"""
import json, sys, time
from bfcl_eval.constants.enums import Language
from bfcl_eval.eval_checker.ast_eval.ast_checker import ast_checker
rows = [json.loads(line) for line in open(sys.argv[1])]
languages = {"python": Language.PYTHON, "java": Language.JAVA, "javascript": Language.JAVASCRIPT}
out = sys.__stdout__
print("ready", file=out, flush=True)
import gc
for command in sys.stdin:
    verdicts = []
    gc.disable()
    start = time.process_time()
    for row in rows:
        try:
            result = ast_checker(row["functions"], row["output"], row["possible_answer"],
                                 languages[row["language"]], row["category"], row["model"])
            verdicts.append([bool(result["valid"]), result.get("error_type", "")])
        except Exception as error:
            verdicts.append([None, f"crash: {type(error).__name__}: {error}"[:300]])
    seconds = time.process_time() - start
    gc.enable()
    print(json.dumps({"seconds": seconds, "verdicts": verdicts}), file=out, flush=True)
"""


class BfclWorker:
    """BFCL's checker in its own environment, kept running so that rounds of ours and theirs can alternate."""

    def __init__(self, rows: list[Row], folder: Path) -> None:
        rows_path = folder / "rows.jsonl"
        with rows_path.open("w") as handle:
            for row in rows:
                handle.write(json.dumps(row.for_bfcl()) + "\n")
        self.process = subprocess.Popen(
            [str(BFCL_PYTHON), "-c", "import sys; sys.stdout = sys.stderr\n" + BFCL_WORKER, str(rows_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # BFCL prints from its import-time model registry
            text=True,
        )
        assert self.process.stdout is not None
        ready = self.process.stdout.readline().strip()
        if ready != "ready":
            raise RuntimeError(f"BFCL's checker did not start ({ready!r})")

    def run(self) -> tuple[float, list[tuple[bool | None, str]]]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("run\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        return answer["seconds"], [(v[0], v[1]) for v in answer["verdicts"]]

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)


def prepare_ours(rows: list[Row]) -> list[tuple[Any, ...]]:
    """Inputs for our checker, built before the clock starts like BFCL's: the calls as ToolCall records (what the
    pipeline's candidates hold) and each record's tool index (built once per task in the score step)."""
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
    return prepared


def run_ours(prepared: list[tuple[Any, ...]]) -> tuple[float, list[tuple[bool, str]]]:
    gc.disable()  # as timeit does, on both sides: a collection pause lands on whichever loop is running
    start = time.process_time()
    results = [check_calls(calls, answer, tools, option) for calls, answer, tools, option in prepared]
    seconds = time.process_time() - start
    gc.enable()
    return seconds, [(result.exact, result.error_type.value if result.error_type else "") for result in results]


def measure(rows: list[Row], rounds: int) -> tuple[float, list[tuple[bool, str]], float, list[tuple[bool | None, str]]]:
    """Best CPU time of each side over alternating rounds (ours, BFCL's, ours, ...), and each side's verdicts."""
    prepared = prepare_ours(rows)
    with tempfile.TemporaryDirectory() as folder:
        worker = BfclWorker(rows, Path(folder))
        try:
            ours_best = theirs_best = float("inf")
            ours: list[tuple[bool, str]] = []
            theirs: list[tuple[bool | None, str]] = []
            for _ in range(rounds):
                seconds, ours = run_ours(prepared)
                ours_best = min(ours_best, seconds)
                seconds, theirs = worker.run()
                theirs_best = min(theirs_best, seconds)
        finally:
            worker.close()
    return ours_best, ours, theirs_best, theirs


def _pair_fits(row: Row, call: dict[str, Any], answer: dict[str, Any]) -> bool:
    assert row.record is not None
    ((name, args),) = call.items()
    options = CheckOptions(language=language(row.category), dots_to_underscores=row.underscore_names)  # type: ignore[arg-type]
    return check_calls([ToolCall(name=name, arguments=args)], [answer], row.record.tools, options).exact


def bfcl_greedy_fails(row: Row) -> bool:
    """BFCL's matching of parallel calls: each expected call, in order, takes the first free candidate that fits.
    True when that strands an expected call although our one-to-one assignment found a match for every one."""
    free = list(range(len(row.output)))
    for answer in row.possible_answer:
        taken = next((i for i in free if _pair_fits(row, row.output[i], answer)), None)
        if taken is None:
            return True
        free.remove(taken)
    return False


def _arguments_and_answers(row: Row) -> list[tuple[str, Any, list[Any], dict[str, Any]]]:
    """(parameter, value, acceptable values, BFCL schema of the parameter) for every argument of every call."""
    schemas = {f["name"]: f.get("parameters", {}).get("properties", {}) for f in row.functions}
    found = []
    for call in row.output:
        ((name, args),) = call.items()
        answers = next((a[name] for a in row.possible_answer if name in a), {})
        for parameter, value in args.items():
            found.append((parameter, value, answers.get(parameter, []), schemas.get(name, {}).get(parameter, {})))
    return found


def empty_list_for_omitted(row: Row) -> bool:
    """An empty list where the answer only allows leaving the parameter out ([""]): BFCL's list_checker
    "standardizes" the omit marker "" by iterating its characters, which gives [], so [] passes."""
    return any(
        value == [] and "" in answers and [] not in answers for _, value, answers, _ in _arguments_and_answers(row)
    )


def java_string_array(row: Row) -> bool:
    """A Java String[] / ArrayList<String>: BFCL's converter keeps the quotes of each element ('"a"'), so no
    correctly written string array can equal its answer. BFCL can never pass these."""
    return row.category == "simple_java" and any(
        schema.get("type") in ("Array", "ArrayList") and schema.get("items", {}).get("type") in ("String", "char")
        for _, value, _, schema in _arguments_and_answers(row)
        if isinstance(value, str) and '"' in value
    )


def bare_value_in_pattern(row: Row) -> bool:
    """A dict answer written {"key": value} instead of {"key": [values]} (simple_java_64): BFCL iterates the
    characters of the string value and cannot match. We read a bare value as the one acceptable value."""

    def bare(value: Any) -> bool:
        if isinstance(value, dict):
            return any(not isinstance(v, list) or any(bare(x) for x in v) for v in value.values())
        if isinstance(value, list):
            return any(bare(x) for x in value)
        return False

    return any(
        bare(acceptable) for call in row.possible_answer for params in call.values() for acceptable in params.values()
    )


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

    return any(walk(value, answers) for _, value, answers, _ in _arguments_and_answers(row))


# (our verdict, BFCL's verdict, predicate) -> explanation. A disagreement must match one, else it is unexplained.
EXPLANATIONS: list[tuple[bool, bool, Callable[[Row], bool], str]] = [
    (True, False, bfcl_greedy_fails, "BFCL matches parallel calls greedily and strands one (BFCL wrong)"),
    (
        True,
        False,
        lambda row: row.kind == "int_for_float_nested",
        "int inside a list of floats: BFCL converts ints only at the top level (BFCL wrong)",
    ),
    (True, False, java_string_array, "Java String arrays keep their element quotes in BFCL (BFCL wrong)"),
    (True, False, bare_value_in_pattern, "a bare value in a dict answer: BFCL iterates its characters (BFCL wrong)"),
    (
        False,
        True,
        empty_list_for_omitted,
        '[] where the answer only allows leaving it out: BFCL reads "" as [] (BFCL wrong)',
    ),
    (False, True, _has_nested_bool_int, "Python's True == 1 lets BFCL accept a bool for an int in a list (BFCL wrong)"),
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
    parser.add_argument("--rounds", type=int, default=5, help="alternating timed rounds per side; the best counts")
    args = parser.parse_args()
    if not BFCL_PYTHON.exists():
        print(f"BFCL's checker is not installed: run `bash scripts/setup_bfcl_env.sh` ({BFCL_PYTHON} missing)")
        return 0
    data = args.data or bfcl_data_dir()
    rows = build_rows(ast_records(data))[: args.limit]
    our_seconds, ours, bfcl_seconds, theirs = measure(rows, args.rounds)

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
        f"speed, all rows: ours {len(rows) / our_seconds:,.0f} checks/s, BFCL {len(rows) / bfcl_seconds:,.0f} "
        f"checks/s, ratio {bfcl_seconds / our_seconds:.2f}x"
    )
    # Most rows above are wrong on purpose; a model's real outputs are mostly right. Right ones on their own:
    right = [row for row in rows if row.kind in ("ground_truth", "reversed_calls", "string_variant")]
    our_seconds, _, bfcl_seconds, _ = measure(right, args.rounds)
    print(
        f"speed, right outputs ({len(right)} rows: ground truth, reordered, reworded): ours "
        f"{len(right) / our_seconds:,.0f} checks/s, BFCL {len(right) / bfcl_seconds:,.0f} checks/s, "
        f"ratio {bfcl_seconds / our_seconds:.2f}x"
    )
    return 1 if unexplained else 0


if __name__ == "__main__":
    raise SystemExit(main())
