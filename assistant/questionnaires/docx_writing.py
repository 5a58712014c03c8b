"""Writes answers into a Word questionnaire: paragraphs after each question, or a question table's cell."""

from __future__ import annotations

import re
from collections.abc import Sequence

from docx.enum.text import WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.shared import Cm
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from assistant.questionnaires.docx_reading import row_cells
from assistant.questionnaires.layout import (
    ANSWER,
    APPROVED,
    CONFIDENCE,
    NEEDS_REVIEW,
    SOURCES,
    DocumentQuestionnaire,
    Fill,
    ParagraphPlace,
    TableLayout,
    TablePlace,
)

_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_RESPONSE_WIDTH = Cm(7)


def fill_document(questionnaire: DocumentQuestionnaire, fills: Sequence[Fill]) -> None:
    """Write each question's fill into the document in memory (the caller saves it).

    Every answer ends with a line "Confidence: … · Sources: … · Needs review: … · Approved: ", where a
    reviewer types yes to take the answer into the answer library.
    """
    for question, fill in zip(questionnaire.questions, fills, strict=True):
        place = question.place
        if isinstance(place, ParagraphPlace):
            _write_after(place.paragraph, fill)
        elif isinstance(place, TablePlace):
            _write_cell(_response_cell(place.layout, place.row), fill)


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def _answer_parts(fill: Fill) -> list[str]:
    return [part.strip() for part in re.split(r"\n\s*\n", _clean(fill.answer)) if part.strip()]


def _meta_line(fill: Fill) -> str:
    sources = "; ".join(fill.sources) if fill.sources else "none"
    return f"{CONFIDENCE}: {fill.confidence} · {SOURCES}: {_clean(sources)} · "


def _write_meta(paragraph: Paragraph, fill: Fill) -> None:
    paragraph.add_run(_meta_line(fill)).italic = True
    review = paragraph.add_run(f"{NEEDS_REVIEW}: {fill.review_text}")
    review.italic = True
    if fill.needs_review:
        review.bold = True
        review.font.highlight_color = WD_COLOR_INDEX.YELLOW
    paragraph.add_run(f" · {APPROVED}: ").italic = True


def _write_after(question: Paragraph, fill: Fill) -> None:
    """Insert the answer paragraphs and a confidence/sources/review line right after the question."""
    anchor = question
    indent = question.paragraph_format.left_indent
    for index, part in enumerate([*_answer_parts(fill), None]):
        element = OxmlElement("w:p")
        anchor._p.addnext(element)
        paragraph = Paragraph(element, question._parent)
        if indent is not None:
            paragraph.paragraph_format.left_indent = indent
        if part is None:
            _write_meta(paragraph, fill)
        else:
            if index == 0:
                paragraph.add_run(f"{ANSWER}: ").bold = True
            paragraph.add_run(part)
        anchor = paragraph


def _response_cell(layout: TableLayout, row: int) -> _Cell:
    """The row's cell in the response column, adding a "Response" column to the table the first time."""
    table = layout.table
    if layout.response_col is None:
        table.add_column(_RESPONSE_WIDTH)
        layout.response_col = len(table.columns) - 1
        header = row_cells(table.rows[layout.header_row])[layout.response_col]
        if header is not None:
            header.paragraphs[0].add_run("Response").bold = True
    cell = row_cells(table.rows[row])[layout.response_col]
    assert cell is not None
    return cell


def _write_cell(cell: _Cell, fill: Fill) -> None:
    """Replace the cell's content (empty or a placeholder) with the answer paragraphs and the meta line."""
    paragraphs = cell.paragraphs
    for extra in paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    first = paragraphs[0]
    first.clear()
    parts = _answer_parts(fill)
    first.add_run(parts[0] if parts else "")
    for part in parts[1:]:
        cell.add_paragraph(part)
    _write_meta(cell.add_paragraph(), fill)
