"""The deal desk benchmark runs and reports each figure beside its reference (speed is not asserted)."""

from __future__ import annotations

from evals.bench.deal_desk import bench_deal, run


def test_deal_bench_reports_case_and_workbook_beside_references() -> None:
    figures = run(repeats=1)
    assert [f[0].split(" (")[0] for f in figures] == ["case + sensitivity", "workbook write"]
    assert all(seconds > 0 and reference > 0 for _, seconds, _, reference, _ in figures)
    assert len(bench_deal().lines) == 20
