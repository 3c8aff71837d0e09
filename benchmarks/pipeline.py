"""The non-model pipeline end to end (ingest -> format, perturb sampler) on generated APIGen trajectories.

    .venv/bin/python benchmarks/pipeline.py                    # 10K and 100K trajectories
    .venv/bin/python benchmarks/pipeline.py --sizes 1000 10000 --keep /tmp/bench

For each size: trajectories are generated in APIGen's native format (xlam-function-calling-60k: one JSON array
of {id, query, answers, tools} with JSON strings inside) into a temporary folder, and the demo recipe's steps run
on them in a fresh process: wall seconds, the process's peak RSS, and every step's seconds from its stats.json.
Targets (issue 5): 100K trajectories in <= 60 s and <= 2 GB on a 2-core machine, time growing no worse than
linearly.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEMO_BFCL = REPO / "curation" / "demo_data" / "bfcl"

_TOPICS = tuple(
    [
        "weather",
        "city",
        "forecast",
        "temperature",
        "rain",
        "wind",
        "hotel",
        "flight",
        "booking",
        "price",
        "stock",
        "market",
        "exchange",
        "currency",
        "recipe",
        "calories",
        "movie",
        "ticket",
        "restaurant",
        "table",
        "email",
        "calendar",
        "meeting",
        "invoice",
        "shipment",
        "order",
        "tracking",
        "translation",
        "language",
        "population",
        "country",
        "capital",
        "distance",
        "route",
        "traffic",
        "news",
        "article",
        "sports",
        "score",
    ]
)
_VERBS = ("get", "find", "search", "list", "create", "update", "compute", "convert", "check", "book")
_CITIES = ("Paris", "Lisbon", "Tokyo", "Nairobi", "Lima", "Oslo", "Denver", "Hanoi", "Cairo", "Perth")
_TYPES = ("str", "int", "float", "bool", "List[str]", "str, optional", "int, optional")


def _tool(rng: random.Random, index: int) -> dict[str, Any]:
    topic, other = rng.sample(_TOPICS, 2)
    params: dict[str, Any] = {}
    for k in range(rng.randint(1, 5)):
        kind = rng.choice(_TYPES)
        param: dict[str, Any] = {"description": f"The {rng.choice(_TOPICS)} {k} of the request.", "type": kind}
        if kind.endswith("optional"):
            param["default"] = 0 if kind.startswith("int") else "auto"
        params[f"{rng.choice(_TOPICS)}_{k}"] = param
    return {
        "name": f"{rng.choice(_VERBS)}_{topic}_{other}_{index}",
        "description": f"{rng.choice(_VERBS).capitalize()} the {topic} {other} for a user request.",
        "parameters": params,
    }


def _value(rng: random.Random, kind: str) -> Any:
    base = kind.split(",")[0]
    if base == "int":
        return rng.randint(1, 500)
    if base == "float":
        return round(rng.uniform(0, 100), 2)
    if base == "bool":
        return rng.random() < 0.5
    if base == "List[str]":
        return rng.sample(_CITIES, rng.randint(1, 3))
    return rng.choice(_CITIES) if rng.random() < 0.5 else f"{rng.choice(_TOPICS)} {rng.randint(1, 99)}"


def generate_apigen(count: int, path: Path, seed: int = 0) -> None:
    """``count`` APIGen records with 1-4 tools each (from a pool of 400) and 1-3 calls (parallel ones included)."""
    rng = random.Random(seed)
    pool = [_tool(rng, i) for i in range(400)]
    records = []
    for number in range(count):
        tools = rng.sample(pool, rng.randint(1, 4))
        calls = []
        for tool in rng.choices(tools, k=rng.choice((1, 1, 1, 2, 3))):
            arguments = {
                name: _value(rng, spec["type"])
                for name, spec in tool["parameters"].items()
                if not spec["type"].endswith("optional") or rng.random() < 0.4
            }
            calls.append({"name": tool["name"], "arguments": arguments})
        words = " ".join(rng.choices(_TOPICS, k=rng.randint(4, 14)))
        query = f"Request {number}: please {calls[0]['name'].replace('_', ' ')} about {words} in {rng.choice(_CITIES)}."
        records.append({"id": number, "query": query, "answers": json.dumps(calls), "tools": json.dumps(tools)})
    path.write_text(json.dumps(records), encoding="utf-8")


RECIPE = """
name: bench
steps:
  - step: ingest
    config:
      sources: [{{source: apigen, paths: ["{data}"]}}]
  - step: segment
  - step: validate
  - step: decontaminate
    config:
      references: [{{kind: bfcl, paths: ["{bfcl}"]}}]
  - step: sample
    config:
      policies:
        - {{name: perturb-a, backend: perturb, model: perturb, n: 3, seed: 0}}
        - {{name: perturb-b, backend: perturb, model: perturb, n: 2, seed: 1}}
  - step: score
  - step: difficulty
  - step: pair
  - step: balance
    config: {{target_size: 30000, validation_size: 500}}
  - step: format
"""


def child(recipe: Path, workspace: Path) -> None:
    """Run the recipe in this process and print, as JSON: wall and CPU seconds, peak RSS of this process (workers
    hold one batch each), and per step its stats (fused steps share one pass: their wall seconds are the pass's,
    and cpu_seconds is the step's own CPU summed over the processes that ran it)."""
    import curation.pipeline as pipeline
    from curation.parallel import worker_count
    from curation.workspace import Workspace

    started, started_cpu = time.perf_counter(), time.process_time()
    results = pipeline.run_plan(pipeline.plan_recipe(recipe, Workspace(workspace)))
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - started_cpu
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    steps = []
    for result in results:
        entry = {key: result.stats.get(key) for key in ("step", "in", "out", "rejected", "rows_out", "seconds")}
        entry["fused"] = result.stats.get("fused", [])
        entry["cpu"] = result.stats.get("cpu_seconds")
        steps.append(entry)
    summary = {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_rss_mib": peak_kib / 1024,
        "steps": steps,
        "workers": worker_count(),
    }
    print(json.dumps(summary))


def recipe_until(last_step: str | None) -> str:
    """The benchmark recipe, cut after ``last_step`` (to measure the streaming steps at sizes where a global
    step would not fit in memory)."""
    if last_step is None:
        return RECIPE
    lines = RECIPE.splitlines(keepends=True)
    marker = next((i for i, line in enumerate(lines) if line.strip() == f"- step: {last_step}"), None)
    if marker is None:
        raise SystemExit(f"--until {last_step}: no such step in the benchmark recipe")
    end = next((i for i in range(marker + 1, len(lines)) if lines[i].strip().startswith("- step:")), len(lines))
    return "".join(lines[:end])


def tree_rss_kib(root: int) -> int:
    """Resident memory of a process and all its descendants, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total


def measure(size: int, folder: Path, last_step: str | None = None) -> dict[str, Any]:
    data = folder / f"apigen_{size}.json"
    started = time.perf_counter()
    generate_apigen(size, data)
    generated = time.perf_counter() - started
    recipe = folder / f"bench_{size}.yaml"
    recipe.write_text(recipe_until(last_step).format(data=data, bfcl=DEMO_BFCL), encoding="utf-8")
    workspace = folder / f"ws_{size}"
    command = [sys.executable, __file__, "--child", str(recipe), str(workspace)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True, env=env, cwd=REPO)
        tree_peak = 0
        while process.poll() is None:  # the whole process tree: the runner, its forkserver and the workers
            tree_peak = max(tree_peak, tree_rss_kib(process.pid))
            time.sleep(0.2)
        out.seek(0)
        err.seek(0)
        if process.returncode:
            raise SystemExit(f"the benchmark run failed:\n{err.read()[-4000:]}")
        result: dict[str, Any] = json.loads(out.read().strip().splitlines()[-1])
    result["tree_peak_rss_mib"] = tree_peak / 1024
    result["size"] = size
    result["generate_seconds"] = generated
    result["input_mib"] = data.stat().st_size / 2**20
    return result


def report(results: list[dict[str, Any]]) -> None:
    print(f"\ncores: {os.cpu_count()}  python: {sys.version.split()[0]}  load average: {os.getloadavg()[0]:.1f}")
    for result in results:
        print(
            f"\n{result['size']:>7,} trajectories ({result['input_mib']:.1f} MiB input, generated in "
            f"{result['generate_seconds']:.1f} s): {result['seconds']:.1f} s wall, {result['cpu_seconds']:.1f} s CPU "
            f"in the main process ({result['workers']} workers), peak RSS {result['peak_rss_mib']:.0f} MiB "
            f"(all processes together: {result['tree_peak_rss_mib']:.0f} MiB)"
        )
        print(f"  {'step':<14}{'in':>9}{'out':>9}{'rows out':>10}{'wall s':>8}{'cpu s':>8}  pass")
        for step in result["steps"]:
            fused = step["fused"]
            position = next((i for i, label in enumerate(fused, 1) if label.endswith(f"_{step['step']}")), 0)
            shared = f"fused {position}/{len(fused)}" if fused else "alone"
            cpu = f"{step['cpu']:>8.1f}" if step["cpu"] is not None else f"{'':>8}"
            print(
                f"  {step['step']:<14}{step['in']:>9,}{step['out']:>9,}{step['rows_out']:>10,}{step['seconds']:>8.1f}"
                f"{cpu}  {shared}"
            )
        print("  wall s: a fused step shows the wall time of its whole pass; cpu s: its own CPU over all processes")
    if len(results) >= 2:
        small, large = results[0], results[-1]
        ratio = large["size"] / small["size"]
        wall = large["seconds"] / small["seconds"]
        rss = large["tree_peak_rss_mib"] / small["tree_peak_rss_mib"]
        print(f"\ngrowth {small['size']:,} -> {large['size']:,} (x{ratio:.0f}): wall x{wall:.1f}, peak RSS x{rss:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--keep", type=Path, help="keep inputs and run folders here (default: a temporary folder)")
    parser.add_argument("--until", metavar="STEP", help="stop after this step (e.g. pair)")
    parser.add_argument("--child", nargs=2, metavar=("RECIPE", "WORKSPACE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        results = [measure(size, args.keep, args.until) for size in args.sizes]
    else:
        with tempfile.TemporaryDirectory(prefix="toolpref-bench-") as folder:
            results = [measure(size, Path(folder), args.until) for size in args.sizes]
    report(results)


if __name__ == "__main__":
    main()
