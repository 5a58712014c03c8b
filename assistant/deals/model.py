"""The deal file: what a deal sheet (YAML or .xlsx) says about a deal, validated field by field.

Every model forbids unknown fields, so a typo ("unit_prise") is an error naming the field rather than
a figure silently left at its default. Money and rates are `Decimal` (a YAML or spreadsheet float is
read through its shortest decimal text, so 0.0365 stays 0.0365).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

__all__ = [
    "CurrentContract",
    "Deal",
    "OneTime",
    "Postage",
    "ServiceLine",
    "StaffRole",
    "Termination",
]

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("1e12"))]
Quantity = Annotated[Decimal, Field(ge=0, le=Decimal("1e12"))]
Share = Annotated[Decimal, Field(ge=0, le=1)]
Change = Annotated[Decimal, Field(gt=-1, le=1)]  # a yearly change: above -100%, at most +100%

MAX_TERM_MONTHS = 240
MAX_LINES = 500


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceLine(_Strict):
    """A priced service: `monthly_volume` units a month at `unit_price`, costing us `unit_cost` each."""

    name: Name
    unit: Name  # "image", "envelope", "statement" (a leading "per " is allowed)
    monthly_volume: Quantity
    unit_price: Money
    unit_cost: Money


class StaffRole(_Strict):
    """Dedicated staff: `fte` people at a loaded `annual_cost` each, billed `monthly_fee` per FTE."""

    role: Name
    fte: Annotated[Decimal, Field(ge=0, le=10_000)]
    annual_cost: Money
    monthly_fee: Money = Decimal(0)


class OneTime(_Strict):
    """One-time items of month 1: the fee billed to the client and our own transition investment."""

    transition_fee: Money = Decimal(0)
    transition_cost: Money = Decimal(0)


class Postage(_Strict):
    """Postage passed through at cost (never revenue) and how many days ahead the client funds it."""

    monthly: Money
    prefund_days: Annotated[int, Field(ge=0, le=365)] = 0


class Termination(_Strict):
    """Termination for convenience: the first month it may take effect, the notice, and the fee owed."""

    earliest_month: Annotated[int, Field(ge=1, le=MAX_TERM_MONTHS)]
    notice_days: Annotated[int, Field(ge=0, le=3650)] = 0
    fee: Money = Decimal(0)


class CurrentContract(_Strict):
    """What the contract being renewed earns today, per year (renewals only)."""

    annual_revenue: Annotated[Decimal, Field(gt=0, le=Decimal("1e12"))]
    annual_gross_profit: Annotated[Decimal, Field(gt=0, le=Decimal("1e12"))]


class Deal(_Strict):
    """One deal file. See README-deal-desk.md for what each field means and how figures use it."""

    client: Name
    kind: Literal["new", "renewal"]
    start: dt.date
    term_months: Annotated[int, Field(ge=1, le=MAX_TERM_MONTHS)]
    discount_rate: Annotated[Decimal, Field(ge=0, le=1)]
    price_escalator: Change = Decimal(0)
    cost_escalator: Change = Decimal(0)
    volume_change: Change = Decimal(0)
    lines: Annotated[list[ServiceLine], Field(min_length=1, max_length=MAX_LINES)]
    staff: Annotated[list[StaffRole], Field(max_length=MAX_LINES)] = Field(default_factory=list)
    one_time: OneTime = Field(default_factory=OneTime)
    postage: Postage | None = None
    sla_credit_cap: Share | None = None
    termination_for_convenience: Termination | None = None
    current: CurrentContract | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Deal:
        if self.kind == "renewal" and self.current is None:
            raise ValueError(
                "current: a renewal needs current.annual_revenue and current.annual_gross_profit"
            )
        if self.kind == "new" and self.current is not None:
            raise ValueError("current: only a renewal has a current contract (kind is new)")
        tfc = self.termination_for_convenience
        if tfc is not None and tfc.earliest_month > self.term_months:
            raise ValueError(
                f"termination_for_convenience.earliest_month: {tfc.earliest_month} is after the last"
                f" month of the term ({self.term_months})"
            )
        return self
