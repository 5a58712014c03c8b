"""The business case of a deal: month-by-month revenue and cost, and every figure derived from them.

Definitions (the README's "Deal desk" section states them for people):

- Contract year y covers months 12(y-1)+1 .. 12y; the last year may be partial.
- In year y a unit price is unit_price*(1+price_escalator)^(y-1), a unit cost
  unit_cost*(1+cost_escalator)^(y-1), a volume monthly_volume*(1+volume_change)^(y-1); a staff fee
  rises with the price escalator and a staff cost with the cost escalator (staff do not follow volume).
- Recurring monthly revenue = sum(volume*price) + sum(fte*monthly_fee); recurring monthly cost =
  sum(volume*unit_cost) + sum(fte*annual_cost/12). The transition fee is revenue, and the transition
  cost is cost, of month 1 only. Postage is passed through at cost: neither revenue nor cost.
- ACV year 1 = 12 * the recurring monthly revenue of year 1 (annualised even when the term is shorter;
  one-time items excluded). ACV average = recurring revenue over the term * 12 / term_months.
- TCV (contract life value) = all revenue over the term, one-time items included.
- Gross profit = revenue - cost; margin = gross profit / revenue (None when there is no revenue).
- Investment = the transition cost. Payback month = the first month whose cumulative gross profit
  is >= 0 (None: never within the term).
- NPV = sum over months m of GP_m / (1+i)^m, i = (1+discount_rate)^(1/12) - 1 (end of month, as
  Excel's NPV()).
- Business case required when TCV > the policy threshold ($5M by default).
- Renewal retention = ACV year 1 / current.annual_revenue, and 12 * the recurring monthly gross profit of
  year 1 / current.annual_gross_profit; each flagged below the policy floor (90%).

Everything is `Decimal` at the context's 28 digits; rounding to cents happens only when shown.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from assistant.deals.model import Deal
from assistant.deals.policy import DealPolicy

__all__ = ["BusinessCase", "Month", "Retention", "YearFigures", "compute_case", "monthly_rate"]

_ZERO = Decimal(0)
_TWELVE = Decimal(12)


@dataclass(frozen=True)
class Month:
    """One month of the contract, its revenue and cost split by where they come from."""

    month: int
    year: int
    line_revenue: Decimal
    staff_revenue: Decimal
    one_time_revenue: Decimal
    line_cost: Decimal
    staff_cost: Decimal
    one_time_cost: Decimal

    @property
    def recurring_revenue(self) -> Decimal:
        return self.line_revenue + self.staff_revenue

    @property
    def recurring_cost(self) -> Decimal:
        return self.line_cost + self.staff_cost

    @property
    def revenue(self) -> Decimal:
        return self.recurring_revenue + self.one_time_revenue

    @property
    def cost(self) -> Decimal:
        return self.recurring_cost + self.one_time_cost

    @property
    def gross_profit(self) -> Decimal:
        return self.revenue - self.cost


@dataclass(frozen=True)
class YearFigures:
    """A contract year: its months (12, or fewer for a partial last year) and their totals."""

    year: int
    months: int
    revenue: Decimal
    cost: Decimal
    gross_profit: Decimal
    margin: Decimal | None


@dataclass(frozen=True)
class Retention:
    """A renewal's year 1 against today's contract, and whether each share is below the floor."""

    revenue: Decimal
    gross_profit: Decimal
    floor: Decimal

    @property
    def revenue_flagged(self) -> bool:
        return self.revenue < self.floor

    @property
    def gross_profit_flagged(self) -> bool:
        return self.gross_profit < self.floor


@dataclass(frozen=True)
class BusinessCase:
    """Every figure of a deal's business case, exact (round with `assistant.deals.money` to show)."""

    deal: Deal
    months: tuple[Month, ...]
    years: tuple[YearFigures, ...]
    acv_year1: Decimal
    acv_average: Decimal
    tcv: Decimal
    total_cost: Decimal
    gross_profit: Decimal
    margin: Decimal | None
    investment: Decimal
    payback_month: int | None
    npv: Decimal
    monthly_rate: Decimal
    business_case_required: bool
    business_case_threshold: Decimal
    retention: Retention | None

    @property
    def year1_recurring_gross_profit(self) -> Decimal:
        """12 * the recurring (one-time items excluded) monthly gross profit of year 1."""
        first = self.months[0]
        return _TWELVE * (first.recurring_revenue - first.recurring_cost)

    def cumulative_gross_profit(self, through_month: int) -> Decimal:
        """Gross profit of months 1..through_month (0 for through_month < 1)."""
        return sum((m.gross_profit for m in self.months[: max(0, through_month)]), _ZERO)


def monthly_rate(discount_rate: Decimal) -> Decimal:
    """The monthly rate equivalent to an annual one: (1+r)^(1/12) - 1."""
    return (1 + discount_rate) ** (Decimal(1) / _TWELVE) - 1


def compute_case(deal: Deal, policy: DealPolicy | None = None) -> BusinessCase:
    """The business case of `deal` under `policy` (the default policy when None)."""
    policy = policy or DealPolicy()
    months = _months(deal)
    years = tuple(_year(y, [m for m in months if m.year == y]) for y in sorted({m.year for m in months}))
    recurring = sum((m.recurring_revenue for m in months), _ZERO)
    tcv = sum((m.revenue for m in months), _ZERO)
    total_cost = sum((m.cost for m in months), _ZERO)
    gross_profit = tcv - total_cost
    rate = monthly_rate(deal.discount_rate)
    acv_year1 = _TWELVE * months[0].recurring_revenue
    case = BusinessCase(
        deal=deal,
        months=months,
        years=years,
        acv_year1=acv_year1,
        acv_average=recurring * _TWELVE / Decimal(deal.term_months),
        tcv=tcv,
        total_cost=total_cost,
        gross_profit=gross_profit,
        margin=gross_profit / tcv if tcv else None,
        investment=deal.one_time.transition_cost,
        payback_month=_payback_month(months),
        npv=_npv(months, rate),
        monthly_rate=rate,
        business_case_required=tcv > policy.business_case_threshold,
        business_case_threshold=policy.business_case_threshold,
        retention=None,
    )
    if deal.current is None:
        return case
    retention = Retention(
        revenue=acv_year1 / deal.current.annual_revenue,
        gross_profit=case.year1_recurring_gross_profit / deal.current.annual_gross_profit,
        floor=policy.retention_floor,
    )
    return replace(case, retention=retention)


def _months(deal: Deal) -> tuple[Month, ...]:
    by_year: dict[int, tuple[Decimal, Decimal, Decimal, Decimal]] = {}
    months = []
    for m in range(1, deal.term_months + 1):
        year = (m - 1) // 12 + 1
        if year not in by_year:
            by_year[year] = _recurring_of_year(deal, year)
        line_revenue, staff_revenue, line_cost, staff_cost = by_year[year]
        first = m == 1
        months.append(
            Month(
                month=m,
                year=year,
                line_revenue=line_revenue,
                staff_revenue=staff_revenue,
                one_time_revenue=deal.one_time.transition_fee if first else _ZERO,
                line_cost=line_cost,
                staff_cost=staff_cost,
                one_time_cost=deal.one_time.transition_cost if first else _ZERO,
            )
        )
    return tuple(months)


def _recurring_of_year(deal: Deal, year: int) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """Monthly line revenue, staff revenue, line cost and staff cost in contract year `year`."""
    n = year - 1
    volume = (1 + deal.volume_change) ** n
    price = (1 + deal.price_escalator) ** n
    cost = (1 + deal.cost_escalator) ** n
    line_revenue = sum((li.monthly_volume * volume * li.unit_price * price for li in deal.lines), _ZERO)
    line_cost = sum((li.monthly_volume * volume * li.unit_cost * cost for li in deal.lines), _ZERO)
    staff_revenue = sum((s.fte * s.monthly_fee * price for s in deal.staff), _ZERO)
    staff_cost = sum((s.fte * s.annual_cost * cost / _TWELVE for s in deal.staff), _ZERO)
    return line_revenue, staff_revenue, line_cost, staff_cost


def _year(year: int, months: list[Month]) -> YearFigures:
    revenue = sum((m.revenue for m in months), _ZERO)
    cost = sum((m.cost for m in months), _ZERO)
    gp = revenue - cost
    return YearFigures(year, len(months), revenue, cost, gp, gp / revenue if revenue else None)


def _payback_month(months: tuple[Month, ...]) -> int | None:
    cumulative = _ZERO
    for m in months:
        cumulative += m.gross_profit
        if cumulative >= 0:
            return m.month
    return None


def _npv(months: tuple[Month, ...], rate: Decimal) -> Decimal:
    factor = 1 + rate
    discount = Decimal(1)
    total = _ZERO
    for m in months:
        discount *= factor
        total += m.gross_profit / discount
    return total
