"""Reading Markdown (.md, .markdown: front matter, ATX headings, lists, pipe tables) and plain text (.txt)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from assistant.errors import DocumentError
from assistant.models import Block, ParsedDocument

from ..limits import DEFAULT_LIMITS, IngestLimits
from .blocks import HeadingTrail, clean_inline, prose_block, render_table, table_blocks
from .guards import decode_utf8, read_bytes
from .yaml_text import MAX_METADATA_SOURCE_BYTES, load_mapping

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_LIST_ITEM = re.compile(r"^\s{0,8}(?:[-*+]|\d{1,9}[.)])\s+\S")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_THEMATIC_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_QUOTE_MARKER = re.compile(r"^\s*(?:>\s?)+")
_CELL_DIVIDER = re.compile(r"(?<!\\)\|")


def read_markdown(path: Path, source: str, limits: IngestLimits = DEFAULT_LIMITS) -> ParsedDocument:
    """Read a Markdown file: YAML front matter, the first H1 as title, H2.. as heading path."""
    text = decode_utf8(read_bytes(path, source, limits.max_file_bytes), source)
    front_matter, body = split_front_matter(text, source)
    reader = _MarkdownReader(body.splitlines())
    blocks = reader.read()
    return ParsedDocument(title=reader.title, blocks=blocks, front_matter=front_matter)


def read_plain_text(path: Path, source: str, limits: IngestLimits = DEFAULT_LIMITS) -> ParsedDocument:
    """Read a plain-text file: one prose block per blank-line-separated paragraph, no title."""
    text = decode_utf8(read_bytes(path, source, limits.max_file_bytes), source)
    paragraphs = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    blocks = [b for b in (prose_block(p, []) for p in paragraphs) if b]
    return ParsedDocument(title=None, blocks=blocks)


def split_front_matter(text: str, source: str) -> tuple[dict[str, Any], str]:
    """Split leading `---` YAML front matter from the body; DocumentError if it is not a valid mapping."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            if sum(len(line) for line in lines[1:end]) > MAX_METADATA_SOURCE_BYTES:
                limit = f"{MAX_METADATA_SOURCE_BYTES:,}"
                raise DocumentError(source, f"front matter: too large (over {limit} bytes)")
            try:
                front_matter = load_mapping("".join(lines[1:end]))
            except ValueError as e:
                raise DocumentError(source, f"front matter: {e}") from e
            return front_matter, "".join(lines[end + 1 :])
    raise DocumentError(source, "front matter: no closing '---' line")


def split_table_row(line: str) -> list[str]:
    """The cells of a pipe-table row (outer pipes optional, `\\|` is a literal pipe)."""
    row = line.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [cell.replace("\\|", "|").strip() for cell in _CELL_DIVIDER.split(row)]


class _MarkdownReader:
    """One pass over the body lines, collecting paragraphs, lists, code, tables and headings.

    Linear in the number of lines: the next non-blank line is precomputed once, and a list item's
    continuation lines are collected as parts, not by re-concatenating a growing string.
    """

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.title: str | None = None
        self.trail = HeadingTrail()
        self.blocks: list[Block] = []
        self.paragraph: list[str] = []
        self.list_items: list[list[str]] = []
        self.next_filled = _next_filled_lines(lines)

    def read(self) -> list[Block]:
        i = 0
        while i < len(self.lines):
            i = self._step(i)
        self._flush()
        return self.blocks

    def _step(self, i: int) -> int:
        line = self.lines[i]
        fence = _FENCE.match(line)
        if fence:
            return self._code(i, fence.group(1))
        heading = _HEADING.match(line)
        if heading:
            self._heading(len(heading.group(1)), heading.group(2) or "")
            return i + 1
        if self._starts_table(i):
            return self._table(i)
        if not line.strip():
            return self._blank(i)
        if _THEMATIC_BREAK.match(line):
            self._flush()
        elif _LIST_ITEM.match(line):
            self._flush_paragraph()
            self.list_items.append([line.strip()])
        elif self.list_items and (line[:1].isspace() or not self.paragraph):
            self.list_items[-1].append(line.strip())
        else:
            self.paragraph.append(_QUOTE_MARKER.sub("", line))
        return i + 1

    def _heading(self, level: int, text: str) -> None:
        self._flush()
        text = clean_inline(text)
        if not text:
            return
        if level == 1 and self.title is None:
            self.title = text
            self.trail.reset()
        else:
            self.trail.enter(level, text)

    def _blank(self, i: int) -> int:
        self._flush_paragraph()
        if self.list_items:
            following = self.lines[self.next_filled[i]] if self.next_filled[i] >= 0 else ""
            if not (_LIST_ITEM.match(following) or following.startswith(("  ", "\t"))):
                self._flush_list()
        return i + 1

    def _code(self, start: int, fence: str) -> int:
        self._flush()
        end = start + 1
        while end < len(self.lines):
            closing = _FENCE.match(self.lines[end])
            if closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence):
                break
            end += 1
        self._add(prose_block("\n".join(self.lines[start + 1 : end]), self.trail.path))
        return end + 1

    def _starts_table(self, i: int) -> bool:
        if "|" not in self.lines[i] or i + 1 >= len(self.lines):
            return False
        separator = self.lines[i + 1]
        if "|" not in separator or "-" not in separator or not _TABLE_SEPARATOR.match(separator):
            return False
        return len(split_table_row(separator)) == len(split_table_row(self.lines[i]))

    def _table(self, start: int) -> int:
        self._flush()
        header = split_table_row(self.lines[start])
        end = start + 2
        rows: list[list[str | None]] = []
        while end < len(self.lines) and "|" in self.lines[end] and self.lines[end].strip():
            rows.append(list(split_table_row(self.lines[end])))
            end += 1
        self.blocks.extend(table_blocks(render_table(header, rows), self.trail.path))
        return end

    def _add(self, block: Block | None) -> None:
        if block:
            self.blocks.append(block)

    def _flush_paragraph(self) -> None:
        if self.paragraph:
            self._add(prose_block(clean_inline(" ".join(self.paragraph)), self.trail.path))
            self.paragraph = []

    def _flush_list(self) -> None:
        if self.list_items:
            lines = (clean_inline(" ".join(parts)) for parts in self.list_items)
            self._add(prose_block("\n".join(lines), self.trail.path))
            self.list_items = []

    def _flush(self) -> None:
        self._flush_paragraph()
        self._flush_list()


def _next_filled_lines(lines: list[str]) -> list[int]:
    """For each line, the index of the first non-blank line after it (-1 when there is none)."""
    following = [-1] * len(lines)
    nearest = -1
    for i in range(len(lines) - 1, -1, -1):
        following[i] = nearest
        if lines[i].strip():
            nearest = i
    return following
