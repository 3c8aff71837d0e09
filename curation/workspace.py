"""The workspace: one folder holding runs/, releases/, review.db and cache/."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_WORKSPACE = "./toolpref-data"


@dataclass(frozen=True)
class Workspace:
    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))  # accept a str too

    @classmethod
    def resolve(cls, path: str | Path | None = None) -> Workspace:
        """``path`` if given, else $TOOLPREF_HOME, else ./toolpref-data."""
        chosen = path or os.environ.get("TOOLPREF_HOME") or DEFAULT_WORKSPACE
        return cls(Path(chosen).expanduser().resolve())

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    @property
    def releases(self) -> Path:
        return self.root / "releases"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def review_db(self) -> Path:
        return self.root / "review.db"

    def run_dir(self, recipe_name: str) -> Path:
        return self.runs / recipe_name
