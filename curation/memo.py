"""One bounded memo for what the pipeline works out again and again (tool schemas, tool texts, task renderings)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedMemo(Generic[K, V]):
    """Values remembered by key, at most ``size`` of them. When full it forgets everything at once: cheaper than
    tracking recency, and the entries that matter (the tools of the source at hand) come straight back."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        return self._values.get(key)

    def put(self, key: K, value: V) -> V:
        if len(self._values) >= self.size:
            self._values.clear()
        self._values[key] = value
        return value

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        value = self._values.get(key)
        return value if value is not None else self.put(key, make())

    def clear(self) -> None:
        self._values.clear()

    def __len__(self) -> int:
        return len(self._values)
