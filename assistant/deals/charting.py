"""The business case chart for people: gross profit by contract year and the sensitivity tornado (PNG).

Drawn on matplotlib's Agg canvas (no pyplot, no display), returned as bytes.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from assistant.deals.computing import BusinessCase
from assistant.deals.sensitivity import Sensitivity

__all__ = ["case_chart"]

_GAIN, _LOSS, _BAR = "#5a9e4b", "#c0392b", "#2f6fb0"
_THOUSANDS = FuncFormatter(lambda value, _: f"${value / 1000:,.0f}k")


def case_chart(case: BusinessCase, sensitivity: Sensitivity) -> bytes:
    """Two panels: gross profit per contract year (partial years marked), and each driver's extremes
    as a tornado of term gross profit change, widest swing on top."""
    fig = Figure(figsize=(10, 4), dpi=100, layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=(1, 1.4))
    labels = [f"Y{y.year}" + ("" if y.months == 12 else f" ({y.months} mo)") for y in case.years]
    values = [float(y.gross_profit) for y in case.years]
    bars = left.bar(labels, values, color=[_BAR if v >= 0 else _LOSS for v in values])
    left.bar_label(bars, labels=[f"${v / 1000:,.0f}k" for v in values], fontsize=8, padding=2)
    left.axhline(0, color="black", linewidth=0.8)
    left.set_title("Gross profit by contract year", fontsize=10)
    left.set_ylabel("USD")
    left.yaxis.set_major_formatter(_THOUSANDS)
    left.grid(axis="y", alpha=0.3)

    drivers: dict[str, list[float]] = {}
    for s in sensitivity.scenarios:
        drivers.setdefault(s.driver, []).append(float(s.gross_profit_change))
    ranked = sorted(drivers.items(), key=lambda kv: max(kv[1]) - min(kv[1]))
    for i, (_, changes) in enumerate(ranked):
        low, high = min(changes), max(changes)
        right.barh(i, low, color=_LOSS if low < 0 else _GAIN)
        right.barh(i, high, color=_GAIN if high > 0 else _LOSS)
    right.set_yticks(range(len(ranked)), [_driver_label(d, sensitivity) for d, _ in ranked], fontsize=8)
    right.axvline(0, color="black", linewidth=0.8)
    right.set_title("Sensitivity: change in term gross profit", fontsize=10)
    right.set_xlabel("USD")
    right.xaxis.set_major_formatter(_THOUSANDS)
    right.grid(axis="x", alpha=0.3)
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return buffer.getvalue()


def _driver_label(driver: str, sensitivity: Sensitivity) -> str:
    changes = [s for s in sensitivity.scenarios if s.driver == driver]
    if driver == "staffing":
        return "staffing ±1 FTE"
    widest = max(abs(s.change) for s in changes)
    return f"{driver} ±{float(widest * 100):g}%"
