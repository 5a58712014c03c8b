"""The library health digest as plain text (Markdown bullets), for the terminal and for Slack."""

from __future__ import annotations

from assistant.library.linting import KINDS, Finding, LintReport
from assistant.library.usage import SIGNALS, Signal

TOP = 5
PER_OWNER = 10  # findings listed per owner and kind; the rest are counted


def digest_text(report: LintReport, *, top: int = TOP) -> str:
    """Findings per owner, then the most used and never used rows."""
    lines = [_summary(report)]
    lines += [f"- cannot read {p}" for p in report.problems]
    for owner, findings in report.by_owner().items():
        lines.append(f"\n{owner}:")
        for kind in KINDS:
            of_kind = [f for f in findings if f.kind == kind]
            for finding in of_kind[:PER_OWNER]:
                lines.append(f"- {kind}: {_finding(finding)}")
            if len(of_kind) > PER_OWNER:
                lines.append(f"- {kind}: ... and {len(of_kind) - PER_OWNER} more")
    lines += usage_lines(report, top=top)
    return "\n".join(lines)


def usage_lines(report: LintReport, *, top: int = TOP) -> list[str]:
    usage = report.usage
    if usage is None:
        return []
    lines = ["\nMost used library rows:"]
    most = usage.most_used(report.rows, top)
    lines += [f"- {row.label} ({_counts(counts)})" for row, counts in most] or ["- none cited yet"]
    never = usage.never_used(report.rows)
    lines.append(f"\nNever used: {len(never)} of {len(report.rows)} rows")
    lines += [f"- {row.label} (owner: {row.owner or 'none'})" for row in never[:top]]
    documents = usage.top_documents(top)
    if documents:
        lines.append("\nMost used documents:")
        lines += [f"- {source} ({_counts(counts)})" for source, counts in documents]
    return lines


def _summary(report: LintReport) -> str:
    counts = {kind: sum(f.kind == kind for f in report.findings) for kind in KINDS}
    parts = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) or "no findings"
    return f"Answer library: {len(report.rows)} rows; {parts}."


def _finding(finding: Finding) -> str:
    rows = " <> ".join(r.label for r in finding.rows)
    return f"{rows} — {finding.detail}"


def _counts(counts: dict[Signal, int]) -> str:
    return ", ".join(f"{counts[s]} {s}" for s in SIGNALS if counts.get(s))
