"""`score`: one Score per candidate of every task: the ToolRM similarity, the BFCL-grade check, the error type.

The ground truth is the task's target turn: its calls, or no call when it is a text answer. A candidate whose
text could not be parsed, or whose request failed for good, scores 0 with ErrorType.parse_error and the reason in
the detail. Scores are aligned with candidates by index. Counters: ``candidates``, ``exact``, and
``error.<error type>`` for every other candidate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from pydantic import Field

from curation.registry import steps
from curation.schema import Candidate, ErrorType, SampledTask, Score, ScoredTask, ToolCall, ToolSpec
from curation.scoring.answers import PossibleAnswer, expected_from_calls
from curation.scoring.check import CheckOptions, CheckResult, check_calls
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
        tally: Counter[str] = Counter()  # counted here, added to the step's counters once per batch
        for sampled in batch:
            strangers = [c for c in sampled.candidates if c.task_id != sampled.task.id]
            if strangers:
                example = f"{strangers[0].id} (task {strangers[0].task_id})"
                detail = f"{len(strangers)} candidate(s) belong to another task, e.g. {example}"
                outcomes.append(reject_for(sampled, "candidate of another task", detail))
                continue
            scored = self.score_task(sampled)
            for score in scored.scores:
                tally[
                    "exact" if score.exact else f"error.{score.error_type.value if score.error_type else 'none'}"
                ] += 1
            tally["candidates"] += len(scored.scores)
            outcomes.append([scored])
        for key, count in tally.items():
            self.count(key, count)
        return outcomes

    def score_task(self, sampled: SampledTask) -> ScoredTask:
        """The scores of one task's candidates, aligned with them by index."""
        task = sampled.task
        truth = task.target.tool_calls
        expected = expected_from_calls(truth, task.tools, omit_defaults=self.omit_defaults)
        tools = {tool.name: tool for tool in task.tools}
        scores = tuple(self._score(task.id, candidate, truth, expected, tools) for candidate in sampled.candidates)
        return ScoredTask(task=task, candidates=sampled.candidates, scores=scores)

    def _score(
        self,
        task_id: str,
        candidate: Candidate,
        truth: tuple[ToolCall, ...],
        expected: PossibleAnswer,
        tools: Mapping[str, ToolSpec],
    ) -> Score:
        failure = None
        if candidate.request_error is not None:
            failure = f"request failed: {candidate.request_error}"
        elif candidate.parse_error is not None:
            failure = candidate.parse_error
        if failure is not None:
            result = CheckResult(False, ErrorType.parse_error, failure)
            similarity = 0.0
        else:
            result = check_calls(candidate.calls, expected, tools, self.check)
            similarity = toolrm_similarity(candidate.calls, truth)
        return Score(
            candidate_id=candidate.id,
            task_id=task_id,
            similarity=similarity,
            exact=result.exact,
            error_type=result.error_type,
            detail=result.detail,
        )
