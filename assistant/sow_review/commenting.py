"""The commented copy of a Word draft: a review comment at each YELLOW/RED clause and a summary table on top.

The copy may go back to the client, so it carries the verdict, the reason and the fallback language
only: never the history from past SOWs (other clients' positions). The original file is never written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docx
from docx.document import Document
from docx.table import Table
from docx.text.paragraph import Paragraph

from assistant.errors import ReviewError
from assistant.sow_review.judging import Colour
from assistant.sow_review.reporting import summary_line
from assistant.sow_review.reviewing import Finding, Review
from assistant.text import keyword_terms

__all__ = ["AUTHOR", "write_commented_copy"]

AUTHOR = "Deal Assistant"
MATCH_SHARE = 0.6  # share of a clause's terms a paragraph must hold to carry its comment
_COMMENTED = (Colour.RED, Colour.YELLOW)


def write_commented_copy(draft: Path, review: Review, out: Path) -> int:
    """Write `out`: a copy of the .docx `draft` with comments and a summary table; returns comments placed."""
    if draft.suffix.lower() != ".docx":
        raise ReviewError(f"--docx needs a Word draft (.docx); {draft.name} is not one")
    if out.exists() and out.resolve() == draft.resolve():
        raise ReviewError(f"{out.name}: the commented copy must not overwrite the draft")
    try:
        document = docx.Document(str(draft))
    except Exception as e:  # python-docx raises several kinds for a damaged package
        raise ReviewError(f"{draft.name}: cannot open as a Word document ({type(e).__name__})") from e
    targets = list(_paragraphs(document))
    placed = 0
    for finding in review.ordered():
        if finding.status not in _COMMENTED or not finding.quote:
            continue
        paragraph = _anchor(targets, finding.quote)
        if paragraph is None:
            continue
        runs = paragraph.runs or [paragraph.add_run("")]
        document.add_comment(runs, text=comment_text(finding), author=AUTHOR, initials="DA")
        placed += 1
    _insert_summary(document, review)
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))
    return placed


def comment_text(finding: Finding) -> str:
    """What the comment says: status and reason, the playbook position, the language to propose."""
    parts = [
        f"{finding.status.value.upper()}: {finding.title}. {finding.reason}",
        f"Our position: {finding.playbook}.",
    ]
    if finding.fallback:
        parts.append(f"Proposed language: {finding.fallback}")
    return "\n".join(parts)


def _paragraphs(document: Document) -> list[tuple[Paragraph, set[str]]]:
    out: list[tuple[Paragraph, set[str]]] = []
    for paragraph in document.paragraphs:
        out.append((paragraph, set(keyword_terms(paragraph.text))))
    for table in document.tables:
        out += _table_paragraphs(table)
    return [(p, terms) for p, terms in out if terms]


def _table_paragraphs(table: Table) -> list[tuple[Paragraph, set[str]]]:
    """Each row as one target (its terms across cells), anchored on the first cell's first paragraph."""
    out: list[tuple[Paragraph, set[str]]] = []
    for row in table.rows:
        cells = list(row.cells)
        if not cells or not cells[0].paragraphs:
            continue
        terms = set(keyword_terms(" ".join(c.text for c in cells)))
        out.append((cells[0].paragraphs[0], terms))
    return out


def _anchor(targets: list[tuple[Paragraph, set[str]]], quote: str) -> Paragraph | None:
    wanted = set(keyword_terms(quote))
    if not wanted:
        return None
    best, share = None, 0.0
    for paragraph, terms in targets:
        s = len(wanted & terms) / len(wanted)
        if s > share:
            best, share = paragraph, s
    return best if share >= MATCH_SHARE else None


def _insert_summary(document: Document, review: Review) -> None:
    rows = [f for f in review.ordered()]
    table = document.add_table(rows=1, cols=3)
    table.style = _style(document)
    header = table.rows[0].cells
    for cell, text in zip(header, ("Status", "Topic", "Reason"), strict=True):
        cell.text = text
    for f in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = f.status.value.upper(), f.title, f.reason
    heading = document.add_paragraph(f"SOW review by {AUTHOR}: {summary_line(review)}")
    note = document.add_paragraph(
        "Comments in this copy mark each clause to discuss; the original draft is unchanged."
    )
    body: Any = document.element.body
    for element in (note._p, table._tbl, heading._p):  # inserted in reverse at the top
        body.remove(element)
        body.insert(0, element)


def _style(document: Document) -> Any:
    names = {s.name for s in document.styles}
    return "Table Grid" if "Table Grid" in names else None
