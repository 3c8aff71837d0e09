"""Fixtures for the studio: a workspace with a finished-looking run of realistic pairs (see pair_factory)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from curation.schema import Pair
from tests.app.pair_factory import make_pairs, write_run

REPO = Path(__file__).resolve().parents[2]
STUDIO = REPO / "app" / "studio.py"


@dataclass(frozen=True)
class StudioWorkspace:
    root: Path
    pairs: list[Pair]

    @property
    def review_db(self) -> Path:
        return self.root / "review.db"


@pytest.fixture(scope="session")
def demo_pairs() -> list[Pair]:
    return list(make_pairs(120, seed=11))


@pytest.fixture
def studio_workspace(
    tmp_path: Path, demo_pairs: list[Pair], monkeypatch: pytest.MonkeyPatch
) -> Iterator[StudioWorkspace]:
    root = tmp_path / "workspace"
    write_run(root, demo_pairs, recipe="demo")
    monkeypatch.setenv("TOOLPREF_HOME", str(root))
    monkeypatch.delenv("TOOLPREF_STUDIO_RUN", raising=False)
    yield StudioWorkspace(root, demo_pairs)
