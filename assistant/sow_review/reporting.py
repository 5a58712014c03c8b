"""The internal review report (Markdown or HTML) and the one-paragraph summary: counts by colour, RED first.

The report shows the comparables from past SOWs (other clients' positions and sources), so it is for our
own people only; the summary carries no history and may be shown wherever the review is.
"""

from __future__ import annotations

import html

from assistant.sow_review.judging import Colour
from assistant.sow_review.reviewing import Finding, Review

__all__ = ["MARKS", "render_html", "render_markdown", "summary_line"]

MARKS = {Colour.RED: "🔴", Colour.YELLOW: "🟡", Colour.MISSING: "⚪", Colour.GREEN: "🟢"}


def summary_line(review: Review) -> str:
    """ "12 topics: 2 red, 3 yellow, 1 missing, 6 green" """
    counts = review.counts()
    parts = [f"{counts[c.value]} {c.value}" for c in MARKS if counts[c.value]]
    return f"{len(review.findings)} topics: " + ", ".join(parts)


def render_markdown(review: Review) -> str:
    """The internal report: a summary table, then each finding with quote, position, fallback, history."""
    client = f" for {review.client}" if review.client else ""
    lines = [
        f"# SOW review: {review.document}{client}",
        "",
        "_Internal: the history column names other clients' SOWs. Do not send this report to a client._",
        "",
        f"**{summary_line(review)}**",
        "",
        "| | Topic | Section | Reason | Past SOWs |",
        "|---|---|---|---|---|",
    ]
    for f in review.ordered():
        past = ", ".join(h.value for h in f.history) or "none"
        lines.append(
            f"| {MARKS[f.status]} {f.status.value} | {_cell(f.title)} | {_cell(f.section or '-')} "
            f"| {_cell(f.reason)} | {_cell(past)} |"
        )
    for f in review.ordered():
        lines += ["", f"## {MARKS[f.status]} {f.title} ({f.status.value})", "", f"- **Reason:** {f.reason}"]
        if f.quote:
            lines.append(f"- **Draft ({f.section or 'no section'}):** > {f.quote}")
        lines.append(f"- **Playbook:** {f.playbook}")
        if f.fallback and f.status is not Colour.GREEN:
            lines.append(f"- **Fallback language:** {f.fallback}")
        if f.owner:
            lines.append(f"- **Owner:** {f.owner}")
        lines.append(f"- **History:** {f.history_line()}")
        lines += [f"  - `{h.source}`: {h.value}" + (f" ({h.client})" if h.client else "") for h in f.history]
    return "\n".join(lines) + "\n"


def render_html(review: Review) -> str:
    """The internal report as one self-contained HTML page."""
    rows = "".join(_html_row(f) for f in review.ordered())
    client = f" for {html.escape(review.client)}" if review.client else ""
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>SOW review: {html.escape(review.document)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{border:1px solid #ccc;padding:4px 8px;"
        "vertical-align:top}table{border-collapse:collapse}.red{background:#fdd}.yellow{background:#ffd}"
        ".green{background:#dfd}.missing{background:#eee}blockquote{margin:0;color:#333}</style></head><body>"
        f"<h1>SOW review: {html.escape(review.document)}{client}</h1>"
        "<p><em>Internal: the history column names other clients' SOWs. Do not send this report to a "
        f"client.</em></p><p><strong>{html.escape(summary_line(review))}</strong></p>"
        "<table><tr><th>Status</th><th>Topic</th><th>Draft</th><th>Reason and playbook</th>"
        f"<th>Fallback</th><th>Past SOWs</th></tr>{rows}</table></body></html>\n"
    )


def _html_row(f: Finding) -> str:
    quote = (
        f"<b>{html.escape(f.section or '')}</b><blockquote>{html.escape(f.quote)}</blockquote>"
        if f.quote
        else "-"
    )
    past = (
        "<br>".join(f"{html.escape(h.value)} <code>{html.escape(h.source)}</code>" for h in f.history)
        or "none"
    )
    fallback = html.escape(f.fallback or "") if f.status is not Colour.GREEN else ""
    return (
        f"<tr class='{f.status.value}'><td>{MARKS[f.status]} {f.status.value}</td>"
        f"<td>{html.escape(f.title)}</td>"
        f"<td>{quote}</td><td>{html.escape(f.reason)}<br><small>{html.escape(f.playbook)}</small></td>"
        f"<td>{fallback}</td><td>{past}</td></tr>"
    )


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())
