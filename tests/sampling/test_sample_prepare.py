"""Model sampling's first pass (Sample.prepare): one policy at a time over every task into the request cache, then
the tasks stream through in batches. A backend that starts an engine must start once per run, failed requests
must keep their error without a second start, and a rerun must only ask again for what failed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

from curation.pipeline import plan_recipe, run_plan
from curation.records_io import read_records
from curation.registry import backends
from curation.sampling.base import Generation, SampleRequest, SamplingBackend
from curation.schema import SampledTask
from curation.workspace import Workspace

DEMO = Path(__file__).resolve().parents[2] / "curation" / "demo_data"


@backends.register("test_flaky_engine")
class FlakyEngine(SamplingBackend):
    """Stands in for an engine (a real one is tested in test_engines.py): counts its starts and the requests it
    answers, and fails every request with sample index 1."""

    requires_model: ClassVar[bool] = False
    starts: ClassVar[int] = 0
    asked: ClassVar[list[tuple[str, int]]] = []

    def start(self) -> None:
        type(self).starts += 1

    def generate(self, requests: Sequence[SampleRequest]) -> Iterator[Generation]:
        for request in requests:
            type(self).asked.append(request.key)
            if request.sample_index == 1:
                yield Generation(task_id=request.task.id, sample_index=1, request_error="engine said no")
            else:
                yield Generation(task_id=request.task.id, sample_index=request.sample_index, text="Just text.")


RECIPE = f"""
name: prepare
steps:
  - step: ingest
    config:
      sources: [{{source: hermes, paths: ["{DEMO / "hermes"}"]}}]
  - step: segment
  - step: sample
    config:
      prefetch_batch_size: 7
      policies:
        - {{name: engine, backend: test_flaky_engine, n: 2, seed: 0}}
        - {{name: perturb, backend: perturb, n: 1, seed: 0}}
"""


def test_engine_policies_run_first_once_and_failures_are_replayed(tmp_path: Path) -> None:
    recipe = tmp_path / "prepare.yaml"
    recipe.write_text(RECIPE, encoding="utf-8")
    FlakyEngine.starts, FlakyEngine.asked = 0, []
    results = run_plan(plan_recipe(recipe, Workspace(tmp_path / "ws")))
    sample = results[-1]
    sampled = list(read_records(sample.planned.dir / "data.parquet", SampledTask))
    tasks = len(sampled)
    assert tasks > 7, "the first pass should take several batches"
    assert FlakyEngine.starts == 1 and len(FlakyEngine.asked) == 2 * tasks == len(set(FlakyEngine.asked))
    for item in sampled:
        engine = [
            c for c in item.candidates if c.origin not in ("ground_truth",) and not c.origin.startswith("perturb")
        ]
        assert [c.sample_index for c in engine] == [0, 1]
        assert engine[0].text == "Just text." and engine[0].request_error is None
        assert engine[1].request_error == "engine said no"
    counters = sample.stats["counters"]
    assert counters["policy:engine:generated"] == 2 * tasks and "policy:engine:cache_hits" not in counters
    assert counters["policy:engine:request_errors"] == tasks

    # A changed config reruns the step in the same workspace: successes come from the cache, failures are retried.
    FlakyEngine.starts, FlakyEngine.asked = 0, []
    run_plan(plan_recipe(recipe, Workspace(tmp_path / "ws"), ["sample.prefetch_batch_size=5"]))
    assert FlakyEngine.starts == 1 and sorted(FlakyEngine.asked) == sorted(
        key for key in FlakyEngine.asked if key[1] == 1
    )
    assert len(FlakyEngine.asked) == tasks
