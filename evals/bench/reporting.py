"""Writing a benchmark run: bench-results.json, a Markdown table per section, and the latency chart (PNG)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as Canvas
from matplotlib.ticker import FuncFormatter

from evals.bench.querying import ASK_P95_TARGET_MS, RETRIEVAL_P95_TARGET_MS, Point
from evals.bench.results import BenchResult, Figure

JSON_NAME = "bench-results.json"
MARKDOWN_NAME = "bench-results.md"
CHART_NAME = "bench-retrieval-latency.png"
_DIGITS = {"ms": 1, "s": 3, "MiB": 0, "chunks/s": 1, "events": 0, "": 3}
_COLOURS = {"embedded": "#2f6fb0", "server": "#e08a2c"}


def number(value: float, unit: str) -> str:
    digits = _DIGITS.get(unit, 2)
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}".strip()


def verdict(passed: bool | None) -> str:
    return "" if passed is None else "pass" if passed else "**miss**"


def reference_text(f: Figure) -> str:
    """The reference cell: what the figure is read against, and its note."""
    reference = f"{f.reference.name}: {number(f.reference.value, f.reference.unit)}" if f.reference else ""
    return "; ".join(part for part in (reference, f.note) if part)


def figure_row(f: Figure) -> str:
    ref = reference_text(f)
    ratio = f"{f.ratio:.2f}×" if f.ratio is not None else ""
    target = f.target.describe(f.unit) if f.target else ""
    return f"| {f.name} | {number(f.value, f.unit)} | {ref} | {ratio} | {target} | {verdict(f.passed)} |"


def render_markdown(result: BenchResult) -> str:
    meta = result.meta
    load = ", ".join(str(x) for x in meta.get("load_average", []))
    wall = number(meta.get("wall_seconds", 0.0), "s")
    lines = [
        "# Deal Assistant benchmark",
        "",
        f"`{meta.get('command')}` on {meta.get('started')}: {meta.get('cpus')} cores, load average {load} at "
        f"start, Python {meta.get('python')}, {meta.get('mode')} mode, {wall} wall time. Every figure is "
        "printed beside a reference measured in the same run on the same machine.",
        "",
        "## Targets",
        "",
        "| Section | Figure | Value | Target | Result |",
        "|---|---|---|---|---|",
    ]
    for f in result.targets():
        target = f.target.describe(f.unit) if f.target else ""
        shown = (
            f"{f.ratio:.3f}× ({number(f.value, f.unit)})"
            if f.target and f.target.on == "ratio" and f.ratio is not None
            else number(f.value, f.unit)
        )
        lines.append(f"| {f.section} | {f.name} | {shown} | {target} | {verdict(f.passed)} |")
    for section in result.section_names():
        lines += ["", f"## {section.capitalize()}", ""]
        for skip in (s for s in result.skips if s.section == section):
            lines.append(f"- skipped: {skip.reason}")
        lines += [f"- {note}" for note in result.notes.get(section, [])]
        figures = [f for f in result.figures if f.section == section]
        if figures:
            lines += [
                "",
                "| Figure | Value | Reference (same run) | Ratio | Target | Result |",
                "|---|---|---|---|---|---|",
            ]
            lines += [figure_row(f) for f in figures]
        if section == "retrieval" and CHART_NAME in result.charts.values():
            lines += ["", f"![Retrieval latency against corpus size]({CHART_NAME})"]
    return "\n".join(lines) + "\n"


def render_chart(points: list[Point]) -> bytes:
    """Retrieval (left) and offline ask (right) latency against chunk count, one colour per backend."""
    fig = Canvas(figsize=(10, 4.2), dpi=100, layout="constrained")
    retrieval, ask = fig.subplots(1, 2)
    for backend in sorted({p.backend for p in points}):
        mine = sorted((p for p in points if p.backend == backend), key=lambda p: p.chunks)
        xs = [p.chunks for p in mine]
        colour = _COLOURS.get(backend, "#5a9e4b")
        retrieval.plot(
            xs, [p.retrieval.p95 for p in mine], "-o", color=colour, label=f"retrieval p95, {backend}"
        )
        retrieval.plot(
            xs, [p.retrieval.p50 for p in mine], ":o", color=colour, label=f"retrieval p50, {backend}"
        )
        retrieval.plot(
            xs,
            [p.raw_query.p95 for p in mine],
            "--s",
            color=colour,
            alpha=0.6,
            label=f"raw query p95, {backend}",
        )
        ask.plot(xs, [p.ask.p95 for p in mine], "-^", color=colour, label=f"ask p95, {backend}")
        ask.plot(xs, [p.ask.p50 for p in mine], ":^", color=colour, label=f"ask p50, {backend}")
    retrieval.axhline(RETRIEVAL_P95_TARGET_MS, color="#999999", linewidth=1, label="p95 target at 100k")
    ask.axhline(ASK_P95_TARGET_MS, color="#999999", linewidth=1, label="p95 target (demo)")
    for ax, title in ((retrieval, "Retrieval latency"), (ask, "Offline ask latency")):
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
        ax.set_xlabel("chunks in the knowledge base (log scale)")
        ax.set_ylabel("milliseconds")
        ax.set_ylim(bottom=0)
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return buffer.getvalue()


def write_results(result: BenchResult, out_dir: Path, points: list[Point]) -> list[Path]:
    """Write the chart (when there are points), the JSON and the Markdown; return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    if points:
        chart = out_dir / CHART_NAME
        chart.write_bytes(render_chart(points))
        result.charts["retrieval_latency"] = CHART_NAME
        written.append(chart)
    data = out_dir / JSON_NAME
    data.write_text(json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md = out_dir / MARKDOWN_NAME
    md.write_text(render_markdown(result), encoding="utf-8")
    return [data, md, *written]
