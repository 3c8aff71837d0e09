"""The ray backend on a local Ray instance: the same candidates as a local run for the same seeds."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason="ray comes with the sampling extra")

from curation.sampling.base import Policy, requests_for  # noqa: E402
from curation.sampling.ray_backend import RayBackend  # noqa: E402
from curation.steps.base import StepContext  # noqa: E402
from curation.steps.sample import Sample  # noqa: E402
from curation.workspace import Workspace  # noqa: E402
from tests.sampling.tasks import many_tasks  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    # No token file in the home folder, and session files in a temporary folder (short: it holds sockets).
    os.environ["RAY_AUTH_MODE"] = "disabled"
    temp_dir = tempfile.mkdtemp(prefix="ray-", dir="/tmp")
    ray.init(
        num_cpus=2,
        _temp_dir=temp_dir,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": str(REPO)}},
    )
    try:
        yield
    finally:
        ray.shutdown()
        shutil.rmtree(temp_dir, ignore_errors=True)


def results(tmp_path: Path, policy: Policy) -> list[dict[str, object]]:
    step = Sample(policies=[policy])
    step.setup(StepContext(workspace=Workspace(tmp_path), base_dir=tmp_path, step_dir=tmp_path / "s"))
    try:
        outcomes = step.process_batch(many_tasks(60))
    finally:
        step.teardown()
    return [
        c.model_dump(exclude={"params"}) | {"policy": c.params.get("policy")}
        for outcome in outcomes
        for c in outcome[0].candidates
    ]


def test_ray_gives_the_same_candidates_as_local(local_ray: None, tmp_path: Path) -> None:
    perturb = {"correct_samples": 1, "styles": ["hermes", "json"]}
    local = Policy(name="p", backend="perturb", n=3, seed=5, options=perturb)
    spread = Policy(
        name="p",
        backend="ray",
        n=3,
        seed=5,
        options={"backend": "perturb", "options": perturb, "workers": 2, "chunk_size": 7},
    )
    here, there = results(tmp_path / "local", local), results(tmp_path / "ray", spread)
    assert len(here) == 60 * 4
    assert here == there  # ids, origins, texts, parsed calls, seeds, sample indices: all equal


def test_ray_workers_really_ran_the_requests(local_ray: None) -> None:
    policy = Policy(name="p", backend="ray", n=2, options={"backend": "perturb", "workers": 2, "chunk_size": 5})
    backend = RayBackend(policy)
    backend.start()
    try:
        generations = list(backend.generate(requests_for(many_tasks(20), policy)))
        actor_ids = {actor._actor_id.hex() for actor in backend._actors}
    finally:
        backend.close()
    assert len(generations) == 40 and len({g.key for g in generations}) == 40
    assert len(actor_ids) == 2
    assert ray.is_initialized()  # a Ray instance the backend did not start is left running
