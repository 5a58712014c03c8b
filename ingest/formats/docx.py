"""Reading Word documents (.docx) with python-docx: paragraphs and tables in document order."""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
from docx.oxml.ns import qn
from docx.styles.style import CharacterStyle
from docx.table import Table, _Row
from docx.text.paragraph import Paragraph

from assistant.errors import DocumentError
from assistant.models import Block, ParsedDocument

from ..limits import DEFAULT_LIMITS, IngestLimits
from .blocks import HeadingTrail, clean_inline, clean_lines, prose_block, render_table, table_blocks
from .guards import check_package, is_cfb, parser_errors, read_bytes

_HEADING_STYLE = re.compile(r"^heading\s+([1-9])$", re.IGNORECASE)


def read_docx(path: Path, source: str, limits: IngestLimits = DEFAULT_LIMITS) -> ParsedDocument:
    """Read a .docx: "Title" style as title, "Heading N" styles as heading path, tables as rows."""
    data = read_bytes(path, source, limits.max_file_bytes)
    if is_cfb(data):
        raise DocumentError(source, "password-protected or legacy .doc (save it as an unprotected .docx)")
    check_package(data, source, limits)
    with parser_errors(source, "DOCX"):
        document = docx.Document(io.BytesIO(data))
        reader = _DocxReader()
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                reader.table(item)
            else:
                reader.paragraph(item)
        reader.flush_list()
        title = reader.title or clean_inline(document.core_properties.title or "") or None
    return ParsedDocument(title=title, blocks=reader.blocks)


def _style_names(style: CharacterStyle | None) -> list[str]:
    """The paragraph style's name and the names of the styles it is based on (custom headings)."""
    names: list[str] = []
    while style is not None and len(names) < 5:
        names.append(style.name or "")
        style = style.base_style
    return names


def _heading_level(names: list[str]) -> int | None:
    for name in names:
        match = _HEADING_STYLE.match(name)
        if match:
            return int(match.group(1))
    return None


def _is_list_item(paragraph: Paragraph, names: list[str]) -> bool:
    p_pr = paragraph._p.pPr
    numbered = p_pr is not None and p_pr.find(qn("w:numPr")) is not None
    return numbered or any(name.lower().startswith("list") for name in names)


class _DocxReader:
    """Collects blocks from body paragraphs and tables as they come."""

    def __init__(self) -> None:
        self.title: str | None = None
        self.trail = HeadingTrail()
        self.blocks: list[Block] = []
        self.list_items: list[str] = []

    def paragraph(self, paragraph: Paragraph) -> None:
        text = clean_lines(paragraph.text)
        if not text:
            return
        names = _style_names(paragraph.style)
        if _is_list_item(paragraph, names) and _heading_level(names) is None:
            self.list_items.append("- " + clean_inline(text))
            return
        self.flush_list()
        level = _heading_level(names)
        if names[:1] == ["Title"] and self.title is None:
            self.title = clean_inline(text)
        elif level is not None:
            self.trail.enter(level, text)
        else:
            self._add(prose_block(text, self.trail.path))

    def table(self, table: Table) -> None:
        self.flush_list()
        rows = list(table.rows)
        if not rows:
            return
        header: list[str] | None = None
        if len(rows) > 1 and (len(_grid_cells(rows[0])) > 2 or _marked_as_header(rows[0])):
            first = rows.pop(0)
            header = [""] * first.grid_cols_before + [cell.text for cell in first.cells]
        lines = render_table(header, [_grid_cells(row) for row in rows])
        self.blocks.extend(table_blocks(lines, self.trail.path))

    def flush_list(self) -> None:
        if self.list_items:
            self._add(prose_block("\n".join(self.list_items), self.trail.path))
            self.list_items = []

    def _add(self, block: Block | None) -> None:
        if block:
            self.blocks.append(block)


def _grid_cells(row: _Row) -> list[str | None]:
    """One entry per layout-grid column; a horizontally merged cell's extra columns are None.

    A vertically merged cell repeats its text on every row it spans, so each row reads on its own.
    """
    cells: list[str | None] = [None] * row.grid_cols_before
    previous = None
    for cell in row.cells:
        cells.append(None if cell._tc is previous else cell.text)
        previous = cell._tc
    return cells


def _marked_as_header(row: _Row) -> bool:
    """A row Word repeats as a header, or one whose text is all bold."""
    tr_pr = row._tr.trPr
    if tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None:
        return True
    runs = [run for cell in row.cells for p in cell.paragraphs for run in p.runs if run.text.strip()]
    return bool(runs) and all(run.bold for run in runs)
