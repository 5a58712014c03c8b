"""Finds the questions of a .docx questionnaire: numbered question paragraphs and question tables."""

from __future__ import annotations

import re
from pathlib import Path

from docx.document import Document
from docx.oxml.table import CT_Tc
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

from assistant.questionnaires.layout import (
    DocumentQuestionnaire,
    FoundQuestion,
    ParagraphPlace,
    TableLayout,
    TablePlace,
)
from assistant.questionnaires.phrasing import (
    has_letters,
    has_numbering,
    is_answer_header,
    is_question_header,
    looks_like_question,
    looks_like_requirement,
    looks_like_section_heading,
    squash,
    strip_numbering,
)

_HEADER_SCAN_ROWS = 3
_PLACEHOLDER = re.compile(
    r"^(\[.*\]|<.*>|tbd|to be completed|\(?(vendor|supplier|bidder) (response|to complete)\)?)$", re.I
)


def find_document_questions(path: Path, document: Document) -> DocumentQuestionnaire:
    """Question paragraphs and question-table rows, in document order (top-level body only)."""
    tables: list[TableLayout] = []
    questions: list[FoundQuestion] = []
    paragraphs = table_count = 0
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            paragraphs += 1
            if _is_question_paragraph(block):
                where = f"paragraph {paragraphs}"
                questions.append(FoundQuestion(squash(block.text), where, ParagraphPlace(block)))
            continue
        table_count += 1
        found = _find_in_table(block)
        if found is None:
            continue
        layout, rows = found
        tables.append(layout)
        for row, text in rows:
            where = f"table {table_count}, row {row + 1}"
            questions.append(FoundQuestion(text, where, TablePlace(layout, row)))
    return DocumentQuestionnaire(path=path, document=document, tables=tables, questions=questions)


def row_cells(row: _Row) -> list[_Cell | None]:
    """The row's cells by layout-grid column (a merged cell repeats; missing leading columns are None)."""
    return [None] * row.grid_cols_before + list(row.cells)


def _list_numbered(paragraph: Paragraph) -> bool:
    """Whether Word numbers the paragraph (directly or through its style) as a list item."""
    num_path = "./w:pPr/w:numPr/w:numId/@w:val"
    style = paragraph.style
    num_ids = paragraph._p.xpath(num_path) or (style.element.xpath(num_path) if style is not None else [])
    if num_ids:
        return str(num_ids[0]) != "0"  # numId 0 switches numbering off
    return bool(style is not None and style.name and style.name.lower().startswith("list number"))


def _is_question_paragraph(paragraph: Paragraph) -> bool:
    text = squash(paragraph.text)
    if not has_letters(text):
        return False
    style = paragraph.style.name.lower() if paragraph.style is not None and paragraph.style.name else ""
    if style == "title":
        return False
    if style.startswith("heading"):
        return has_numbering(text) and text.endswith("?")
    if not (has_numbering(text) or _list_numbered(paragraph)):
        return False
    body = strip_numbering(text)
    return looks_like_question(body) or looks_like_requirement(body)


def _is_empty_response(cell: _Cell | None) -> bool:
    if cell is None:
        return False
    text = squash(cell.text)
    return not text or bool(_PLACEHOLDER.match(text))


def _find_in_table(table: Table) -> tuple[TableLayout, list[tuple[int, str]]] | None:
    header = _find_header(table)
    if header is None:
        return None
    header_row, question_col = header
    rows: list[tuple[int, str]] = []
    seen: set[CT_Tc] = set()  # the elements themselves (ids of lxml proxies get reused)
    for index in range(header_row + 1, len(table.rows)):
        cells = row_cells(table.rows[index])
        cell = cells[question_col] if question_col < len(cells) else None
        if cell is None or cell._tc in seen:  # a vertically merged cell repeats on later rows
            continue
        seen.add(cell._tc)
        banner = len(cells) > 1 and all(other is not None and other._tc is cell._tc for other in cells)
        text = squash(cell.text)
        if banner or not has_letters(text) or is_question_header(text) or looks_like_section_heading(text):
            continue
        rows.append((index, text))
    if not rows:
        return None
    response_col = _response_column(table, header_row, question_col, [index for index, _ in rows])
    return TableLayout(table, header_row, question_col, response_col), rows


def _find_header(table: Table) -> tuple[int, int] | None:
    for index, row in enumerate(table.rows[:_HEADER_SCAN_ROWS]):
        for col, cell in enumerate(row_cells(row)):
            if cell is not None and is_question_header(cell.text):
                return index, col
    return None


def _response_column(table: Table, header_row: int, question_col: int, rows: list[int]) -> int | None:
    """An Answer/Response column whose cells are empty (or placeholders) on every question row."""
    header = row_cells(table.rows[header_row])
    for col, cell in enumerate(header):
        if col == question_col or cell is None or not is_answer_header(cell.text):
            continue
        responses = [row_cells(table.rows[row]) for row in rows]
        if all(col < len(cells) and _is_empty_response(cells[col]) for cells in responses):
            return col
    return None
