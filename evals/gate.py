"""The quality gate: evaluate a candidate and a baseline knowledge-base version and judge the candidate."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from assistant.errors import KnowledgeBaseError
from assistant.retrieval.embedding import Embedder
from assistant.settings import Settings
from assistant.wiring import shared_embedder
from evals.dataset import default_dataset_path, load_dataset
from evals.judging import MetricCheck, Thresholds, judge, load_thresholds
from evals.running import CaseResult, RunResult
from evals.systems import Target, evaluate, version_target


class GateResult(BaseModel):
    """The verdict, the per-metric table, and both runs (for reports)."""

    candidate_label: str
    baseline_label: str | None  # None: no baseline version yet, thresholds only
    checks: list[MetricCheck]
    candidate: RunResult
    baseline: RunResult | None = None

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def failed_checks(self) -> list[MetricCheck]:
        return [c for c in self.checks if not c.passed]


def run_gate(
    settings: Settings,
    candidate: str = "staged",
    baseline: str = "live",
    dataset: Path | None = None,
    *,
    thresholds: Thresholds | None = None,
    embedder: Embedder | None = None,
    on_case: Callable[[CaseResult], None] | None = None,
) -> GateResult:
    """Evaluate two knowledge-base versions with Deal Assistant and gate the candidate.

    When the baseline version does not exist yet (first ingest), only the absolute thresholds apply.
    KnowledgeBaseError when the candidate version does not exist; DatasetError for a malformed dataset.
    """
    dataset = dataset or default_dataset_path()
    cases = load_dataset(dataset)
    thresholds = thresholds or load_thresholds()
    embedder = embedder or shared_embedder()
    candidate_target = version_target(settings, candidate)
    try:
        baseline_target: Target | None = version_target(settings, baseline)
    except KnowledgeBaseError:
        if baseline != "live":
            raise  # a named baseline that does not exist is a mistake, not a first ingest
        baseline_target = None
    candidate_run = evaluate(
        candidate_target, "deal", cases, dataset=str(dataset), embedder=embedder, on_case=on_case
    )
    baseline_run = None
    if baseline_target is not None:
        baseline_run = evaluate(
            baseline_target, "deal", cases, dataset=str(dataset), embedder=embedder, on_case=on_case
        )
    checks = judge(candidate_run.summary(), baseline_run.summary() if baseline_run else None, thresholds)
    return GateResult(
        candidate_label=candidate_target.label,
        baseline_label=baseline_target.label if baseline_target else None,
        checks=checks,
        candidate=candidate_run,
        baseline=baseline_run,
    )
