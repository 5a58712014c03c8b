"""Judging metrics: thresholds.yaml (absolute limits, tolerated drops) and the per-metric verdict."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from assistant.config_files import load_config_file
from evals.metrics import ALL_METRICS, MetricValues, lower_is_better

_EPSILON = 1e-9


class MetricRule(BaseModel):
    """Limits for one metric: an absolute floor/ceiling and the tolerated drop against a baseline."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float | None = None
    max: float | None = None
    tolerance: float | None = None


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    metrics: dict[str, MetricRule]

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, metrics: dict[str, MetricRule]) -> dict[str, MetricRule]:
        unknown = sorted(set(metrics) - set(ALL_METRICS))
        if unknown:
            raise ValueError(f"unknown metric {', '.join(unknown)} (known: {', '.join(ALL_METRICS)})")
        return metrics


def default_thresholds_path() -> Path:
    return Path(__file__).parent / "thresholds.yaml"


def load_thresholds(path: Path | None = None) -> Thresholds:
    """Read thresholds YAML (the packaged evals/thresholds.yaml by default)."""
    return load_config_file(path or default_thresholds_path(), Thresholds, "thresholds file")


class MetricCheck(BaseModel):
    """One row of the gate table: a metric's candidate and baseline values and whether it passes."""

    metric: str
    candidate: float | None
    baseline: float | None = None
    rule: MetricRule = MetricRule()
    compared: bool = False  # judged against a baseline run (else absolute limits only)
    reasons: list[str] = []

    @property
    def passed(self) -> bool:
        return not self.reasons

    @property
    def delta(self) -> float | None:
        if self.candidate is None or self.baseline is None:
            return None
        return self.candidate - self.baseline

    def limit_text(self) -> str:
        parts = []
        if self.rule.min is not None:
            parts.append(f"≥ {self.rule.min:g}")
        if self.rule.max is not None:
            parts.append(f"≤ {self.rule.max:g}")
        if self.rule.tolerance is not None and self.compared:
            parts.append(f"±{self.rule.tolerance:g} vs baseline")
        return ", ".join(parts) or "—"


def check_metric(
    metric: str, candidate: float | None, baseline: float | None, rule: MetricRule, *, compared: bool = True
) -> MetricCheck:
    """Judge one metric; a value of None (no case the metric applies to) passes."""
    check = MetricCheck(metric=metric, candidate=candidate, baseline=baseline, rule=rule, compared=compared)
    if candidate is None:
        return check
    if rule.min is not None and candidate < rule.min - _EPSILON:
        check.reasons.append(f"below the minimum {rule.min:g}")
    if rule.max is not None and candidate > rule.max + _EPSILON:
        check.reasons.append(f"above the maximum {rule.max:g}")
    if rule.tolerance is not None and baseline is not None:
        worse_by = candidate - baseline if lower_is_better(metric) else baseline - candidate
        if worse_by > rule.tolerance + _EPSILON:
            check.reasons.append(f"worse than the baseline by {worse_by:.4g} (tolerance {rule.tolerance:g})")
    return check


def judge(
    candidate: MetricValues, baseline: MetricValues | None, thresholds: Thresholds
) -> list[MetricCheck]:
    """Check every metric in the standard order; without a baseline only absolute limits apply."""
    return [
        check_metric(
            metric,
            candidate.get(metric),
            baseline.get(metric) if baseline is not None else None,
            thresholds.metrics.get(metric, MetricRule()),
            compared=baseline is not None,
        )
        for metric in ALL_METRICS
    ]


def checks_to_json(checks: list[MetricCheck]) -> list[dict[str, object]]:
    """The gate table as JSON rows."""
    return [
        {
            "metric": c.metric,
            "candidate": c.candidate,
            "baseline": c.baseline,
            "delta": c.delta,
            "limit": c.limit_text(),
            "passed": c.passed,
            "reasons": c.reasons,
        }
        for c in checks
    ]
