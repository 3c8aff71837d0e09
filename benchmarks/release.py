"""Release at full size: build (30,000 pairs, five configs, card with plots), diff two versions, push to a
Hub-compatible server on loopback (tests/hubserver), and read one config back with `datasets`.

    .venv/bin/python benchmarks/release.py [--pairs 30000]

Prints seconds and peak memory (RSS of this process) per stage.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=30_000)
    args = parser.parse_args()

    from curation.release import build_release
    from curation.release_diff import diff_releases
    from curation.review import ReviewStore
    from curation.workspace import Workspace
    from tests.hubserver import HubServer
    from tests.release.conftest import LICENSES, RunSpec, cli_env, make_pair, write_run

    with tempfile.TemporaryDirectory() as folder:
        workspace = Workspace(Path(folder) / "ws")
        per_source = -(-args.pairs // len(LICENSES))
        started = time.perf_counter()
        pool = [make_pair(number, source) for source in LICENSES for number in range(per_source)][: args.pairs]
        write_run(workspace, pool, RunSpec(target_size=args.pairs, validation_size=500))
        del pool
        print(f"run fixture ({args.pairs:,} pairs, balance + format): {time.perf_counter() - started:.1f} s")

        started, cpu = time.perf_counter(), time.process_time()
        v1 = build_release(workspace, "toy", "bench", "v1")
        size = sum(p.stat().st_size for p in v1.path.rglob("*") if p.is_file()) / 1e6
        print(
            f"build v1 (card with plots): {time.perf_counter() - started:.1f} s "
            f"({time.process_time() - cpu:.1f} s CPU), {v1.pairs:,} pairs, {size:.1f} MB on disk, "
            f"peak RSS so far {peak_mb():.0f} MB"
        )

        from curation.records_io import read_records
        from curation.schema import Pair

        run = v1.manifest["run"]["steps"]
        balance_dir = workspace.run_dir("toy") / next(s["dir"] for s in run if s["step"] == "balance")
        ids = [p.pair_id for _, p in zip(range(300), read_records(balance_dir / "data.parquet", Pair), strict=False)]
        with ReviewStore(workspace.review_db) as store:
            store.record_many([(i, "reject") for i in ids[:100]] + [(i, "swap") for i in ids[100:200]])
            store.record_many([(i, "flag", "check the ground truth") for i in ids[200:300]])
        started, cpu = time.perf_counter(), time.process_time()
        v2 = build_release(workspace, "toy", "bench", "v2", plots=False)
        print(
            f"build v2 with 300 decisions, no plots: {time.perf_counter() - started:.1f} s "
            f"({time.process_time() - cpu:.1f} s CPU)"
        )

        started, cpu = time.perf_counter(), time.process_time()
        diff = diff_releases(v1, v2)
        print(
            f"diff v1 -> v2: {time.perf_counter() - started:.1f} s ({time.process_time() - cpu:.1f} s CPU) "
            f"({len(diff.removed)} removed, {len(diff.changed)} changed, {diff.unchanged:,} unchanged)"
        )

        # The Hub clients read their endpoint when imported: push and load in a subprocess with the test env.
        with HubServer(token="hf_bench_token") as hub:
            env = cli_env(HF_ENDPOINT=hub.url, HF_HUB_DISABLE_XET="1", HF_HOME=str(Path(folder) / "hf"))
            script = (
                "import sys, time\n"
                "from pathlib import Path\n"
                "from curation.hub_push import publish\n"
                "t = time.perf_counter(); publish(Path(sys.argv[1]), 'bench/toolpref', 'hf_bench_token')\n"
                "print(f'push v1: {time.perf_counter() - t:.1f} s')\n"
                "import datasets\n"
                "t = time.perf_counter(); d = datasets.load_dataset('bench/toolpref', 'pairs', revision='v1')\n"
                "print(f'load_dataset pairs@v1: {time.perf_counter() - t:.1f} s, {d.num_rows}')\n"
            )
            done = subprocess.run(
                [sys.executable, "-c", script, str(v1.path)], env=env, capture_output=True, text=True, cwd=REPO
            )
            print(done.stdout.strip() or done.stderr[-2000:])


if __name__ == "__main__":
    main()
