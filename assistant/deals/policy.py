"""The deal desk's thresholds: when a business case is required and when a risk is flagged.

Plain values the entry points fill from Settings (DEAL_BUSINESS_CASE_THRESHOLD and the others), so the
computation never reads configuration itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["DealPolicy"]


@dataclass(frozen=True)
class DealPolicy:
    """Thresholds of the business case and the risk register (defaults: the sales organisation's rules)."""

    business_case_threshold: Decimal = Decimal(5_000_000)  # contract life value above this: formal case
    retention_floor: Decimal = Decimal("0.90")  # renewal year 1 against today's contract
    margin_floor: Decimal = Decimal("0.20")  # lowest acceptable gross margin in any contract year
    payback_limit_months: int = 18  # payback later than this month is a risk
    concentration_limit: Decimal = Decimal("0.60")  # largest line's share of recurring revenue
    sla_gp_share_limit: Decimal = Decimal("0.25")  # SLA credits at the cap, as a share of annual GP
