"""Business cases computed by hand: each expected figure is worked out here from the definitions, never by
calling the code under test."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

import assistant.deals as deals
from assistant.deals import Deal, DealPolicy, compute_case, review_deal
from assistant.deals.reading import deal_from_mapping

read_mapping = deal_from_mapping

D = Decimal


def escalating_deal(**overrides: Any) -> Deal:
    """36 months; one line of 100,000 units at $1.00 (cost $0.60), +10% price a year; 1 FTE costing
    $12,000 a year billed $2,000 a month; a $10,000 transition fee and a $150,000 transition cost."""
    raw: dict[str, Any] = {
        "client": "Harbor Mutual Insurance",
        "kind": "new",
        "start": dt.date(2027, 1, 1),
        "term_months": 36,
        "discount_rate": 0,
        "price_escalator": "0.10",
        "lines": [
            {"name": "Print", "unit": "image", "monthly_volume": 100000, "unit_price": 1, "unit_cost": "0.60"}
        ],
        "staff": [{"role": "Operator", "fte": 1, "annual_cost": 12000, "monthly_fee": 2000}],
        "one_time": {"transition_fee": 10000, "transition_cost": 150000},
        "sla_credit_cap": "0.10",
        "termination_for_convenience": {"earliest_month": 3, "notice_days": 60, "fee": 20000},
    }
    raw.update(overrides)
    return read_mapping(raw)


# Monthly recurring revenue by year: lines 100,000 * 1.1^(y-1) plus the fee 2,000 * 1.1^(y-1);
# monthly recurring cost: 60,000 + 12,000 / 12 = 61,000 every year (no cost escalator).
REVENUE_A_MONTH = (D(102000), D(112200), D(123420))
COST_A_MONTH = D(61000)


def test_escalated_36_month_deal_with_a_transition_investment() -> None:
    case = compute_case(escalating_deal())

    assert case.acv_year1 == 12 * REVENUE_A_MONTH[0] == D(1224000)
    year_revenue = [12 * r for r in REVENUE_A_MONTH]
    year_revenue[0] += 10000  # the transition fee is revenue of month 1
    year_cost = [12 * COST_A_MONTH + 150000, 12 * COST_A_MONTH, 12 * COST_A_MONTH]
    assert [(y.year, y.months) for y in case.years] == [(1, 12), (2, 12), (3, 12)]
    assert [y.revenue for y in case.years] == year_revenue == [D(1234000), D(1346400), D(1481040)]
    assert [y.cost for y in case.years] == year_cost == [D(882000), D(732000), D(732000)]
    assert [y.gross_profit for y in case.years] == [D(352000), D(614400), D(749040)]
    assert case.years[0].margin == D(352000) / D(1234000)
    assert case.tcv == D(4061440)
    assert case.acv_average == (D(4061440) - 10000) / 3 == D(1350480)
    assert case.investment == D(150000)
    # Month 1: 102,000 + 10,000 - 61,000 - 150,000 = -99,000; then +41,000 a month: -58,000, -17,000, +24,000.
    assert case.payback_month == 4
    assert case.npv == D(1715440), "at a 0% discount rate NPV is the term's gross profit"
    assert not case.business_case_required
    assert case.retention is None


def test_npv_discounts_each_month_at_the_monthly_equivalent_rate() -> None:
    case = compute_case(escalating_deal(discount_rate="0.10"))
    monthly = 1.10 ** (1 / 12) - 1
    gross_profit = [102000 + 10000 - 61000 - 150000] + [41000] * 11 + [51200] * 12 + [62420] * 12
    expected = sum(gp / (1 + monthly) ** m for m, gp in enumerate(gross_profit, start=1))
    assert abs(float(case.monthly_rate) - monthly) < 1e-15
    assert abs(float(case.npv) - expected) < 0.01


def test_sensitivity_and_break_even_of_the_escalated_deal() -> None:
    review = review_deal(escalating_deal())
    by_label = {s.label: s for s in review.sensitivity.scenarios}
    # Line gross profit a month: 40,000 (y1), 50,000 (y2), 61,000 (y3); 12 months each.
    line_gp = 12 * (40000 + 50000 + 61000)
    assert by_label["volume +10%"].gross_profit_change == D(line_gp) / 10 == D(181200)
    assert by_label["volume -20%"].gross_profit_change == -D(line_gp) / 5
    assert by_label["volume +10%"].acv_year1 == 12 * (110000 + 2000)
    # Price +5% on the line only (staff fees are not unit prices): 5% of 12 * (100,000 + 110,000 + 121,000).
    assert by_label["unit price +5%"].gross_profit_change == D("0.05") * 12 * 331000
    assert by_label["unit cost +5%"].gross_profit_change == -D("0.05") * 36 * 60000
    # One more operator: fees 12 * (2,000 + 2,200 + 2,420) less 36 * 1,000 of cost.
    assert by_label["staffing +1 FTE (Operator)"].gross_profit_change == D(43440)
    assert by_label["staffing -1 FTE (Operator)"].gross_profit_change == D(-43440)
    # GP(k) = k * 1,812,000 + (43,440 + 10,000 - 150,000): zero at k = 96,560 / 1,812,000.
    assert review.sensitivity.break_even.volume_factor == D(96560) / D(1812000)
    assert review.sensitivity.break_even.monthly_units == D(96560) / D(1812000) * 100000


def test_risk_register_of_the_escalated_deal_carries_the_figures_behind_each_risk() -> None:
    risks = {r.key: r for r in review_deal(escalating_deal()).risks}
    # Served months 1-2 earn -99,000 + 41,000 = -58,000; the 20,000 fee leaves 38,000 unrecovered.
    assert risks["termination_exposure"].figure == D(38000) and risks["termination_exposure"].flagged
    # Credits at the cap: 10% of 1,224,000 = 122,400 against 12 * 41,000 = 492,000 of recurring GP.
    assert risks["sla_credits"].figure == D(122400) / D(492000)
    assert not risks["sla_credits"].flagged, "24.9% is within the 25% limit"
    assert risks["concentration"].figure == D(100000) / D(102000) and risks["concentration"].flagged
    assert risks["margin"].figure == D(352000) / D(1234000) and not risks["margin"].flagged
    assert risks["payback"].figure == 4 and not risks["payback"].flagged
    assert "postage_float" not in risks, "no postage, no postage risk"
    keys = [r.key for r in review_deal(escalating_deal()).risks]
    assert keys[:2] == ["termination_exposure", "concentration"], "flagged risks come first"


def test_payback_later_than_the_policy_month_is_flagged() -> None:
    review = review_deal(escalating_deal(), DealPolicy(payback_limit_months=3))
    payback = next(r for r in review.risks if r.key == "payback")
    assert payback.flagged and payback.figure == 4


def renewal(**overrides: Any) -> Deal:
    """18 months of 50,000 units at $2.00 costing $1.50; today's contract earns $1.25M and $350k a year."""
    raw: dict[str, Any] = {
        "client": "Pinecrest Health",
        "kind": "renewal",
        "start": "2028-07-01",
        "term_months": 18,
        "discount_rate": "0.08",
        "lines": [
            {
                "name": "Scanning",
                "unit": "per image",
                "monthly_volume": 50000,
                "unit_price": 2,
                "unit_cost": 1.5,
            }
        ],
        "current": {"annual_revenue": 1250000, "annual_gross_profit": 350000},
    }
    raw.update(overrides)
    return deal_from_mapping(raw)


def test_renewal_below_90_percent_gross_profit_retention_is_flagged() -> None:
    case = compute_case(renewal())
    assert case.acv_year1 == D(1200000)
    assert case.retention is not None
    assert case.retention.revenue == D(1200000) / D(1250000) == D("0.96")
    assert not case.retention.revenue_flagged
    # 12 * (100,000 - 75,000) = 300,000 of gross profit against 350,000 today: 85.7%.
    assert case.retention.gross_profit == D(300000) / D(350000)
    assert case.retention.gross_profit_flagged
    assert [(y.year, y.months, y.revenue) for y in case.years] == [(1, 12, D(1200000)), (2, 6, D(600000))]
    assert case.tcv == D(1800000)
    assert case.acv_average == D(1800000) * 12 / 18
    assert case.payback_month == 1


def test_renewal_retention_floor_is_configurable() -> None:
    case = compute_case(renewal(), DealPolicy(retention_floor=D("0.80")))
    assert case.retention is not None and not case.retention.gross_profit_flagged


def big_deal(term_months: int, monthly_volume: int = 1_000_000) -> Deal:
    return deal_from_mapping(
        {
            "client": "Harbor Mutual Insurance",
            "kind": "new",
            "start": "2027-01-01",
            "term_months": term_months,
            "discount_rate": 0.08,
            "lines": [
                {
                    "name": "Print",
                    "unit": "image",
                    "monthly_volume": monthly_volume,
                    "unit_price": "0.14",
                    "unit_cost": "0.10",
                }
            ],
        }
    )


def test_deal_crossing_5_million_needs_a_formal_business_case() -> None:
    case = compute_case(big_deal(36))  # 140,000 a month for 36 months
    assert case.tcv == D(5040000)
    assert case.business_case_required


def test_business_case_threshold_is_strictly_exceeded_and_configurable() -> None:
    exactly = compute_case(big_deal(40, monthly_volume=892_857))  # 124,999.98 a month
    assert exactly.tcv == D("4999999.20") and not exactly.business_case_required
    assert not compute_case(
        big_deal(36), DealPolicy(business_case_threshold=D(6_000_000))
    ).business_case_required
    assert compute_case(big_deal(12), DealPolicy(business_case_threshold=D(1_000_000))).business_case_required


def test_json_has_the_issue_shape_and_rounds_money_to_cents() -> None:
    data = review_deal(escalating_deal(discount_rate="0.10")).json()
    assert list(data) == [
        "acv_year1", "acv_average", "tcv", "years", "investment", "payback_month", "npv",
        "business_case_required", "retention", "sensitivity", "risks",
    ]  # fmt: skip
    assert data["years"][0] == {
        "year": 1, "months": 12, "revenue": 1234000.0, "cost": 882000.0, "gross_profit": 352000.0,
        "margin": 0.2853,
    }  # fmt: skip
    assert data["retention"] is None and data["payback_month"] == 4
    assert round(data["npv"], 2) == data["npv"]
    assert review_deal(renewal()).json()["retention"] == {"revenue": 0.96, "gross_profit": 0.8571}
    assert data["sensitivity"][-1]["driver"] == "break-even volume"
    assert {r["risk"] for r in data["risks"]} >= {"margin", "payback", "concentration"}


def test_yaml_floats_stay_exact_decimals() -> None:
    deal = deals.read_deal_bytes(
        b"client: X\nkind: new\nstart: 2027-01-01\nterm_months: 12\ndiscount_rate: 0.08\n"
        b"lines:\n  - {name: A, unit: image, monthly_volume: 2500000, unit_price: 0.0365, unit_cost: 0.0241}\n",  # noqa: E501
        "deal.yaml",
    )
    assert deal.lines[0].unit_price == D("0.0365")
    assert compute_case(deal).acv_year1 == D("1095000.0000")


def test_package_exports_what_it_lists() -> None:
    assert sorted(deals.__all__) == sorted(set(deals.__all__))
    for name in deals.__all__:
        assert hasattr(deals, name), name


@pytest.mark.parametrize("path", ["deals/pinecrest-health-renewal.yaml", "deals/harbor-mutual-prospect.yaml"])
def test_demo_deal_files_are_valid(path: str) -> None:
    from tests.conftest import ROOT

    review = review_deal(deals.read_deal(ROOT / path))
    assert review.case.tcv > 0
