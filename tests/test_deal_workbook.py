"""The case workbook recomputed by an independent formula engine (the `formulas` package): every figure
its live formulas give must equal the Python computation, and changing an input moves the case."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import formulas
import openpyxl
import pytest

from assistant.deals import DealPolicy, read_deal, review_deal
from assistant.deals.reading import deal_from_mapping
from assistant.deals.workbook import WorkbookLayout, write_workbook
from tests.conftest import ROOT
from tests.test_deal_case import escalating_deal, renewal

CENT = 0.006  # a float figure within ~half a cent of the exact Decimal one
RATIO = 1e-9


def recompute(path: Path) -> dict[str, Any]:
    """Every cell's value as the formula engine computes it, by 'Sheet!A1'."""
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    values: dict[str, Any] = {}
    prefix = f"'[{path.name.upper()}]"
    for key, ranges in solution.items():
        name = str(key)
        if not name.upper().startswith(prefix) or ":" in name:
            continue
        sheet, cell = name[len(prefix) :].split("'!")
        value = ranges.value[0][0] if hasattr(ranges, "value") else ranges
        values[f"{sheet.title()}!{cell}"] = value.item() if hasattr(value, "item") else value
    return values


def close(actual: Any, expected: Decimal | int | None, tolerance: float) -> bool:
    if expected is None:
        return actual in ("", None, "never", "none")
    return isinstance(actual, int | float) and math.isclose(float(actual), float(expected), abs_tol=tolerance)


def check_against_python(values: dict[str, Any], layout: WorkbookLayout, review: Any) -> list[str]:
    case, problems = review.case, []

    def expect(address: str, expected: Any, tolerance: float = CENT) -> None:
        actual = values.get(address)
        ok = actual == expected if isinstance(expected, bool) else close(actual, expected, tolerance)
        if not ok:
            problems.append(f"{address}: workbook {actual!r}, Python {expected!r}")

    s = layout.summary
    for key in ("acv_year1", "acv_average", "tcv", "total_cost", "gross_profit", "investment", "npv"):
        expect(s[key], getattr(case, key))
    expect(s["margin"], case.margin, RATIO)
    expect(s["monthly_rate"], case.monthly_rate, 1e-15)
    expect(s["payback_month"], case.payback_month, 0)
    expect(s["business_case_required"], case.business_case_required)
    expect(s["retention_revenue"], case.retention and case.retention.revenue, RATIO)
    expect(s["retention_gross_profit"], case.retention and case.retention.gross_profit, RATIO)
    for year, cells in zip(case.years, layout.years, strict=True):
        expect(cells["months"], year.months, 0)
        for key in ("revenue", "cost", "gross_profit"):
            expect(cells[key], getattr(year, key))
        expect(cells["margin"], year.margin, RATIO)
    for scenario, cells in zip(review.sensitivity.scenarios, layout.sensitivity, strict=True):
        for key in ("acv_year1", "gross_profit", "gross_profit_change"):
            expect(cells[key], getattr(scenario, key))
        expect(cells["margin"], scenario.margin, RATIO)
    be = review.sensitivity.break_even
    expect(layout.break_even["volume_factor"], be.volume_factor, RATIO)
    expect(layout.break_even["monthly_units"], be.monthly_units, 1e-6)
    for risk in review.risks:
        cells = layout.risks[risk.key]
        expect(cells["figure"], risk.figure, CENT if risk.unit == "money" else RATIO)
        expect(cells["flagged"], risk.flagged)
    return problems


def with_everything() -> Any:
    """The hand-computed escalating deal plus cost escalation, volume decline, postage and a 30-month term."""
    deal = escalating_deal(
        term_months=30,
        discount_rate="0.09",
        cost_escalator="0.03",
        volume_change="-0.05",
        postage={"monthly": 80000, "prefund_days": 0},
        lines=[
            {
                "name": "Print",
                "unit": "image",
                "monthly_volume": 100000,
                "unit_price": 1,
                "unit_cost": "0.60",
            },
            {
                "name": "Insert",
                "unit": "envelope",
                "monthly_volume": 40000,
                "unit_price": "0.047",
                "unit_cost": "0.031",
            },
        ],
        staff=[
            {"role": "Operator", "fte": 2, "annual_cost": 68000, "monthly_fee": 4500},
            {"role": "Lead", "fte": 1, "annual_cost": 90000, "monthly_fee": 9000},
        ],
    )
    return deal


@pytest.mark.parametrize(
    "make",
    [with_everything, renewal, lambda: read_deal(ROOT / "deals" / "harbor-mutual-prospect.yaml")],
    ids=["new deal, partial last year", "renewal", "demo prospect"],
)
def test_recomputed_workbook_matches_every_python_figure(tmp_path: Path, make: Any) -> None:
    review = review_deal(make(), DealPolicy())
    path = tmp_path / "case.xlsx"
    layout = write_workbook(review.case, review.sensitivity, review.risks, path)
    values = recompute(path)
    assert layout.summary["tcv"] in values and isinstance(values[layout.summary["tcv"]], float)
    assert check_against_python(values, layout, review) == []
    assert len(layout.sensitivity) == len(review.sensitivity.scenarios) > 0
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Inputs", "Months", "Case", "Sensitivity", "Risks"]
    assert str(wb["Case"]["B6"].value).startswith("=SUM(Months!"), "figures are live formulas"


def test_changing_a_volume_in_the_workbook_moves_the_case_as_python_computes_it(tmp_path: Path) -> None:
    review = review_deal(renewal())
    path = tmp_path / "case.xlsx"
    layout = write_workbook(review.case, review.sensitivity, review.risks, path)
    wb = openpyxl.load_workbook(path)
    inputs = wb["Inputs"]
    volume_cell = next(row[2] for row in inputs.iter_rows() if row[0].value == "Scanning")
    volume_cell.value = 40000  # a finance reviewer's change: 50,000 -> 40,000 a month
    wb.save(path)

    raw = renewal().model_dump()
    raw["lines"][0]["monthly_volume"] = 40000
    changed = review_deal(deal_from_mapping(raw))
    assert changed.case.tcv != review.case.tcv
    assert check_against_python(recompute(path), layout, changed) == []
