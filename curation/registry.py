"""One registry per plug-in kind, filled by decorators. Recipes name registered plug-ins, never import paths."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:  # only for annotations: plug-in modules import this one
    from curation.sources.base import SourceAdapter
    from curation.steps.base import Step

T = TypeVar("T")


class UnknownPluginError(KeyError):
    def __str__(self) -> str:  # KeyError quotes its message; we want it plain
        return str(self.args[0])


class Registry(Generic[T]):
    """Named plug-ins of one kind. ``modules`` are imported on first lookup so that registration happens."""

    def __init__(self, kind: str, modules: tuple[str, ...]) -> None:
        self.kind = kind
        self._modules = modules
        self._items: dict[str, T] = {}
        self._loaded = False

    def register(self, name: str) -> Callable[[T], T]:
        def decorator(item: T) -> T:
            if name in self._items and self._items[name] is not item:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._items[name] = item
            return item

        return decorator

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            for module in self._modules:
                importlib.import_module(module)

    def get(self, name: str) -> T:
        self._load()
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise UnknownPluginError(f"unknown {self.kind} {name!r}; known: {known}") from None

    def names(self) -> list[str]:
        self._load()
        return sorted(self._items)

    def items(self) -> Iterator[tuple[str, T]]:
        self._load()
        for name in sorted(self._items):
            yield name, self._items[name]


# The modules below only register classes; none imports a heavy dependency at import time.
STEP_MODULES = (
    "curation.steps.ingest",
    "curation.steps.segment",
    "curation.steps.validate",
    "curation.steps.decontaminate",
    "curation.steps.sample",
    "curation.steps.score",
    "curation.steps.difficulty",
    "curation.steps.pair",
    "curation.steps.balance",
    "curation.steps.format",
)
SOURCE_MODULES = tuple(
    f"curation.sources.{name}"
    for name in (
        "apigen",
        "apigen_mt",
        "button",
        "complexfuncbench",
        "glaive",
        "hermes",
        "toolalpaca",
        "bfcl",
        "messages",
    )
)
BACKEND_MODULES = (
    "curation.sampling.perturb",
    "curation.sampling.vllm_backend",
    "curation.sampling.openai_backend",
    "curation.sampling.ray_backend",
)

# Filled with `@steps.register("name")` etc.
steps: Registry[type[Step]] = Registry("step", STEP_MODULES)
sources: Registry[type[SourceAdapter]] = Registry("source", SOURCE_MODULES)
backends: Registry[type[Any]] = Registry("sampling backend", BACKEND_MODULES)
