"""Reading spreadsheets (.xlsx via openpyxl, .csv) as answer libraries (Q&A rows) or as plain tables."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl

from assistant.errors import DocumentError
from assistant.models import Block, ParsedDocument

from .blocks import clean_inline, clean_lines, render_row, table_blocks
from .guards import decode_utf8, is_cfb, parser_errors, read_bytes

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


def read_xlsx(path: Path, source: str) -> ParsedDocument:
    """Read every worksheet: Q&A rows where a question/answer header exists, table rows otherwise."""
    data = read_bytes(path, source)
    if is_cfb(data):
        raise DocumentError(source, "password-protected (or a legacy .xls): save it as an unprotected .xlsx")
    blocks: list[Block] = []
    with parser_errors(source, "spreadsheet"):
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            title = clean_inline(workbook.properties.title or "") or None
            for sheet in workbook.worksheets:
                rows = [list(row) for row in sheet.iter_rows(values_only=True)]
                blocks.extend(sheet_blocks(rows, source, sheet.title))
        finally:
            workbook.close()
    return ParsedDocument(title=title, blocks=blocks)


def read_csv(path: Path, source: str) -> ParsedDocument:
    """Read a UTF-8 CSV (comma, semicolon or tab separated) like one worksheet without a name."""
    text = decode_utf8(read_bytes(path, source), source)
    with parser_errors(source, "CSV"):
        rows: list[list[Any]] = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    return ParsedDocument(title=None, blocks=sheet_blocks(rows, source, None))


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
