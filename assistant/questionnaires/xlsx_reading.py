"""Finds the questions of an .xlsx questionnaire: the question column of each sheet and its question rows."""

from __future__ import annotations

from pathlib import Path

from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from assistant.errors import QuestionnaireError
from assistant.questionnaires.layout import (
    ANSWER,
    APPROVED,
    CONFIDENCE,
    NEEDS_REVIEW,
    SOURCES,
    FoundQuestion,
    SheetLayout,
    SheetPlace,
    WorkbookQuestionnaire,
)
from assistant.questionnaires.phrasing import (
    has_letters,
    header_key,
    is_answer_header,
    is_question_header,
    looks_like_question,
    looks_like_requirement,
    looks_like_section_heading,
    squash,
)

_HEADER_SCAN_ROWS = 30
# A sheet's real extent (its farthest cell, even an empty styled one) must stay within these: a 5 KB file
# with one cell at XFD1048576 would otherwise be iterated, and written back, over 17 billion cells.
MAX_SHEET_ROWS = 50_000
MAX_SHEET_COLUMNS = 1_000
MAX_SHEET_CELLS = 5_000_000
_META_HEADERS = {
    "confidence": CONFIDENCE,
    "source": SOURCES,
    "sources": SOURCES,
    "needs review": NEEDS_REVIEW,
    "review": NEEDS_REVIEW,
    "approved": APPROVED,
}


def find_workbook_questions(path: Path, workbook: Workbook) -> WorkbookQuestionnaire:
    """Every question of every visible sheet, in sheet then row order."""
    layouts: list[SheetLayout] = []
    questions: list[FoundQuestion] = []
    for ws in workbook.worksheets:
        if not isinstance(ws, Worksheet) or ws.sheet_state != "visible":
            continue
        _check_extent(path, ws)
        found = _find_in_sheet(ws)
        if found is None:
            continue
        layout, rows = found
        layouts.append(layout)
        column = get_column_letter(layout.question_col)
        for row in rows:
            text = squash(str(ws.cell(row, layout.question_col).value))
            questions.append(FoundQuestion(text, f"{ws.title}!{column}{row}", SheetPlace(layout, row)))
    return WorkbookQuestionnaire(path=path, workbook=workbook, sheets=layouts, questions=questions)


def _text(value: object) -> str:
    return squash(value) if isinstance(value, str) else ""


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Merges:
    """Merges across columns: a banner spanning the row is a section header; a wide question cell is not."""

    def __init__(self, ws: Worksheet) -> None:
        self.cover: dict[tuple[int, int], tuple[int, int]] = {}
        for merged in ws.merged_cells.ranges:
            if merged.max_col > merged.min_col:
                for row in range(merged.min_row, merged.max_row + 1):
                    for col in range(merged.min_col, merged.max_col + 1):
                        self.cover[row, col] = (merged.min_col, merged.max_col)

    def is_banner(self, row: int, col: int, width: tuple[int, int]) -> bool:
        """Whether the cell lies in a merge spanning the whole table width (first, last column)."""
        span = self.cover.get((row, col))
        return span is not None and span[0] <= width[0] and span[1] >= width[1]

    def last_col(self, row: int, col: int) -> int:
        span = self.cover.get((row, col))
        return span[1] if span else col


def _check_extent(path: Path, ws: Worksheet) -> None:
    """QuestionnaireError when the sheet's cells reach beyond the row, column or cell limits."""
    rows, cols = ws.max_row, ws.max_column  # from the cells present, not the declared dimension
    if rows > MAX_SHEET_ROWS or cols > MAX_SHEET_COLUMNS or rows * cols > MAX_SHEET_CELLS:
        raise QuestionnaireError(
            f"{path.name}: sheet '{ws.title}' extends to {get_column_letter(cols)}{rows} "
            f"({rows:,} rows x {cols:,} columns; the limit is {MAX_SHEET_ROWS:,} rows, "
            f"{MAX_SHEET_COLUMNS:,} columns and {MAX_SHEET_CELLS:,} cells): "
            "delete the unused rows and columns and save it again"
        )


class _Grid:
    """A sheet's cell values, 1-based like Excel, read once (rows without their trailing empty cells)."""

    def __init__(self, ws: Worksheet) -> None:
        self.values = [_trimmed(row) for row in ws.iter_rows(max_row=ws.max_row, values_only=True)]
        while self.values and not self.values[-1]:
            self.values.pop()
        self.rows = len(self.values)
        self.cols = max((len(row) for row in self.values), default=0)

    def raw(self, row: int, col: int) -> object:
        values = self.values[row - 1] if row <= self.rows else ()
        return values[col - 1] if col <= len(values) else None

    def text(self, row: int, col: int) -> str:
        return _text(self.raw(row, col))

    def width(self, row: int | None = None) -> tuple[int, int]:
        """First and last column holding a value, in one row or in the whole sheet."""
        rows = [self.values[row - 1]] if row else self.values
        used = [col for values in rows for col, value in enumerate(values, start=1) if not _is_blank(value)]
        return (min(used), max(used)) if used else (1, max(self.cols, 1))


def _trimmed(row: tuple[object, ...]) -> tuple[object, ...]:
    end = len(row)
    while end and _is_blank(row[end - 1]):
        end -= 1
    return row[:end]


def _find_in_sheet(ws: Worksheet) -> tuple[SheetLayout, list[int]] | None:
    grid = _Grid(ws)
    merges = _Merges(ws)
    header = _find_header(grid)
    header_row: int | None
    if header is not None:
        header_row, question_col = header
        width = grid.width(header_row)
        rows = [
            row
            for row in range(header_row + 1, grid.rows + 1)
            if _is_listed_question(grid.text(row, question_col), merges.is_banner(row, question_col, width))
        ]
    else:
        width = grid.width()
        by_content = _question_column_by_content(grid, merges, width)
        if by_content is None:
            return None
        question_col = by_content
        rows = [
            row
            for row in range(1, grid.rows + 1)
            if not merges.is_banner(row, question_col, width) and _is_question(grid.text(row, question_col))
        ]
        header_row = _header_above(grid, question_col, rows[0]) if rows else None
    if not rows:
        return None
    reusable = _reusable_columns(grid, header_row, question_col, rows) if header_row else {}
    last_col = max(merges.last_col(row, question_col) for row in rows)
    return SheetLayout(ws.title, question_col, header_row, reusable, last_col), rows


def _find_header(grid: _Grid) -> tuple[int, int] | None:
    """The top-most, left-most cell naming the question column, as (row, column)."""
    for row in range(1, min(grid.rows, _HEADER_SCAN_ROWS) + 1):
        for col in range(1, grid.cols + 1):
            if is_question_header(grid.text(row, col)):
                return row, col
    return None


def _is_question(text: str) -> bool:
    return has_letters(text) and (looks_like_question(text) or looks_like_requirement(text))


def _is_listed_question(text: str, banner: bool) -> bool:
    """A cell under a Question/Requirement header is an item to answer unless it is a heading or blank."""
    if banner or not has_letters(text) or is_question_header(text):
        return False
    return not looks_like_section_heading(text)


def _question_column_by_content(grid: _Grid, merges: _Merges, width: tuple[int, int]) -> int | None:
    """The column whose cells most often read as questions, if they are at least half of its text."""
    best: tuple[int, int] | None = None
    for col in range(1, grid.cols + 1):
        rows = range(1, grid.rows + 1)
        texts = [grid.text(row, col) for row in rows if not merges.is_banner(row, col, width)]
        texts = [t for t in texts if has_letters(t)]
        asked = sum(1 for t in texts if _is_question(t))
        if asked >= 2 and asked * 2 >= len(texts) and (best is None or asked > best[0]):
            best = (asked, col)
    return best[1] if best else None


def _header_above(grid: _Grid, col: int, first_row: int) -> int | None:
    """The row just above the first question, if it labels the column (e.g. an unrecognised "Item")."""
    row = first_row - 1
    if row < 1:
        return None
    text = grid.text(row, col)
    return row if text and not _is_question(text) else None


def _reusable_columns(grid: _Grid, header_row: int, question_col: int, rows: list[int]) -> dict[str, int]:
    """Existing Answer/Response (Confidence, Sources, Needs review) columns empty on every question row."""
    reusable: dict[str, int] = {}
    for col in range(1, grid.cols + 1):
        if col == question_col:
            continue
        text = grid.text(header_row, col)
        label = ANSWER if is_answer_header(text) else _META_HEADERS.get(header_key(text)) if text else None
        if label is None or label in reusable:
            continue
        if all(_is_blank(grid.raw(row, col)) for row in rows):
            reusable[label] = col
    return reusable
