"""The packaged recipes: the demo's pair steps and the full method, which must plan without any network."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.pipeline import plan_recipe
from curation.workspace import Workspace


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access during planning: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_the_full_recipe_is_the_method(no_network: None, tmp_path: Path) -> None:
    plan = plan_recipe("toolpref-30k", Workspace(tmp_path))
    names = [planned.step.name for planned in plan.steps]
    assert names == [
        "ingest", "segment", "validate", "decontaminate", "sample", "score", "difficulty", "pair", "balance", "format"
    ]  # fmt: skip
    steps = {planned.step.name: planned.step for planned in plan.steps}
    sources = steps["ingest"].sources  # type: ignore[attr-defined]
    assert {s.source for s in sources} == {
        "apigen", "apigen_mt", "button", "complexfuncbench", "glaive", "hermes", "toolalpaca"
    }  # fmt: skip
    assert sum(1 for s in sources if s.hub) == 5
    policies = steps["sample"].policies  # type: ignore[attr-defined]
    assert len(policies) == 5 and {p.backend for p in policies} == {"vllm", "openai"}
    assert all(p.n == 1 for p in policies)
    balance = steps["balance"]
    assert (balance.target_size, balance.validation_size, balance.max_complexity) == (30_000, 500, 50)  # type: ignore[attr-defined]


def test_dry_run_of_the_full_recipe_prints_the_plan(no_network: None, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", "toolpref-30k", "--dry-run", "--workspace", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.count("to run") == 10
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").rglob("data.parquet"))


def test_the_demo_recipe_ends_with_the_pair_steps(tmp_path: Path) -> None:
    plan = plan_recipe("demo", Workspace(tmp_path))
    names = [planned.step.name for planned in plan.steps]
    assert names[:3] == ["ingest", "segment", "validate"]
    assert names[3:] == ["decontaminate", "sample", "score", "difficulty", "pair", "balance", "format"]
    sample = next(p.step for p in plan.steps if p.step.name == "sample")
    assert {policy.backend for policy in sample.policies} == {"perturb"}  # type: ignore[attr-defined]
