"""Reading spreadsheets (.xlsx via openpyxl, .csv) as answer libraries (Q&A rows) or as plain tables.

Sheets are read lazily and bounded: a worksheet's declared dimension (which may claim A1:XFD1048576 in a
5 KB file) is ignored, trailing empty cells and rows are dropped, and a sheet with more rows or columns
holding values than the limits fails the file instead of being materialised.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl

from assistant.errors import DocumentError
from assistant.models import Block, ParsedDocument

from ..limits import DEFAULT_LIMITS, IngestLimits
from .blocks import clean_inline, clean_lines, render_row, table_blocks
from .guards import check_package, decode_utf8, is_cfb, parser_errors, read_bytes

# Header rows are looked for in this many leading rows of a sheet.
HEADER_SCAN_ROWS = 10
_COLUMNS = {
    "question": "question",
    "answer": "answer",
    "tags": "tags",
    "last reviewed": "last_reviewed",
    "owner": "owner",
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def read_xlsx(path: Path, source: str, limits: IngestLimits = DEFAULT_LIMITS) -> ParsedDocument:
    """Read every worksheet: Q&A rows where a question/answer header exists, table rows otherwise."""
    data = read_bytes(path, source, limits.max_file_bytes)
    if is_cfb(data):
        raise DocumentError(source, "password-protected (or a legacy .xls): save it as an unprotected .xlsx")
    check_package(data, source, limits)
    blocks: list[Block] = []
    with parser_errors(source, "spreadsheet"):
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            title = clean_inline(workbook.properties.title or "") or None
            budget = RowBudget(source, limits)
            for sheet in workbook.worksheets:
                sheet.reset_dimensions()  # the declared used range is not to be trusted
                rows = bounded_rows(sheet.iter_rows(values_only=True), budget, f"sheet '{sheet.title}'")
                blocks.extend(sheet_blocks(rows, source, sheet.title))
        finally:
            workbook.close()
    if not blocks and _has_uncached_formulas(data, limits):
        raise DocumentError(source, "empty: formulas without cached values; open and save it in Excel")
    return ParsedDocument(title=title, blocks=blocks)


def read_csv(path: Path, source: str, limits: IngestLimits = DEFAULT_LIMITS) -> ParsedDocument:
    """Read a UTF-8 CSV (comma, semicolon or tab separated) like one worksheet without a name."""
    text = decode_utf8(read_bytes(path, source, limits.max_file_bytes), source)
    with parser_errors(source, "CSV"):
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
        rows = bounded_rows(reader, RowBudget(source, limits), "the file")
    return ParsedDocument(title=None, blocks=sheet_blocks(rows, source, None))


class RowBudget:
    """Rows holding a value, counted across a file's sheets against IngestLimits.max_rows."""

    def __init__(self, source: str, limits: IngestLimits) -> None:
        self.source = source
        self.limits = limits
        self.used = 0


_EMPTY_ROW: list[Any] = []
EXCEL_MAX_ROWS = 1_048_576  # a row number beyond Excel's last row is a forged sheet


def bounded_rows(rows: Iterable[Sequence[Any]], budget: RowBudget, where: str) -> list[list[Any]]:
    """The rows with trailing empty cells and rows dropped; DocumentError beyond the row/column limits.

    Stops reading at the first row over a limit, so a sheet of millions of rows is never held in memory.
    Empty rows are kept as one shared list: the row numbers of the rows after them stay right.
    """
    out: list[list[Any]] = []
    last_filled = 0
    limits = budget.limits
    for number, row in enumerate(rows, start=1):
        if number > EXCEL_MAX_ROWS:
            raise DocumentError(budget.source, f"too large: {where} goes beyond row {EXCEL_MAX_ROWS:,}")
        width = len(row)
        while width and (row[width - 1] is None or row[width - 1] == ""):
            width -= 1
        if not width:
            out.append(_EMPTY_ROW)
            continue
        if width > limits.max_columns:
            raise DocumentError(
                budget.source,
                f"too large: {where} row {number} uses {width:,} columns "
                f"(the limit is {limits.max_columns:,})",
            )
        budget.used += 1
        if budget.used > limits.max_rows:
            raise DocumentError(
                budget.source, f"too large: more than {limits.max_rows:,} rows (at {where} row {number})"
            )
        out.append(list(row[:width]))
        last_filled = number
    del out[last_filled:]
    return out


def _has_uncached_formulas(data: bytes, limits: IngestLimits) -> bool:
    """Whether the workbook holds formulas (read without the values Excel caches beside them)."""
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # the first read succeeded; a failure here only means "cannot tell"
        return False
    try:
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()
            for count, row in enumerate(sheet.iter_rows(values_only=True)):
                if count > limits.max_rows:
                    break
                if any(isinstance(v, str) and v.startswith("=") for v in row):
                    return True
    finally:
        workbook.close()
    return False


def sheet_blocks(rows: Sequence[Sequence[Any]], source: str, sheet: str | None) -> list[Block]:
    """Blocks of one sheet's rows (index 0 is spreadsheet row 1)."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        columns = _qa_columns(row)
        if columns:
            return _qa_blocks(rows, index, columns, source, sheet)
    return _plain_table_blocks(rows, sheet)


def _normalise_header(value: Any) -> str:
    return clean_inline(re.sub(r"[_-]", " ", cell_text(value))).lower().rstrip(":")


def _qa_columns(row: Sequence[Any]) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    for index, value in enumerate(row):
        key = _COLUMNS.get(_normalise_header(value))
        if key and key not in columns:
            columns[key] = index
    return columns if "question" in columns and "answer" in columns else None


def _qa_blocks(
    rows: Sequence[Sequence[Any]], header_index: int, columns: dict[str, int], source: str, sheet: str | None
) -> list[Block]:
    blocks: list[Block] = []
    for index in range(header_index + 1, len(rows)):
        fields = {key: rows[index][i] if i < len(rows[index]) else None for key, i in columns.items()}
        question = clean_inline(cell_text(fields["question"]))
        answer = clean_lines(cell_text(fields["answer"]))
        if not question or not answer:
            continue
        where = f"sheet '{sheet}' row {index + 1}" if sheet else f"row {index + 1}"
        extra = _qa_extra(fields.get("tags"), fields.get("last_reviewed"), fields.get("owner"), source, where)
        blocks.append(
            Block(
                kind="qa",
                text=f"Q: {question}\nA: {answer}",
                question=question,
                answer=answer,
                heading_path=[sheet] if sheet else [],
                sheet=sheet,
                row=index + 1,
                extra=extra,
            )
        )
    return blocks


def _qa_extra(tags: Any, last_reviewed: Any, owner: Any, source: str, where: str) -> dict[str, Any]:
    """The optional columns of a Q&A row; only those with a value are present."""
    extra: dict[str, Any] = {}
    tag_list = [clean_inline(t) for t in re.split(r"[,;\n]", cell_text(tags)) if t.strip()]
    if tag_list:
        extra["tags"] = tag_list
    reviewed = _iso_date(last_reviewed, source, where)
    if reviewed:
        extra["last_reviewed"] = reviewed
    owner_text = clean_inline(cell_text(owner))
    if owner_text:
        extra["owner"] = owner_text
    return extra


def _iso_date(value: Any, source: str, where: str) -> str | None:
    """A last-reviewed cell as YYYY-MM-DD; DocumentError naming the row when it is not a date."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = cell_text(value).strip()
    if not text:
        return None
    if _ISO_DATE.match(text):
        try:
            return dt.date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            pass
    raise DocumentError(source, f"{where}: last_reviewed: {text!r} is not a date (expected YYYY-MM-DD)")


def _plain_table_blocks(rows: Sequence[Sequence[Any]], sheet: str | None) -> list[Block]:
    """A sheet without question/answer columns: the first row with 2+ values is the header.

    Rows above the header (a caption, say) are kept as plain lines; a lone header row is kept as one.
    """
    texts = [[cell_text(v) for v in row] for row in rows]
    filled = [sum(bool(t.strip()) for t in row) for row in texts]
    candidates = [i for i, count in enumerate(filled[:HEADER_SCAN_ROWS]) if count >= 2]
    header_index = candidates[0] if candidates else next((i for i, count in enumerate(filled) if count), None)
    if header_index is None:
        return []
    header = texts[header_index]
    lines: list[str] = []
    numbers: list[int] = []
    for index, row in enumerate(texts):
        line = render_row(row, header if index > header_index else None)
        if line and (index != header_index or not any(filled[header_index + 1 :])):
            lines.append(line)
            numbers.append(index + 1)
    return table_blocks(lines, [sheet] if sheet else [], row_numbers=numbers, sheet=sheet)


def cell_text(value: Any) -> str:
    """A cell value as text: dates as YYYY-MM-DD, whole floats without ".0", None as ""."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _delimiter(text: str) -> str:
    """The separator of the first non-blank line: whichever of , ; TAB occurs most (comma on ties)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max([",", ";", "\t"], key=first.count)
