"""The deal desk: deal files, business cases, sensitivity, risks, pricing comparables and the workbook.

Deterministic and auditable: money in Decimal, every figure defined in `computing`, `sensitivity` and
`risks`. Knows nothing of Slack, the terminal or configuration; entry points pass a `DealPolicy`.
"""

from assistant.deals.comparables import (
    Comparable,
    ComparableSet,
    PriceCheck,
    check_prices,
    find_comparables,
    normal_unit,
)
from assistant.deals.computing import BusinessCase, Month, Retention, YearFigures, compute_case
from assistant.deals.model import Deal, ServiceLine, StaffRole
from assistant.deals.policy import DealPolicy
from assistant.deals.reading import DEAL_SUFFIXES, read_deal, read_deal_bytes
from assistant.deals.reporting import case_json
from assistant.deals.reviewing import DealReview, review_deal
from assistant.deals.risks import Risk, assess_risks
from assistant.deals.sensitivity import BreakEven, Scenario, Sensitivity, compute_sensitivity
from assistant.deals.template import write_template

__all__ = [
    "DEAL_SUFFIXES",
    "BreakEven",
    "BusinessCase",
    "Comparable",
    "ComparableSet",
    "Deal",
    "DealPolicy",
    "DealReview",
    "Month",
    "PriceCheck",
    "Retention",
    "Risk",
    "Scenario",
    "Sensitivity",
    "ServiceLine",
    "StaffRole",
    "YearFigures",
    "assess_risks",
    "case_json",
    "check_prices",
    "compute_case",
    "compute_sensitivity",
    "find_comparables",
    "normal_unit",
    "read_deal",
    "read_deal_bytes",
    "review_deal",
    "write_template",
]
