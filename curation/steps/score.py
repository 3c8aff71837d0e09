"""`score`: one Score per candidate of every task: the ToolRM similarity, the BFCL-grade check, the error type.

The ground truth is the task's target turn: its calls, or no call when it is a text answer. A candidate whose
text could not be parsed, or whose request failed for good, scores 0 with ErrorType.parse_error and the reason in
the detail. Scores are aligned with candidates by index. Counters: ``candidates``, ``exact``, and
``error.<error type>`` for every other candidate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import Field

from curation.registry import steps
from curation.schema import Candidate, ErrorType, SampledTask, Score, ScoredTask, Task, ToolSpec
from curation.scoring.answers import PossibleAnswer, expected_from_calls
from curation.scoring.check import CheckOptions, check_calls
from curation.scoring.similarity import toolrm_similarity
from curation.steps.base import Outcome, Step, reject_for


@steps.register("score")
class ScoreStep(Step):
    """Score every candidate against its task's ground truth (similarity, exact, error type, detail)."""

    name = "score"
    description = "SampledTask -> ScoredTask: ToolRM similarity + BFCL-grade check per candidate"
    input_type = SampledTask
    output_type = ScoredTask
    parallel = True  # pure per record: batches may run in worker processes

    check: CheckOptions = Field(default_factory=CheckOptions, description="how strict the exact check is")
    omit_defaults: bool = Field(
        default=True,
        description="an optional parameter passed with its schema default counts the same as left out, for exact",
    )

    def process_batch(self, batch: Sequence[SampledTask]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for sampled in batch:
            strangers = [c for c in sampled.candidates if c.task_id != sampled.task.id]
            if strangers:
                example = f"{strangers[0].id} (task {strangers[0].task_id})"
                detail = f"{len(strangers)} candidate(s) belong to another task, e.g. {example}"
                outcomes.append(reject_for(sampled, "candidate of another task", detail))
                continue
            outcomes.append([self.score_task(sampled)])
        return outcomes

    def score_task(self, sampled: SampledTask) -> ScoredTask:
        task = sampled.task
        expected = expected_from_calls(task.target.tool_calls, task.tools, omit_defaults=self.omit_defaults)
        tools = {tool.name: tool for tool in task.tools}
        scores = tuple(self._score(task, candidate, expected, tools) for candidate in sampled.candidates)
        return ScoredTask(task=task, candidates=sampled.candidates, scores=scores)

    def _score(
        self, task: Task, candidate: Candidate, expected: PossibleAnswer, tools: Mapping[str, ToolSpec]
    ) -> Score:
        self.count("candidates")
        failure = None
        if candidate.request_error is not None:
            failure = f"request failed: {candidate.request_error}"
        elif candidate.parse_error is not None:
            failure = candidate.parse_error
        if failure is not None:
            self.count(f"error.{ErrorType.parse_error.value}")
            return Score(
                candidate_id=candidate.id,
                task_id=task.id,
                similarity=0.0,
                exact=False,
                error_type=ErrorType.parse_error,
                detail=failure,
            )
        result = check_calls(candidate.calls, expected, tools, self.check)
        self.count("exact" if result.exact else f"error.{result.error_type.value if result.error_type else 'none'}")
        return Score(
            candidate_id=candidate.id,
            task_id=task.id,
            similarity=toolrm_similarity(candidate.calls, task.target.tool_calls),
            exact=result.exact,
            error_type=result.error_type,
            detail=result.detail,
        )
