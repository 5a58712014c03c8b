"""How the case moves with its drivers: volume, unit price, unit cost and staffing, and break-even volume.

Each scenario changes one driver on every line (or one FTE on the largest staff role) and recomputes the
whole case, so a scenario's figures obey the same definitions as the base case. Gross profit and margin
are over the whole term; ACV is year 1's.

Break-even volume: total gross profit is linear in a common volume factor k,
GP(k) = k*A + B, with A = the line revenue minus line cost over the term and B = staff fees minus staff
cost plus the transition fee minus the transition cost. The break-even factor is k = -B/A (0 when the
case is profitable at any volume; None when A <= 0 and B < 0: no volume pays).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from assistant.deals.computing import BusinessCase, compute_case
from assistant.deals.model import Deal, StaffRole
from assistant.deals.policy import DealPolicy

__all__ = [
    "PRICE_STEPS",
    "VOLUME_STEPS",
    "BreakEven",
    "Scenario",
    "Sensitivity",
    "break_even",
    "compute_sensitivity",
    "staffing_role",
]

VOLUME_STEPS = tuple(Decimal(s) for s in ("-0.20", "-0.10", "0.10", "0.20"))
PRICE_STEPS = tuple(Decimal(s) for s in ("-0.05", "-0.025", "0.025", "0.05"))
COST_STEPS = PRICE_STEPS
_ZERO = Decimal(0)


@dataclass(frozen=True)
class Scenario:
    """One driver changed: the case's year-1 ACV, term gross profit and margin under the change."""

    driver: str  # "volume", "unit price", "unit cost", "staffing"
    change: Decimal  # -0.2 for -20%; for staffing, FTEs (-1 or +1)
    label: str
    acv_year1: Decimal
    gross_profit: Decimal
    margin: Decimal | None
    gross_profit_change: Decimal  # against the base case


@dataclass(frozen=True)
class BreakEven:
    """The common volume factor at which term gross profit is zero, and year 1's units a month there."""

    volume_factor: Decimal | None
    monthly_units: Decimal | None


@dataclass(frozen=True)
class Sensitivity:
    scenarios: tuple[Scenario, ...]
    break_even: BreakEven


def compute_sensitivity(case: BusinessCase, policy: DealPolicy | None = None) -> Sensitivity:
    """The sensitivity table of a computed case."""
    deal, base = case.deal, case.gross_profit
    scenarios: list[Scenario] = []

    def add(driver: str, change: Decimal, label: str, changed: Deal) -> None:
        c = compute_case(changed, policy)
        scenarios.append(
            Scenario(driver, change, label, c.acv_year1, c.gross_profit, c.margin, c.gross_profit - base)
        )

    for step in VOLUME_STEPS:
        add("volume", step, f"volume {_pct(step)}", _scaled_lines(deal, "monthly_volume", step))
    for step in PRICE_STEPS:
        add("unit price", step, f"unit price {_pct(step)}", _scaled_lines(deal, "unit_price", step))
    for step in COST_STEPS:
        add("unit cost", step, f"unit cost {_pct(step)}", _scaled_lines(deal, "unit_cost", step))
    role = staffing_role(deal)
    if role is not None:
        for fte in (Decimal(-1), Decimal(1)):
            sign = "+" if fte > 0 else "-"
            add("staffing", fte, f"staffing {sign}1 FTE ({role.role})", _staffed(deal, role, fte))
    return Sensitivity(tuple(scenarios), break_even(case))


def staffing_role(deal: Deal) -> StaffRole | None:
    """The role the ±1 FTE scenarios change: the one with the most FTEs (the first of equals)."""
    return max(deal.staff, key=lambda s: s.fte, default=None)


def break_even(case: BusinessCase) -> BreakEven:
    """Break-even volume of a case (see the module docstring)."""
    a = sum((m.line_revenue - m.line_cost for m in case.months), _ZERO)
    b = sum(
        (m.staff_revenue - m.staff_cost + m.one_time_revenue - m.one_time_cost for m in case.months), _ZERO
    )
    units = sum((li.monthly_volume for li in case.deal.lines), _ZERO)
    if a <= 0:
        return BreakEven(_ZERO, _ZERO) if b >= 0 else BreakEven(None, None)
    factor = max(_ZERO, -b / a)
    return BreakEven(factor, factor * units)


def _scaled_lines(deal: Deal, field: str, step: Decimal) -> Deal:
    lines = [li.model_copy(update={field: getattr(li, field) * (1 + step)}) for li in deal.lines]
    return deal.model_copy(update={"lines": lines})


def _staffed(deal: Deal, role: StaffRole, fte: Decimal) -> Deal:
    changed = role.model_copy(update={"fte": max(_ZERO, role.fte + fte)})
    staff = [changed if s is role else s for s in deal.staff]
    return deal.model_copy(update={"staff": staff})


def _pct(step: Decimal) -> str:
    text = f"{step * 100:+.1f}".rstrip("0").rstrip(".")
    return f"{text}%"
