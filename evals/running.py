"""Running a dataset through a system (anything with ask/draft) and collecting scored, reportable results."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from pydantic import BaseModel

from assistant.errors import DealAssistantError
from assistant.models import Answer, Request
from evals.dataset import Case
from evals.metrics import CaseScore, Failure, MetricValues, breakdown, score_case, summarize


class System(Protocol):
    """What the harness evaluates: Deal Assistant's core or the peer baseline."""

    def ask(self, request: Request) -> Answer: ...

    def draft(self, request: Request) -> Answer: ...


class CaseResult(BaseModel):
    """One case as run: the structured answer (None if the system raised) and its score."""

    case: Case
    answer: Answer | None
    score: CaseScore
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.case.id,
            "kind": self.case.kind,
            "audience": self.case.audience.value,
            "client": self.case.client,
            "question": self.case.question,
            "expected_sources": self.case.expected_sources,
            "must_include": self.case.must_include,
            "must_not_include": self.case.must_not_include,
            "metrics": self.score.metrics,
            "latency_ms": round(self.score.latency_ms, 3),
            "passed": self.score.passed,
            "failures": [f.model_dump() for f in self.score.failures],
            "error": self.error,
            "answer": self.answer.to_json() if self.answer else None,
        }


class RunResult(BaseModel):
    """A whole dataset run by one system against one knowledge base."""

    system: str  # "deal" or "baseline"
    kb: str  # what was evaluated: a version name, "staged", or the folder ingested
    dataset: str
    cases: list[CaseResult]

    @property
    def scores(self) -> list[CaseScore]:
        return [c.score for c in self.cases]

    def summary(self) -> MetricValues:
        return summarize(self.scores)

    def by_kind(self) -> dict[str, MetricValues]:
        return breakdown(self.scores, lambda s: s.kind)

    def by_audience(self) -> dict[str, MetricValues]:
        return breakdown(self.scores, lambda s: s.audience)

    def failures(self) -> list[Failure]:
        return [f for s in self.scores for f in s.failures]

    def latencies(self) -> list[float]:
        return [s.latency_ms for s in self.scores]

    def to_json(self) -> dict[str, Any]:
        """Metrics beside each case's full Answer.to_json(), so results can be re-scored independently."""
        return {
            "system": self.system,
            "kb": self.kb,
            "dataset": self.dataset,
            "cases_total": len(self.cases),
            "cases_failed": sum(1 for c in self.cases if not c.score.passed),
            "summary": self.summary(),
            "by_kind": self.by_kind(),
            "by_audience": self.by_audience(),
            "cases": [c.to_json() for c in self.cases],
        }


def request_of(case: Case) -> Request:
    """The request a case sends: the question, its audience and (for drafts) its client."""
    return Request(question=case.question, audience=case.audience, client=case.client)


def run_case(
    system: System,
    case: Case,
    known_sources: set[str] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> CaseResult:
    """Send one case to ask or draft, time it, and score it. A project error counts against the case."""
    request = request_of(case)
    call = system.draft if case.kind == "draft" else system.ask
    answer: Answer | None = None
    error: str | None = None
    start = clock()
    try:
        answer = call(request)
    except DealAssistantError as e:
        error = f"{type(e).__name__}: {e}"
    latency_ms = (clock() - start) * 1000.0
    score = score_case(case, answer, latency_ms, known_sources, error)
    return CaseResult(case=case, answer=answer, score=score, error=error)


def run_cases(
    system: System,
    cases: Sequence[Case],
    *,
    system_name: str,
    kb: str,
    dataset: str,
    known_sources: set[str] | None = None,
    clock: Callable[[], float] = time.perf_counter,
    on_case: Callable[[CaseResult], None] | None = None,
) -> RunResult:
    """Run every case in order; `on_case` is called after each (e.g. to advance a progress bar)."""
    results = []
    for case in cases:
        result = run_case(system, case, known_sources, clock)
        results.append(result)
        if on_case:
            on_case(result)
    return RunResult(system=system_name, kb=kb, dataset=dataset, cases=results)
