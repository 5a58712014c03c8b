"""Report charts drawn with matplotlib's Agg canvas (no pyplot, no display) and returned as PNG bytes."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from evals.metrics import QUALITY_METRICS, MetricValues

_COLOURS = ("#2f6fb0", "#e08a2c", "#5a9e4b", "#9b59b6")


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return buffer.getvalue()


def metric_bars(values_by_system: Mapping[str, MetricValues]) -> bytes:
    """Grouped bars of every quality metric (0..1), one colour per system; missing values are left out."""
    fig = Figure(figsize=(9, 4), dpi=100, layout="constrained")
    ax = fig.subplots()
    systems = list(values_by_system)
    width = 0.8 / max(1, len(systems))
    positions = range(len(QUALITY_METRICS))
    for i, system in enumerate(systems):
        values = values_by_system[system]
        xs = [p + (i - (len(systems) - 1) / 2) * width for p in positions]
        heights = [values.get(m) or 0.0 for m in QUALITY_METRICS]
        bars = ax.bar(xs, heights, width=width, label=system, color=_COLOURS[i % len(_COLOURS)])
        labels = ["n/a" if values.get(m) is None else f"{values[m]:.2f}" for m in QUALITY_METRICS]
        ax.bar_label(bars, labels=labels, fontsize=7, padding=2)
    ax.set_xticks(list(positions), [m.replace("_", " ") for m in QUALITY_METRICS], rotation=25, ha="right")
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("score (leak rate: lower is better)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=max(1, len(systems)), frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def latency_histogram(latencies_by_system: Mapping[str, Sequence[float]]) -> bytes:
    """Overlaid histograms of per-case latency in milliseconds, one colour per system."""
    fig = Figure(figsize=(9, 3.5), dpi=100, layout="constrained")
    ax = fig.subplots()
    everything = [v for values in latencies_by_system.values() for v in values]
    top = max(everything, default=1.0) or 1.0
    bins = [top * i / 20 for i in range(21)]
    for i, (system, values) in enumerate(latencies_by_system.items()):
        ax.hist(list(values), bins=bins, alpha=0.6, label=system, color=_COLOURS[i % len(_COLOURS)])
    ax.set_xlabel("latency per case (ms)")
    ax.set_ylabel("cases")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(
        loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=max(1, len(latencies_by_system)), frameon=False
    )
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)
