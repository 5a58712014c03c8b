"""Turning read text into Blocks: whitespace normalisation, heading paths and table rendering."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.models import Block

# A big table becomes several blocks of this many rows; every row line carries its own headers.
ROWS_PER_TABLE_BLOCK = 15

_SPACES = re.compile(r"\s+")


def clean_inline(text: str) -> str:
    """Collapse every run of whitespace (newlines included) to one space and strip."""
    return _SPACES.sub(" ", text).strip()


def clean_lines(text: str) -> str:
    """Collapse whitespace within each line, keeping line breaks and at most one blank line in a row."""
    out: list[str] = []
    for raw in text.splitlines():
        line = clean_inline(raw)
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


class HeadingTrail:
    """The headings open at the current point of a document read top to bottom."""

    def __init__(self) -> None:
        self._open: list[tuple[int, str]] = []

    def enter(self, level: int, text: str) -> None:
        """Open a heading of `level` (1 = outermost), closing any at the same or a deeper level."""
        while self._open and self._open[-1][0] >= level:
            self._open.pop()
        self._open.append((level, clean_inline(text)))

    def reset(self) -> None:
        """Close every open heading."""
        self._open.clear()

    @property
    def path(self) -> list[str]:
        """The open headings' texts, outermost first."""
        return [text for _, text in self._open]


def prose_block(text: str, heading_path: Sequence[str], page: int | None = None) -> Block | None:
    """A prose block of the cleaned text, or None when nothing but whitespace is left."""
    cleaned = clean_lines(text)
    if not cleaned:
        return None
    return Block(kind="prose", text=cleaned, heading_path=list(heading_path), page=page)


def render_row(cells: Sequence[str | None], header: Sequence[str] | None) -> str:
    """One table row as a line; with a header: "Header A: value | Header B: value".

    A None cell is the continuation of a merged cell and is skipped; so are empty cells.
    """
    parts: list[str] = []
    for i, cell in enumerate(cells):
        value = clean_inline(cell) if cell else ""
        if not value:
            continue
        label = clean_inline(header[i]) if header and i < len(header) and header[i] else ""
        parts.append(f"{label}: {value}" if label and label != value else value)
    return " | ".join(parts)


def render_table(header: Sequence[str] | None, rows: Sequence[Sequence[str | None]]) -> list[str]:
    """The body rows as self-contained lines; blank rows and repeats of the header row are dropped."""
    header_values = [clean_inline(h) for h in header] if header else None
    lines: list[str] = []
    for row in rows:
        values = [clean_inline(c) if c else "" for c in row]
        if not any(values) or (header_values and _same_cells(values, header_values)):
            continue
        lines.append(render_row(row, header))
    if not lines and header_values and any(header_values):
        lines.append(" | ".join(h for h in header_values if h))
    return lines


def _same_cells(a: Sequence[str], b: Sequence[str]) -> bool:
    return [x for x in a if x] == [x for x in b if x]


def table_blocks(
    lines: Sequence[str],
    heading_path: Sequence[str],
    *,
    row_numbers: Sequence[int] | None = None,
    sheet: str | None = None,
    page: int | None = None,
) -> list[Block]:
    """Table blocks of at most ROWS_PER_TABLE_BLOCK lines; `row` is the first line's row number."""
    blocks: list[Block] = []
    for start in range(0, len(lines), ROWS_PER_TABLE_BLOCK):
        text = "\n".join(line for line in lines[start : start + ROWS_PER_TABLE_BLOCK] if line)
        if not text:
            continue
        blocks.append(
            Block(
                kind="table",
                text=text,
                heading_path=list(heading_path),
                sheet=sheet,
                row=row_numbers[start] if row_numbers else None,
                page=page,
            )
        )
    return blocks
