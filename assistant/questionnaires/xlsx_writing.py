"""Writes answers into a workbook: Answer, Confidence, Sources, Needs review and (empty) Approved columns."""

from __future__ import annotations

from collections.abc import Sequence
from copy import copy

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from assistant.questionnaires.layout import (
    ANSWER,
    APPROVED,
    COLUMNS,
    CONFIDENCE,
    NEEDS_REVIEW,
    SOURCES,
    Fill,
    SheetLayout,
    SheetPlace,
    WorkbookQuestionnaire,
)

_WIDTHS = {ANSWER: 70.0, CONFIDENCE: 12.0, SOURCES: 45.0, NEEDS_REVIEW: 13.0, APPROVED: 11.0}
_CELL_LIMIT = 32_767  # Excel's maximum characters per cell
_REVIEW_FILL = PatternFill("solid", fgColor="FFC7CE")
_WRAP = Alignment(wrap_text=True, vertical="top")


def fill_workbook(questionnaire: WorkbookQuestionnaire, fills: Sequence[Fill]) -> dict[str, dict[str, int]]:
    """Write each question's fill into the workbook in memory (the caller saves it).

    Returns the columns written per sheet (label -> column), for the marker the import reads back.
    """
    wb = questionnaire.workbook
    rows_of: dict[int, list[tuple[int, Fill]]] = {}
    placed: dict[str, dict[str, int]] = {}
    for question, fill in zip(questionnaire.questions, fills, strict=True):
        assert isinstance(question.place, SheetPlace)
        rows_of.setdefault(id(question.place.layout), []).append((question.place.row, fill))
    for layout in questionnaire.sheets:
        ws = wb[layout.sheet]
        entries = rows_of.get(id(layout), [])
        columns = _place_columns(ws, layout)
        _write_headers(ws, layout, columns, first_row=min(row for row, _ in entries))
        for row, fill in entries:
            _write_row(ws, ws.cell(row, layout.question_col), columns, fill)
        placed[layout.sheet] = columns
    return placed


def _place_columns(ws: Worksheet, layout: SheetLayout) -> dict[str, int]:
    """Columns for the four labels: reused empty ones, then new ones next to the question/answer column."""
    columns = dict(layout.reusable)
    missing = [label for label in COLUMNS if label not in columns]
    if not missing:
        return columns
    start = max(layout.question_col, layout.question_end_col, columns.get(ANSWER, 0)) + 1
    if not _columns_empty(ws, start, len(missing)):
        if _insert_is_safe(ws):
            _insert_columns(ws, start, len(missing))
            columns = {label: col + len(missing) if col >= start else col for label, col in columns.items()}
        else:
            start = ws.max_column + 1
    for offset, label in enumerate(missing):
        columns[label] = start + offset
        ws.column_dimensions[get_column_letter(start + offset)].width = _WIDTHS[label]
    return columns


def _columns_empty(ws: Worksheet, start: int, count: int) -> bool:
    last = min(start + count - 1, ws.max_column)
    if start > last:
        return True
    for merged in ws.merged_cells.ranges:
        if merged.min_col <= last and merged.max_col >= start:
            return False
    cells = ws.iter_rows(min_row=1, max_row=ws.max_row, min_col=start, max_col=last, values_only=True)
    return all(value is None for row in cells for value in row)


def _insert_is_safe(ws: Worksheet) -> bool:
    """Whether inserting columns breaks nothing openpyxl cannot re-point (formulas, tables, filters, ...)."""
    wb = ws.parent
    if wb.defined_names or any(
        _has_formulas(sheet) for sheet in wb.worksheets if isinstance(sheet, Worksheet)
    ):
        return False
    return not (
        ws.tables
        or ws.data_validations.dataValidation
        or len(ws.conditional_formatting)
        or ws.auto_filter.ref
        or ws._hyperlinks
        or ws._charts
        or ws._images
        or ws.print_area
    )


def _has_formulas(ws: Worksheet) -> bool:
    return any(cell.data_type == "f" for row in ws.iter_rows() for cell in row)


def _insert_columns(ws: Worksheet, start: int, count: int) -> None:
    """insert_cols, plus what openpyxl leaves behind: merged ranges and column widths."""
    merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
    for min_row, min_col, max_row, max_col in merged:
        ws.unmerge_cells(start_row=min_row, start_column=min_col, end_row=max_row, end_column=max_col)
    widths = {
        column_index_from_string(key): dim.width for key, dim in ws.column_dimensions.items() if dim.width
    }
    ws.insert_cols(start, count)
    for min_row, min_col, max_row, max_col in merged:
        if min_col >= start:
            min_col += count
        if max_col >= start:
            max_col += count  # a banner spanning the insertion point keeps spanning the whole row
        ws.merge_cells(start_row=min_row, start_column=min_col, end_row=max_row, end_column=max_col)
    for col in sorted(widths, reverse=True):
        if col >= start:
            ws.column_dimensions[get_column_letter(col + count)].width = widths[col]


def _write_headers(ws: Worksheet, layout: SheetLayout, columns: dict[str, int], first_row: int) -> None:
    """Label the columns in the header row, or in the empty row above the first question if there is none."""
    row = layout.header_row
    if row is None:
        row = first_row - 1
        if row < 1 or any(ws.cell(row, col).value is not None for col in columns.values()):
            return
    source = ws.cell(row, layout.question_col)
    for label, col in columns.items():
        cell = ws.cell(row, col)
        if cell.value is None:
            cell._style = copy(source._style)
            cell.value = label
            if layout.header_row is None:
                cell.font = Font(bold=True)


def _write_row(ws: Worksheet, question: Cell, columns: dict[str, int], fill: Fill) -> None:
    values = {
        ANSWER: fill.answer,
        CONFIDENCE: fill.confidence,
        SOURCES: "\n".join(fill.sources),
        NEEDS_REVIEW: fill.review_text,
        APPROVED: "",
    }
    for label, col in columns.items():
        cell = ws.cell(question.row, col)
        cell._style = copy(question._style)
        if label == APPROVED:
            cell.value = None
        else:
            _set_text(cell, values[label])
        cell.alignment = _WRAP
        if label == NEEDS_REVIEW and fill.needs_review:
            cell.fill = _REVIEW_FILL


def _set_text(cell: Cell, text: str) -> None:
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", text)[:_CELL_LIMIT]
    cell.data_type = "s"  # an answer starting with "=" is text, not a formula
