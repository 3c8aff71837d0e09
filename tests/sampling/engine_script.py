"""Runs the sample step in its own process, for the engine tests (vLLM wants its engine made under __main__, and the
kill-and-resume test needs a process it can SIGKILL).

    python tests/sampling/engine_script.py offline MODEL WORKSPACE OUT.json      (in .venv-vllm; then demo-vllm)
    python tests/sampling/engine_script.py server BASE_URL WORKSPACE OUT.json [--tasks 12 --n 4 --concurrency 2]

Each writes a JSON file with the sampled tasks and the step's counters.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from curation.pipeline import plan_recipe, run_plan
from curation.sampling.base import Policy
from curation.schema import Task
from curation.steps.base import StepContext
from curation.steps.sample import Sample
from curation.workspace import Workspace
from tests.sampling.tasks import many_tasks, sample_tasks, task

# A tiny engine on a 2-core machine: small KV cache, no graph compilation, the engine in this process.
TINY_ENGINE = {
    "dtype": "bfloat16",
    "max_model_len": 2048,
    "kv_cache_memory_bytes": 128 << 20,
    "enforce_eager": True,
    "engine_args": {"distributed_executor_backend": "uni"},
}


def run_sample(step: Sample, tasks: list[Task], workspace: Path) -> dict[str, Any]:
    step.setup(StepContext(workspace=Workspace(workspace), base_dir=workspace, step_dir=workspace / "step"))
    try:
        outcomes = step.process_batch(tasks)
    finally:
        step.teardown()
    return {
        "sampled": [json.loads(record.model_dump_json()) for outcome in outcomes for record in outcome],  # type: ignore[union-attr]
        "counters": step.counters,
    }


def offline(args: argparse.Namespace) -> dict[str, Any]:
    policy = Policy(
        name="tiny", backend="vllm", model=args.target, n=2, max_tokens=12, seed=3, think=False, options=TINY_ENGINE
    )
    # The last task's prompt is longer than the engine's context: it shares its tools with the first task, so it
    # is queued with it, refused, and fails alone as a recorded request error.
    single = sample_tasks()[0]
    too_long = task("too_long", single.tools, "weather " * 3000, single.target.tool_calls)
    tasks = [*sample_tasks(), too_long]
    first = run_sample(Sample(policies=[policy]), tasks, args.workspace)
    # Same workspace: everything comes from the request cache and the engine is never started.
    again = run_sample(Sample(policies=[policy]), tasks, args.workspace)
    # The packaged recipe variant, end to end; its `model: tiny-qwen3` is found from the current folder.
    os.chdir(Path(args.target).parent)
    results = run_plan(plan_recipe("demo-vllm", Workspace(args.workspace / "recipe")))
    recipe = {r.planned.step.name: r.stats for r in results}
    return {"first": first, "again": again, "recipe": recipe}


def server(args: argparse.Namespace) -> dict[str, Any]:
    policy = Policy(
        name="served",
        backend="openai",
        model="tiny",
        n=args.n,
        max_tokens=args.max_tokens,
        seed=9,
        think=False,
        options={"base_url": args.target, "concurrency": args.concurrency, "timeout_s": 60, "max_retries": 2},
    )
    return run_sample(Sample(policies=[policy]), many_tasks(args.tasks), args.workspace)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("offline", "server"))
    parser.add_argument("target", help="model path (offline) or base URL (server)")
    parser.add_argument("workspace", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--tasks", type=int, default=12)
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=8)
    args = parser.parse_args()
    result = offline(args) if args.mode == "offline" else server(args)
    args.out.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
