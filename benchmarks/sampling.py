"""Sampling throughput: the perturb backend, the request cache, and the vllm backend against bare `LLM.chat`.

    .venv/bin/python benchmarks/sampling.py [--tasks 2000] [--vllm-prompts 256] [--skip-vllm]

The vLLM part needs .venv-vllm (scripts/setup_vllm_env.sh); run from .venv, the script runs that part in
.venv-vllm itself. It builds the tiny random Qwen3 model of the tests (or takes --model), puts the same prompts
through one engine twice per round, alternating which goes first: bare `LLM.chat` (one call, one tool list,
per-request seeds) and the `vllm` backend via `sample_policy` (messages, enqueue, stepping, parsing, candidates),
and reports the median overhead. With the same seeds both must produce the same texts; the script checks that too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from curation.sampling.base import Policy, SampleRequest, derive_seed, requests_for  # noqa: E402
from curation.sampling.cache import RequestCache  # noqa: E402
from curation.sampling.perturb import PerturbBackend  # noqa: E402
from curation.sampling.sampler import sample_policy  # noqa: E402
from curation.schema import ToolCall  # noqa: E402
from tests.sampling.tasks import STOCK, WEATHER, many_tasks, task  # noqa: E402


def bench_perturb(count: int) -> None:
    tasks = many_tasks(count)
    policy = Policy(name="p", backend="perturb", n=8, seed=0)
    requests = requests_for(tasks, policy)
    start, cpu = time.perf_counter(), time.process_time()
    generations = list(PerturbBackend(policy).generate(requests))
    raw, raw_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    by_task = sample_policy(tasks, policy)
    full, full_cpu = time.perf_counter() - start, time.process_time() - cpu
    made = sum(len(c) for c in by_task.values())
    # CPU time per item as well: on a shared machine the wall clock also counts other processes.
    print(
        f"perturb: {len(generations)} generations in {raw:.2f}s = {len(generations) / raw:,.0f}/s, "
        f"{raw_cpu / len(generations) * 1e6:.0f} us CPU each (backend only)"
    )
    print(
        f"perturb: {made} candidates in {full:.2f}s = {made / full:,.0f}/s, {full_cpu / made * 1e6:.0f} us CPU each "
        "(with parsing and Candidate records)"
    )


def bench_cache(count: int) -> None:
    policy = Policy(name="c", backend="openai", model="m", n=4)
    requests = requests_for(many_tasks(count // 4), policy)
    generations = list(PerturbBackend(Policy(name="p", backend="perturb", n=4)).generate(requests))
    with tempfile.TemporaryDirectory() as folder, RequestCache.in_folder(Path(folder)) as cache:
        start = time.perf_counter()
        for request, generation in zip(requests, generations, strict=True):
            cache.put("h", request, generation)
        put = time.perf_counter() - start
        start = time.perf_counter()
        found = cache.get_many("h", requests)
        get = time.perf_counter() - start
    print(f"cache: {len(requests) / put:,.0f} puts/s (one commit each), {len(found) / get:,.0f} lookups/s")


def bench_vllm(model: Path | None, prompts: int, rounds: int, max_tokens: int) -> None:
    from vllm import SamplingParams

    from curation.sampling.chat import openai_messages, openai_tools
    from curation.sampling.vllm_backend import VllmBackend
    from tests.sampling.tiny_model import build_tiny_qwen3

    with tempfile.TemporaryDirectory() as folder:
        path = model or build_tiny_qwen3(Path(folder) / "tiny-qwen3", layers=4, hidden_size=256)
        tools = (WEATHER, STOCK)  # one tool list: bare LLM.chat takes one per call
        tasks = [
            task(f"bench-{i}", tools, f"What is the weather in city number {i}?", (ToolCall(name="get_weather"),))
            for i in range(prompts)
        ]
        options = {
            "dtype": "bfloat16",
            "max_model_len": 2048,
            "kv_cache_memory_bytes": 512 << 20,
            "enforce_eager": True,
            "engine_args": {"distributed_executor_backend": "uni"},
        }
        policy = Policy(
            name="bench", backend="vllm", model=str(path), max_tokens=max_tokens, temperature=0.8, think=False,
            options=options,
        )  # fmt: skip
        backend = VllmBackend(policy)
        backend.start()
        llm = backend.llm
        conversations = [openai_messages(t.history) for t in tasks]
        params = [
            SamplingParams(n=1, temperature=0.8, top_p=1.0, max_tokens=max_tokens, seed=derive_seed(0, t.id, 0))
            for t in tasks
        ]
        kwargs = {"tools": openai_tools(tools), "chat_template_kwargs": {"enable_thinking": False}, "use_tqdm": False}
        llm.chat(conversations[:8], params[:8], **kwargs)  # warm-up

        # CPU seconds of this process (the engine runs in it) beside wall time: on a shared 2-core machine the
        # wall clock mostly measures the neighbours.
        def bare() -> tuple[float, float, list[str]]:
            start, cpu = time.perf_counter(), time.process_time()
            outputs = llm.chat(conversations, params, **kwargs)
            return time.perf_counter() - start, time.process_time() - cpu, [o.outputs[0].text for o in outputs]

        def ours() -> tuple[float, float, list[str]]:
            start, cpu = time.perf_counter(), time.process_time()
            by_task = sample_policy(tasks, policy, backend=_Started(backend))
            return time.perf_counter() - start, time.process_time() - cpu, [by_task[t.id][0].text for t in tasks]

        bare_times, our_times, bare_cpu, our_cpu = [], [], [], []
        for index in range(rounds):
            order = (bare, ours) if index % 2 == 0 else (ours, bare)
            for run in order:
                seconds, cpu_seconds, texts = run()
                (bare_times if run is bare else our_times).append(seconds)
                (bare_cpu if run is bare else our_cpu).append(cpu_seconds)
                if run is bare:
                    reference = texts
                else:
                    ours_texts = texts
            assert ours_texts == reference, "the vllm backend and LLM.chat gave different texts for the same seeds"
        tokens = sum(len(llm.get_tokenizer().encode(text)) for text in reference)
        backend.close()
    bare_s, ours_s = statistics.median(bare_times), statistics.median(our_times)
    bare_c, ours_c = statistics.median(bare_cpu), statistics.median(our_cpu)
    print(f"vllm: {prompts} prompts x {max_tokens} max tokens, {rounds} rounds, same texts from both: yes")
    for label, wall, cpu in (("bare LLM.chat", bare_s, bare_c), ("vllm backend", ours_s, ours_c)):
        print(
            f"vllm: {label:14s} median wall {wall:.3f}s = {prompts / wall:,.1f} req/s (~{tokens / wall:,.0f} tok/s),"
            f" CPU {cpu:.3f}s"
        )
    print(
        f"vllm: overhead wall {100 * (ours_s / bare_s - 1):+.1f}%, CPU {100 * (ours_c / bare_c - 1):+.1f}%"
        f" (target <= 5%); rounds wall bare {json.dumps([round(t, 3) for t in bare_times])}"
        f" backend {json.dumps([round(t, 3) for t in our_times])}"
    )


class _Started:
    """The started backend, lent to sample_policy without letting it close the engine between rounds."""

    uses_cache = False

    def __init__(self, backend: object) -> None:
        self.backend = backend

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass

    def generate(self, requests: list[SampleRequest]) -> object:
        return self.backend.generate(requests)  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=2000, help="tasks for the perturb and cache runs")
    parser.add_argument("--vllm-prompts", type=int, default=256)
    parser.add_argument("--vllm-rounds", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--model", type=Path, default=None, help="a model folder (default: build the tiny model)")
    parser.add_argument("--skip-vllm", action="store_true")
    parser.add_argument("--only-vllm", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.only_vllm:
        bench_perturb(args.tasks)
        bench_cache(args.tasks)
    if args.skip_vllm:
        return
    vllm_args = ["--vllm-prompts", str(args.vllm_prompts), "--vllm-rounds", str(args.vllm_rounds)]
    vllm_args += ["--max-tokens", str(args.max_tokens)] + (["--model", str(args.model)] if args.model else [])
    if find_spec("vllm") is not None:
        bench_vllm(args.model, args.vllm_prompts, args.vllm_rounds, args.max_tokens)
        return
    other = REPO / ".venv-vllm" / "bin" / "python"
    if not other.exists():
        print("vllm: skipped (no vLLM here and no .venv-vllm; run scripts/setup_vllm_env.sh)")
        return
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "VLLM_ENABLE_V1_MULTIPROCESSING": "0"}
    quiet = {"stderr": subprocess.DEVNULL} if "-v" not in sys.argv else {}
    subprocess.run([str(other), __file__, "--only-vllm", *vllm_args], env=env, check=True, **quiet)  # type: ignore[call-overload]


if __name__ == "__main__":
    main()
