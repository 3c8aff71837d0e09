"""Small steps registered for runner tests only (the runner is what is under test, not these)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from curation.registry import steps
from curation.schema import Message, Reject, Trajectory
from curation.steps.base import RejectRecord, Step, StepContext


def trajectory(number: int) -> Trajectory:
    return Trajectory(
        id=f"test:{number}",
        source="test",
        messages=(Message(role="user", content=f"number {number}"), Message(role="assistant", content="ok")),
        meta={"number": number},
    )


@steps.register("test_numbers")
class Numbers(Step):
    name = "test_numbers"
    input_type = None
    output_type = Trajectory

    count_to: int = 10
    unreadable_every: int = 0  # every n-th item is a reject, as an unreadable source record would be

    def generate(self, ctx: StepContext) -> Iterator[Trajectory | Reject]:
        for number in range(self.count_to):
            if self.unreadable_every and number % self.unreadable_every == self.unreadable_every - 1:
                yield Reject(record_id=f"test:{number}", reason="unreadable", raw=str(number))
            else:
                yield trajectory(number)


@steps.register("test_keep_even")
class KeepEven(Step):
    name = "test_keep_even"
    input_type = Trajectory
    output_type = Trajectory

    also_keep: list[int] = []  # noqa: RUF012 (a pydantic field)

    def process(self, record: Trajectory) -> list[Trajectory]:
        number = record.meta["number"]
        if number % 2 and number not in self.also_keep:
            raise RejectRecord("odd number", f"{number} is odd")
        return [record]


@steps.register("test_slow_copy")
class SlowCopy(Step):
    name = "test_slow_copy"
    input_type = Trajectory
    output_type = Trajectory
    batch_size = 1
    parallel = True

    seconds_per_record: float = 0.0
    drop: list[int] = []  # noqa: RUF012 (a pydantic field, copied per instance)  numbers for which the step returns nothing

    def process(self, record: Trajectory) -> list[Trajectory]:
        time.sleep(self.seconds_per_record)
        return [] if record.meta["number"] in self.drop else [record.model_copy(update={"subset": "copied"})]
