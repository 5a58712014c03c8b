"""Rounding for people and JSON: money to cents, ratios to basis points; figures stay exact until then."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["CENT", "cents", "money_text", "percent_text", "ratio"]

CENT = Decimal("0.01")
_BASIS_POINT = Decimal("0.0001")


def cents(value: Decimal) -> Decimal:
    """Money rounded half-up to the cent (for display and JSON only)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(value: Decimal) -> Decimal:
    """A ratio (margin, share, retention) rounded half-up to four places: 0.2345 is 23.45%."""
    return value.quantize(_BASIS_POINT, rounding=ROUND_HALF_UP)


def money_text(value: Decimal | None) -> str:
    """$1,234,567.89 (negative: -$1,234.50); an em dash for None."""
    if value is None:
        return "—"
    rounded = cents(value)
    sign = "-" if rounded < 0 else ""
    return f"{sign}${abs(rounded):,.2f}"


def percent_text(value: Decimal | None) -> str:
    """23.45% from 0.2345; an em dash for None."""
    if value is None:
        return "—"
    return f"{ratio(value) * 100:.2f}%"
