"""The deal desk benchmark: a 20-line case with the full sensitivity table (target < 1 s) and its workbook
write (target < 2 s), each beside a reference measured in the same run.

References: the bare Decimal arithmetic the case cannot avoid (every line's revenue and cost, every month,
for the base case and each scenario), and openpyxl writing a workbook of the same cells as plain values.
Run: `python -m evals.bench.deal_desk`.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

from assistant.deals import Deal, review_deal
from assistant.deals.reading import deal_from_mapping
from assistant.deals.workbook import write_workbook

LINES = 20
TERM_MONTHS = 60
CASE_TARGET_S = 1.0
WORKBOOK_TARGET_S = 2.0


def bench_deal(lines: int = LINES, term_months: int = TERM_MONTHS) -> Deal:
    """A large, realistic deal: `lines` service lines, three staff roles, every optional clause."""
    return deal_from_mapping(
        {
            "client": "Bench Client",
            "kind": "renewal",
            "start": "2027-01-01",
            "term_months": term_months,
            "discount_rate": "0.08",
            "price_escalator": "0.03",
            "cost_escalator": "0.025",
            "volume_change": "-0.01",
            "lines": [
                {
                    "name": f"Service {i}",
                    "unit": f"unit {i % 7}",
                    "monthly_volume": 10_000 * (i + 1),
                    "unit_price": f"0.{i + 10:03d}5",
                    "unit_cost": f"0.{i + 7:03d}1",
                }
                for i in range(lines)
            ],
            "staff": [
                {
                    "role": f"Role {i}",
                    "fte": 2 + i,
                    "annual_cost": 60_000 + 5_000 * i,
                    "monthly_fee": 5_500 + 400 * i,
                }
                for i in range(3)
            ],
            "one_time": {"transition_fee": 150_000, "transition_cost": 400_000},
            "postage": {"monthly": 250_000, "prefund_days": 0},
            "sla_credit_cap": "0.12",
            "termination_for_convenience": {"earliest_month": 13, "notice_days": 180, "fee": 50_000},
            "current": {"annual_revenue": 2_000_000, "annual_gross_profit": 400_000},
        }
    )


def _median_seconds(call: Callable[[], object], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _bare_arithmetic(deal: Deal, scenarios: int) -> Decimal:
    total = Decimal(0)
    for _ in range(scenarios + 1):
        for _month in range(deal.term_months):
            for li in deal.lines:
                total += li.monthly_volume * li.unit_price - li.monthly_volume * li.unit_cost
    return total


def _plain_workbook(path: Path, rows: int, columns: int) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for r in range(rows):
        ws.append([r * columns + c + 0.5 for c in range(columns)])
    wb.save(path)


def run(repeats: int = 5) -> list[tuple[str, float, str, float, float]]:
    """(figure, seconds, reference, reference seconds, target seconds) for the case and the workbook."""
    deal = bench_deal()
    review = review_deal(deal)
    scenarios = len(review.sensitivity.scenarios)
    case_s = _median_seconds(lambda: review_deal(deal), repeats)
    bare_s = _median_seconds(lambda: _bare_arithmetic(deal, scenarios), repeats)
    with tempfile.TemporaryDirectory(prefix="deal-bench-") as scratch:
        out = Path(scratch) / "case.xlsx"
        book_s = _median_seconds(
            lambda: write_workbook(review.case, review.sensitivity, review.risks, out), repeats
        )
        plain = Path(scratch) / "plain.xlsx"
        cells_rows = deal.term_months + len(deal.lines) + 60  # Months rows, Inputs rows, the other sheets
        plain_s = _median_seconds(lambda: _plain_workbook(plain, cells_rows, 19), repeats)
    return [
        (f"case + sensitivity ({LINES} lines, {TERM_MONTHS} months, {scenarios} scenarios)", case_s,
         "bare Decimal line arithmetic, same scenarios", bare_s, CASE_TARGET_S),
        ("workbook write (live formulas)", book_s, "openpyxl plain-value workbook, same rows", plain_s,
         WORKBOOK_TARGET_S),
    ]  # fmt: skip


def main() -> None:
    for name, seconds, reference, ref_seconds, target in run():
        verdict = "pass" if seconds < target else "miss"
        print(
            f"{name}: {seconds * 1000:.1f} ms  vs {reference} {ref_seconds * 1000:.1f} ms"
            f" ({seconds / ref_seconds:.2f}x)  target < {target:g} s: {verdict}"
        )


if __name__ == "__main__":
    main()
