"""The risk register: risks read off a case's assumptions, each with the figure behind it and its limit.

- margin: the lowest contract-year margin, flagged below policy.margin_floor.
- sla_credits: SLA credits at the cap for a whole year (sla_credit_cap * ACV year 1) as a share of
  year 1's recurring annual gross profit, flagged above policy.sla_gp_share_limit (or when that gross
  profit is not positive). Only when the deal has an sla_credit_cap.
- termination_exposure: if the client terminates for convenience with effect from earliest_month
  (months 1..earliest_month-1 served), the unrecovered investment:
  max(0, -(cumulative gross profit of those months + the termination fee)); flagged when above 0.
  Only when the deal has a termination_for_convenience clause.
- concentration: the largest service line's share of year 1's recurring monthly revenue, flagged
  above policy.concentration_limit.
- payback: the payback month, flagged when later than policy.payback_limit_months or never.
- postage_float: postage we pay before the client funds it (prefund_days 0), one month's postage at
  risk. Only when the deal has postage.

Flagged risks come first, in the order above (which is the order a deal desk reviews them).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from assistant.deals.computing import BusinessCase
from assistant.deals.money import money_text, percent_text
from assistant.deals.policy import DealPolicy

__all__ = ["Risk", "assess_risks"]

_ZERO = Decimal(0)


@dataclass(frozen=True)
class Risk:
    """One entry of the register: the figure (money or a ratio, per `unit`) and the limit it is held to."""

    key: str
    title: str
    flagged: bool
    figure: Decimal | None  # None: cannot be computed (e.g. never pays back)
    limit: Decimal | None
    unit: str  # "money", "ratio" or "month"
    detail: str


def assess_risks(case: BusinessCase, policy: DealPolicy | None = None) -> list[Risk]:
    """The register of a case, flagged risks first."""
    policy = policy or DealPolicy()
    risks = [_margin(case, policy)]
    if case.deal.sla_credit_cap is not None:
        risks.append(_sla(case, policy, case.deal.sla_credit_cap))
    if case.deal.termination_for_convenience is not None:
        risks.append(_termination(case))
    risks += [_concentration(case, policy), _payback(case, policy)]
    if case.deal.postage is not None:
        risks.append(_postage(case))
    return sorted(risks, key=lambda r: not r.flagged)


def _margin(case: BusinessCase, policy: DealPolicy) -> Risk:
    priced = [y for y in case.years if y.margin is not None]
    worst = min(priced, key=lambda y: y.margin or _ZERO, default=None)
    if worst is None or worst.margin is None:
        return Risk("margin", "Margin below floor", True, None, policy.margin_floor, "ratio", "no revenue")
    flagged = worst.margin < policy.margin_floor
    detail = (
        f"lowest margin {percent_text(worst.margin)} in year {worst.year}"
        f" (floor {percent_text(policy.margin_floor)})"
    )
    return Risk("margin", "Margin below floor", flagged, worst.margin, policy.margin_floor, "ratio", detail)


def _sla(case: BusinessCase, policy: DealPolicy, cap: Decimal) -> Risk:
    credits = cap * case.acv_year1
    annual_gp = case.year1_recurring_gross_profit
    title = "SLA credits at the cap"
    if annual_gp <= 0:
        detail = f"credits up to {money_text(credits)} a year against no annual gross profit"
        return Risk("sla_credits", title, True, None, policy.sla_gp_share_limit, "ratio", detail)
    share = credits / annual_gp
    detail = (
        f"{percent_text(cap)} of monthly fees = {money_text(credits)} a year,"
        f" {percent_text(share)} of year-1 gross profit {money_text(annual_gp)}"
    )
    flagged = share > policy.sla_gp_share_limit
    return Risk("sla_credits", title, flagged, share, policy.sla_gp_share_limit, "ratio", detail)


def _termination(case: BusinessCase) -> Risk:
    tfc = case.deal.termination_for_convenience
    assert tfc is not None
    served = tfc.earliest_month - 1
    recovered = case.cumulative_gross_profit(served) + tfc.fee
    exposure = max(_ZERO, -recovered)
    detail = (
        f"terminated from month {tfc.earliest_month} ({tfc.notice_days} days' notice):"
        f" gross profit of months 1-{served} {money_text(case.cumulative_gross_profit(served))}"
        f" + fee {money_text(tfc.fee)}; unrecovered {money_text(exposure)}"
        f" of the {money_text(case.investment)} investment"
    )
    title = "Termination for convenience exposure"
    return Risk("termination_exposure", title, exposure > 0, exposure, _ZERO, "money", detail)


def _concentration(case: BusinessCase, policy: DealPolicy) -> Risk:
    deal, first = case.deal, case.months[0]
    recurring = first.recurring_revenue
    largest = max(deal.lines, key=lambda li: li.monthly_volume * li.unit_price)
    title = "Revenue concentration in one service line"
    if recurring <= 0:
        return Risk("concentration", title, False, None, policy.concentration_limit, "ratio", "no revenue")
    share = largest.monthly_volume * largest.unit_price / recurring
    detail = f"{largest.name}: {percent_text(share)} of recurring revenue"
    flagged = share > policy.concentration_limit
    return Risk("concentration", title, flagged, share, policy.concentration_limit, "ratio", detail)


def _payback(case: BusinessCase, policy: DealPolicy) -> Risk:
    limit = Decimal(policy.payback_limit_months)
    month = case.payback_month
    title = "Late payback"
    if month is None:
        detail = f"cumulative gross profit never reaches 0 within the {case.deal.term_months}-month term"
        return Risk("payback", title, True, None, limit, "month", detail)
    detail = f"pays back in month {month} (limit month {policy.payback_limit_months})"
    return Risk("payback", title, month > policy.payback_limit_months, Decimal(month), limit, "month", detail)


def _postage(case: BusinessCase) -> Risk:
    postage = case.deal.postage
    assert postage is not None
    floated = postage.monthly if postage.prefund_days == 0 else _ZERO
    detail = (
        f"client prefunds postage {postage.prefund_days} days ahead"
        if postage.prefund_days
        else f"we pay {money_text(postage.monthly)} of postage a month before the client funds it"
    )
    return Risk("postage_float", "Postage float", floated > 0, floated, _ZERO, "money", detail)
