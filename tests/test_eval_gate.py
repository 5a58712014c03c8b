"""The gate's verdicts on hand-built metric results, and the thresholds file."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import ConfigError
from evals.judging import MetricRule, Thresholds, checks_to_json, judge, load_thresholds
from evals.metrics import ALL_METRICS, FACT_RECALL, HIT_AT_1, LATENCY_P95_MS, LEAK_RATE, MetricValues

THRESHOLDS = Thresholds(
    metrics={
        HIT_AT_1: MetricRule(min=0.6, tolerance=0.05),
        FACT_RECALL: MetricRule(min=0.5, tolerance=0.05),
        LEAK_RATE: MetricRule(max=0.1, tolerance=0.0),
        LATENCY_P95_MS: MetricRule(max=2000),
    }
)


def values(**overrides: float | None) -> MetricValues:
    base: MetricValues = {HIT_AT_1: 0.8, FACT_RECALL: 0.7, LEAK_RATE: 0.0, LATENCY_P95_MS: 500.0}
    return {**base, **overrides}


def failing(candidate: MetricValues, baseline: MetricValues | None) -> dict[str, list[str]]:
    return {c.metric: c.reasons for c in judge(candidate, baseline, THRESHOLDS) if not c.passed}


def test_candidate_equal_to_baseline_and_above_thresholds_passes() -> None:
    checks = judge(values(), values(), THRESHOLDS)

    assert [c.metric for c in checks] == list(ALL_METRICS)
    assert all(c.passed for c in checks)


def test_metric_below_its_absolute_minimum_fails_even_without_baseline() -> None:
    assert failing(values(hit_at_1=0.5), None) == {HIT_AT_1: ["below the minimum 0.6"]}


def test_drop_within_tolerance_passes_and_beyond_it_fails() -> None:
    assert failing(values(hit_at_1=0.76), values()) == {}
    [reason] = failing(values(hit_at_1=0.7), values())[HIT_AT_1]
    assert reason.startswith("worse than the baseline by 0.1")


def test_rising_leak_rate_is_a_regression_and_falling_leak_rate_is_not() -> None:
    assert LEAK_RATE in failing(values(leak_rate=0.05), values(leak_rate=0.0))
    assert failing(values(leak_rate=0.0), values(leak_rate=0.05)) == {}


def test_leak_rate_above_its_maximum_fails() -> None:
    assert failing(values(leak_rate=0.2), None) == {LEAK_RATE: ["above the maximum 0.1"]}


def test_latency_has_a_ceiling_but_no_comparison_with_the_baseline() -> None:
    assert failing(values(latency_p95_ms=1900.0), values(latency_p95_ms=100.0)) == {}
    assert LATENCY_P95_MS in failing(values(latency_p95_ms=2500.0), None)


def test_metric_without_applicable_cases_passes() -> None:
    assert failing(values(fact_recall=None), values()) == {}


def test_gate_table_rows_carry_values_delta_limit_and_reasons() -> None:
    rows = {r["metric"]: r for r in checks_to_json(judge(values(hit_at_1=0.7), values(), THRESHOLDS))}

    assert rows[HIT_AT_1]["candidate"] == 0.7
    assert rows[HIT_AT_1]["baseline"] == 0.8
    assert rows[HIT_AT_1]["delta"] == pytest.approx(-0.1)
    assert rows[HIT_AT_1]["limit"] == "≥ 0.6, ±0.05 vs baseline"
    assert rows[HIT_AT_1]["passed"] is False
    assert rows[LEAK_RATE]["passed"] is True


def test_packaged_thresholds_name_every_metric() -> None:
    assert set(load_thresholds().metrics) == set(ALL_METRICS)


def test_thresholds_with_an_unknown_metric_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "thresholds.yaml"
    path.write_text("metrics:\n  MRR@5: {min: 0.5}\n", encoding="utf-8")

    with pytest.raises(ConfigError, match="unknown metric MRR@5"):
        load_thresholds(path)
