"""The machine-readable business case (`deal case --json`): exact figures rounded only here.

Money is rounded half-up to cents, ratios to four places, and both written as JSON numbers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from assistant.deals.computing import BusinessCase
from assistant.deals.money import cents, ratio
from assistant.deals.risks import Risk
from assistant.deals.sensitivity import Sensitivity

__all__ = ["case_json", "money_number", "ratio_number"]


def money_number(value: Decimal | None) -> float | None:
    """Cents as a JSON number (the shortest float text of a cent value is that value)."""
    return None if value is None else float(cents(value))


def ratio_number(value: Decimal | None) -> float | None:
    return None if value is None else float(ratio(value))


def case_json(case: BusinessCase, sensitivity: Sensitivity, risks: list[Risk]) -> dict[str, Any]:
    """`{"acv_year1", "acv_average", "tcv", "years", "investment", "payback_month", "npv",
    "business_case_required", "retention", "sensitivity", "risks"}`."""
    retention = None
    if case.retention is not None:
        retention = {
            "revenue": ratio_number(case.retention.revenue),
            "gross_profit": ratio_number(case.retention.gross_profit),
        }
    return {
        "acv_year1": money_number(case.acv_year1),
        "acv_average": money_number(case.acv_average),
        "tcv": money_number(case.tcv),
        "years": [
            {
                "year": y.year,
                "months": y.months,
                "revenue": money_number(y.revenue),
                "cost": money_number(y.cost),
                "gross_profit": money_number(y.gross_profit),
                "margin": ratio_number(y.margin),
            }
            for y in case.years
        ],
        "investment": money_number(case.investment),
        "payback_month": case.payback_month,
        "npv": money_number(case.npv),
        "business_case_required": case.business_case_required,
        "retention": retention,
        "sensitivity": _sensitivity_rows(case, sensitivity),
        "risks": [_risk_row(r) for r in risks],
    }


def _sensitivity_rows(case: BusinessCase, sensitivity: Sensitivity) -> list[dict[str, Any]]:
    rows = [
        {
            "driver": s.driver,
            "change": float(s.change),
            "label": s.label,
            "acv_year1": money_number(s.acv_year1),
            "gross_profit": money_number(s.gross_profit),
            "margin": ratio_number(s.margin),
            "gross_profit_change": money_number(s.gross_profit_change),
        }
        for s in sensitivity.scenarios
    ]
    be = sensitivity.break_even
    rows.append(
        {
            "driver": "break-even volume",
            "change": None if be.volume_factor is None else float(ratio(be.volume_factor - 1)),
            "label": "break-even volume",
            "volume_factor": ratio_number(be.volume_factor),
            "monthly_units": None if be.monthly_units is None else float(round(be.monthly_units)),
            "gross_profit": 0.0 if be.volume_factor is not None else None,
            "gross_profit_change": money_number(-case.gross_profit) if be.volume_factor is not None else None,
        }
    )
    return rows


def _risk_row(risk: Risk) -> dict[str, Any]:
    if risk.unit == "money":
        figure, limit = money_number(risk.figure), money_number(risk.limit)
    elif risk.unit == "ratio":
        figure, limit = ratio_number(risk.figure), ratio_number(risk.limit)
    else:
        figure = None if risk.figure is None else int(risk.figure)
        limit = None if risk.limit is None else int(risk.limit)
    return {
        "risk": risk.key,
        "title": risk.title,
        "flagged": risk.flagged,
        "figure": figure,
        "limit": limit,
        "unit": risk.unit,
        "detail": risk.detail,
    }
