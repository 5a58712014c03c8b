"""Quality beside speed: the eval harness's metrics for Deal Assistant and the tutorial baseline."""

from __future__ import annotations

from evals.bench.results import BenchResult, Figure, Reference, Target
from evals.judging import MetricRule, Thresholds
from evals.metrics import QUALITY_METRICS
from evals.running import RunResult


def target_of(rule: MetricRule | None) -> Target | None:
    """The eval bar of a metric as a benchmark target (its floor, or its ceiling)."""
    if rule is not None and rule.min is not None:
        return Target(comparison=">=", threshold=rule.min)
    if rule is not None and rule.max is not None:
        return Target(comparison="<=", threshold=rule.max)
    return None


def quality_figures(
    result: BenchResult, deal: RunResult, baseline: RunResult, thresholds: Thresholds | None
) -> None:
    """Each quality metric: Deal Assistant's value, the baseline's as reference, the eval bar as target."""
    ours, theirs = deal.summary(), baseline.summary()
    for metric in QUALITY_METRICS:
        value, other = ours.get(metric), theirs.get(metric)
        if value is None:
            continue
        reference = (
            Reference(name="LangChain tutorial baseline", value=other, unit="") if other is not None else None
        )
        target = target_of(thresholds.metrics.get(metric)) if thresholds else None
        result.add(
            [Figure(section="quality", name=metric, value=value, unit="", reference=reference, target=target)]
        )
    bars = (
        "targets are the absolute bars of evals/thresholds.yaml"
        if thresholds
        else "a subset of the dataset, so the bars of evals/thresholds.yaml (set on all of it) do not apply"
    )
    result.note(
        "quality",
        f"The eval harness (evals.running.run_cases) on {len(deal.cases)} cases of {deal.dataset} against "
        f"{deal.kb}; {bars}.",
    )
