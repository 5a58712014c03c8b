"""Eval reports a knowledge owner can read at a glance: Markdown, and one self-contained HTML page."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from evals.charts import latency_histogram, metric_bars
from evals.judging import MetricCheck
from evals.metrics import ALL_METRICS, LATENCY_METRICS, MetricValues, lower_is_better
from evals.running import CaseResult, RunResult

METRIC_MEANINGS = {
    "hit_at_1": "an expected source is the first source retrieved",
    "recall_at_5": "an expected source is among the first 5 sources retrieved",
    "mrr": "mean of 1/rank of the first expected source",
    "context_fact_recall_at_5": "the top 5 chunks hold every required fact",
    "fact_recall": "the answer shows every required fact",
    "leak_rate": "the answer shows something it must not (lower is better)",
    "refusal_accuracy": "answers what it can, declines what it cannot",
    "citation_validity": "every citation points at a retrieved chunk of a known document",
    "confident_wrong_rate": "confident (high or medium) answers that fail the case (lower is better)",
    "abstention_precision": "refusals (not found or restricted) that were right to refuse",
    "latency_p50_ms": "median time per question",
    "latency_p95_ms": "95th-percentile time per question",
}


@dataclass(frozen=True)
class Report:
    """What a report shows: a primary run, optionally a run to compare with, optionally a gate verdict."""

    title: str
    primary: RunResult
    primary_label: str
    other: RunResult | None = None
    other_label: str | None = None
    checks: list[MetricCheck] | None = None
    notes: list[str] = field(default_factory=list)


def format_value(metric: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f} ms" if metric in LATENCY_METRICS else f"{value:.3f}"


def format_delta(metric: str, primary: float | None, other: float | None) -> str:
    """Primary minus other, marked better/worse according to the metric's direction."""
    if primary is None or other is None:
        return ""
    delta = primary - other
    if abs(delta) < 1e-9:
        return "="
    better = delta < 0 if lower_is_better(metric) else delta > 0
    number = f"{delta:+.0f} ms" if metric in LATENCY_METRICS else f"{delta:+.3f}"
    return f"{number} {'better' if better else 'worse'}"


def verdict_line(report: Report) -> str:
    if report.checks is None:
        return ""
    failed = [c for c in report.checks if not c.passed]
    if not failed:
        return "PASSED: every metric within its limits."
    return "FAILED: " + "; ".join(f"{c.metric} {', '.join(c.reasons)}" for c in failed)


def summary_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the metric table (the same table in the terminal, Markdown and HTML)."""
    header = ["metric", "meaning", report.primary_label]
    if report.other:
        header += [report.other_label or report.other.system, "difference"]
    if report.checks is not None:
        header += ["limit", "verdict"]
    primary, other = report.primary.summary(), report.other.summary() if report.other else {}
    checks = {c.metric: c for c in report.checks or []}
    rows = []
    for metric in ALL_METRICS:
        row = [metric, METRIC_MEANINGS[metric], format_value(metric, primary.get(metric))]
        if report.other:
            row += [
                format_value(metric, other.get(metric)),
                format_delta(metric, primary[metric], other.get(metric)),
            ]
        if report.checks is not None:
            check = checks.get(metric)
            row += (
                [check.limit_text(), "ok" if check.passed else "; ".join(check.reasons)]
                if check
                else ["", ""]
            )
        rows.append(row)
    return header, rows


def breakdown_rows(groups: dict[str, MetricValues]) -> tuple[list[str], list[list[str]]]:
    header = ["metric", *groups]
    rows = [[m] + [format_value(m, values.get(m)) for values in groups.values()] for m in ALL_METRICS]
    return header, rows


def case_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    header = ["case", "kind", "audience", "question", report.primary_label]
    if report.other:
        header.append(report.other_label or report.other.system)
    header.append(f"{report.primary_label} latency")
    others = {c.case.id: c for c in report.other.cases} if report.other else {}
    rows = []
    for result in report.primary.cases:
        case = result.case
        row = [case.id, case.kind, case.audience.value, case.question, _outcome(result)]
        if report.other:
            other = others.get(case.id)
            row.append(_outcome(other) if other else "")
        row.append(format_value("latency_p50_ms", result.score.latency_ms))
        rows.append(row)
    return header, rows


def _outcome(result: CaseResult) -> str:
    if result.score.passed:
        return "pass"
    return "FAIL: " + ", ".join(dict.fromkeys(f.metric for f in result.score.failures))


def failure_rows(run: RunResult) -> tuple[list[str], list[list[str]]]:
    header = ["case", "question", "metric", "expected", "got"]
    questions = {c.case.id: c.case.question for c in run.cases}
    rows = [[f.case_id, questions[f.case_id], f.metric, f.expected, f.got] for f in run.failures()]
    return header, rows


def context_lines(report: Report) -> list[str]:
    run = report.primary
    failed = sum(1 for c in run.cases if not c.score.passed)
    lines = [
        f"Dataset: {run.dataset} ({len(run.cases)} cases, {failed} with failures)",
        f"Knowledge base: {run.kb}",
        f"System: {report.primary_label}",
    ]
    if report.other:
        lines.append(f"Compared with: {report.other_label} on {report.other.kb}")
    return lines + report.notes


# ---- Markdown -----------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(report: Report) -> str:
    """The report as Markdown: verdict, context, metric table, breakdowns, per-case outcomes, failures."""
    parts = [f"# {report.title}"]
    if verdict := verdict_line(report):
        parts.append(f"**{verdict}**")
    parts.append("\n".join(f"- {line}" for line in context_lines(report)))
    parts += ["## Metrics", markdown_table(*summary_rows(report))]
    parts += ["## By kind", markdown_table(*breakdown_rows(report.primary.by_kind()))]
    parts += ["## By audience", markdown_table(*breakdown_rows(report.primary.by_audience()))]
    parts += ["## Cases", markdown_table(*case_rows(report))]
    header, rows = failure_rows(report.primary)
    parts += [f"## Failures of {report.primary_label}", markdown_table(header, rows) if rows else "None."]
    return "\n\n".join(parts) + "\n"


# ---- HTML ---------------------------------------------------------------------------------------

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f2f4f7; }
.pass { color: #1b7a35; font-weight: 600; } .fail { color: #b42318; font-weight: 600; }
img { max-width: 100%; }
"""


def html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(_html_cell(c) for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html_cell(text: str) -> str:
    css = "pass" if text in ("pass", "ok") else "fail" if text.startswith("FAIL") else ""
    return f'<td class="{css}">{html.escape(text)}</td>' if css else f"<td>{html.escape(text)}</td>"


def _image(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page, charts embedded as base64 PNG data URIs."""
    runs = {report.primary_label: report.primary}
    if report.other:
        runs[report.other_label or report.other.system] = report.other
    bars = metric_bars({label: run.summary() for label, run in runs.items()})
    latency = latency_histogram({label: run.latencies() for label, run in runs.items()})
    body = [f"<h1>{html.escape(report.title)}</h1>"]
    if verdict := verdict_line(report):
        css = "pass" if verdict.startswith("PASSED") else "fail"
        body.append(f'<p class="{css}">{html.escape(verdict)}</p>')
    body.append("<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in context_lines(report)) + "</ul>")
    body += [
        "<h2>Metrics</h2>",
        html_table(*summary_rows(report)),
        _image(bars, "quality metrics per system"),
    ]
    body += ["<h2>Latency</h2>", _image(latency, "latency per case")]
    body += ["<h2>By kind</h2>", html_table(*breakdown_rows(report.primary.by_kind()))]
    body += ["<h2>By audience</h2>", html_table(*breakdown_rows(report.primary.by_audience()))]
    body += ["<h2>Cases</h2>", html_table(*case_rows(report))]
    header, rows = failure_rows(report.primary)
    body += [f"<h2>Failures of {html.escape(report.primary_label)}</h2>"]
    body.append(html_table(header, rows) if rows else "<p>None.</p>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(report.title)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
