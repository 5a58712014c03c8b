"""Reading PDF text (.pdf) with pypdf into page-numbered blocks, finding headings by type size and shape.

A line set wholly in type larger than the body's is a heading (the larger, the outer), whatever its case:
a sentence-case heading ("Moving customers to paperless") would otherwise run into the paragraph after it.
Where type size says nothing (one size throughout, or no font information), headings are short
unpunctuated numbered or Title Case lines.
"""

from __future__ import annotations

import io
import itertools
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pypdf import PageObject, PasswordType, PdfReader

from assistant.errors import DocumentError
from assistant.models import Block, ParsedDocument

from ..limits import DEFAULT_LIMITS, IngestLimits
from .blocks import HeadingTrail, clean_inline, prose_block, render_table, table_blocks
from .guards import parser_errors, read_bytes

MAX_HEADING_CHARS = 60
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+(\S.*)$")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’&-]*")
_SMALL_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "per"}
) | {"the", "to", "vs", "via", "with"}  # lower-case words a Title Case heading may contain
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE)
_LIST_MARKER = re.compile(r"^(?:[•◦▪‣●○■□–*-]|\d{1,2}[.)])\s")
_DIGITS = re.compile(r"\d+")
EDGE_LINES = 2  # lines at the top and at the bottom of a page searched for running headers/footers
_JUNK_TITLES = ("untitled", "microsoft word - ", "microsoft powerpoint - ")
HEADING_SIZE_RATIO = 1.08  # type this much larger than the body's (by characters set) marks a heading
TABLE_ROW = "\ue000"  # marks a line that is a table row (a private-use character, not whitespace)
BASELINE_SLACK = 0.5  # points between baselines still read as one line
MAX_HEADER_CELL_CHARS = 48
ROW_GAP_RATIO = 1.4  # a row further below the one before than this many header-to-row steps: not the table
_NO_SPACE = re.compile(r"\s+")


def read_pdf(path: Path, source: str, limits: IngestLimits = DEFAULT_LIMITS) -> ParsedDocument:
    """Read a PDF's text layer; headings are short unpunctuated numbered or Title Case lines."""
    data = read_bytes(path, source, limits.max_file_bytes)
    with parser_errors(source, "PDF"):
        reader = PdfReader(io.BytesIO(data))
        _unlock(reader, source)
        sizes = _TypeSizes()
        pages = [sizes.read_page(page) for page in reader.pages]
        metadata_title = _metadata_title(reader)
    lines = _content_lines(pages)
    if not lines:
        raise DocumentError(source, "no extractable text (scanned image?)")
    layout = _PdfLayout(lines, metadata_title, sizes.heading_levels(lines))
    blocks = layout.read()
    return ParsedDocument(title=layout.title, blocks=blocks)


class _TypeSizes:
    """The type size of each line, read beside the text: the smallest size set on the line."""

    def __init__(self) -> None:
        self._line_size: dict[tuple[int, str], float] = {}  # (page, line without spaces) -> size
        self._chars_at: Counter[float] = Counter()
        self._page = 0

    def read_page(self, page: PageObject) -> str:
        """The page's text, each table found on it (see `_tables`) as row lines marked with TABLE_ROW."""
        self._page += 1
        runs: list[_Run] = []  # every piece of text the extraction wrote, in the order it wrote them

        def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
            matrix = _multiply(tm, cm)
            scaled = round(abs(size * (matrix[3] or matrix[0] or 1.0)), 1)
            runs.append(_Run(text, matrix[4], matrix[5], scaled))

        page.extract_text(visitor_text=visit)
        line, line_size, baseline = "", 0.0, None
        for run in runs:
            if not run.text:
                continue
            pieces = run.text.split("\n")
            if baseline is not None and abs(run.y - baseline) > 1.0 and line.strip():
                self._close(line, line_size)
                line, line_size = "", 0.0
            baseline = run.y
            for n, piece in enumerate(pieces):
                if n:
                    self._close(line, line_size)
                    line, line_size = "", 0.0
                if piece.strip():
                    line += piece
                    line_size = min(line_size, run.size) if line_size else run.size
                    self._chars_at[run.size] += len(piece.strip())
        self._close(line, line_size)
        return _with_tables(runs)

    def _close(self, line: str, size: float) -> None:
        key = _NO_SPACE.sub("", line)
        if key and size:
            self._line_size.setdefault((self._page, key), size)

    def heading_levels(self, lines: list[tuple[int, str]]) -> list[int | None] | None:
        """For each line, its heading level by type size (1 = the largest heading type), None for a line
        in body type; None for the whole document when type size tells nothing."""
        if not self._chars_at:
            return None
        body = self._chars_at.most_common(1)[0][0]
        sizes = [self._line_size.get((page, _NO_SPACE.sub("", line))) for page, line in lines]
        larger = sorted({s for s in sizes if s and s >= body * HEADING_SIZE_RATIO}, reverse=True)
        if not larger:
            return None
        rank = {s: n for n, s in enumerate(larger, start=1)}
        return [rank.get(s) if s else None for s in sizes]


@dataclass(frozen=True)
class _Run:
    """A piece of text as the extraction wrote it: where it starts and the size it is set in."""

    text: str
    x: float
    y: float  # the baseline; larger is higher on the page
    size: float


@dataclass
class _Row:
    cells: list[list[str]]  # the text of each column, line by line
    top: float
    bottom: float
    last: int  # index (into the shown runs) of its last run


def _with_tables(runs: list[_Run]) -> str:
    """The page text the runs make, with each table replaced by its rows, one marked line each."""
    tables = _tables(runs)
    out: list[str] = []
    start = 0
    for first, end, rows in tables:
        out += [run.text for run in runs[start:first]]
        out.append("\n" + "\n".join(TABLE_ROW + row for row in rows) + "\n")
        start = end
    out += [run.text for run in runs[start:]]
    return "".join(out)


def _tables(runs: list[_Run]) -> list[tuple[int, int, list[str]]]:
    """(first run, run after the last, rendered rows) of each table among the runs.

    A table starts at a header line: two or more short runs on one baseline, each clear of the next.
    Its columns start where the header's cells do. A row starts where the text goes back to an earlier
    column (a table is drawn cell by cell, row by row); a cell set over several lines stays one cell,
    wherever it sits in the row. The table ends at text left of the first column, at larger type, or
    at a row that starts further below the row before than the header sits above the first row.
    """
    shown = [i for i, run in enumerate(runs) if run.text.strip()]
    shown_runs = [runs[i] for i in shown]
    found: list[tuple[int, int, list[str]]] = []
    k = 0
    while k < len(shown):
        table = _table_at(shown_runs, k)
        if table is None:
            k += 1
            continue
        end, rows = table
        found.append((shown[k], shown[end - 1] + 1, rows))
        k = end
    return found


def _table_at(shown: list[_Run], k: int) -> tuple[int, list[str]] | None:
    """The table whose header line starts at shown[k]: (index after its last run, rendered rows)."""
    first = shown[k]
    if k and abs(shown[k - 1].y - first.y) <= BASELINE_SLACK:
        return None  # not the start of a line
    header = [first]
    while k + len(header) < len(shown) and abs(shown[k + len(header)].y - first.y) <= BASELINE_SLACK:
        header.append(shown[k + len(header)])
    if not _is_header_line(header):
        return None
    columns = [run.x for run in header]
    slack = first.size * 0.5
    labels = [[run.text.strip()] for run in header]
    rows: list[_Row] = []
    previous_column = len(columns)
    for j in range(k + len(header), len(shown)):
        run = shown[j]
        text = run.text.strip()
        if "\n" in text or run.x < columns[0] - slack or run.y >= first.y - BASELINE_SLACK:
            break
        if run.size > first.size * HEADING_SIZE_RATIO:
            break
        column = max(c for c, x in enumerate(columns) if x <= run.x + slack)
        if not rows and column:
            labels[column].append(text)  # a header set over two lines
            continue
        if column < previous_column or not rows:
            rows.append(_Row([[] for _ in columns], run.y, run.y, j))
        row = rows[-1]
        row.cells[column].append(text)
        row.top, row.bottom, row.last = max(row.top, run.y), min(row.bottom, run.y), j
        previous_column = column
    kept = _rows_in_sequence(first.y, rows, first.size)
    if not kept or sum(1 for row in kept if sum(1 for c in row.cells if c) >= 2) * 2 < len(kept):
        return None  # a label and a value, then prose: no table
    header_cells = [" ".join(parts) for parts in labels]
    body = [[" ".join(parts) if parts else None for parts in row.cells] for row in kept]
    return kept[-1].last + 1, render_table(header_cells, body)


def _is_header_line(header: list[_Run]) -> bool:
    """Two or more short cells on one line, each clear of the next by more than a word space."""
    if len(header) < 2:
        return False
    for run, after in itertools.pairwise(header):
        if after.x - run.x < _width(run) + run.size:
            return False
    return all(
        len(text) <= MAX_HEADER_CELL_CHARS and len(text.split()) <= 6 and text[-1] not in ".;:,"
        for text in (run.text.strip() for run in header)
    )


def _width(run: _Run) -> float:
    """About how wide a run is set: half its type size per character (narrower than most text faces)."""
    return len(run.text.strip()) * run.size * 0.5


def _rows_in_sequence(header_y: float, rows: list[_Row], size: float) -> list[_Row]:
    """The rows up to the first that starts further below the row before than the first row starts
    below the header (with room for rounding): past it is text after the table."""
    if not rows:
        return []
    step = header_y - rows[0].top
    if not 0 < step <= size * 3:
        return []
    kept = [rows[0]]
    for row in rows[1:]:
        if kept[-1].bottom - row.top > step * ROW_GAP_RATIO:
            break
        kept.append(row)
    return kept


def _multiply(a: list[float], b: list[float]) -> list[float]:
    """The product of two PDF matrices [a b c d e f]."""
    return [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]


def _unlock(reader: PdfReader, source: str) -> None:
    """Open a PDF encrypted with an empty user password (restrictions only); refuse real passwords."""
    if not reader.is_encrypted:
        return
    try:
        opened = reader.decrypt("")
    except Exception as e:
        raise DocumentError(source, f"encrypted/password-protected ({e})") from e
    if opened == PasswordType.NOT_DECRYPTED:
        raise DocumentError(source, "encrypted/password-protected")


def _metadata_title(reader: PdfReader) -> str | None:
    title = clean_inline(str(reader.metadata.title or "")) if reader.metadata else ""
    lowered = title.lower()
    if not title or lowered.startswith(_JUNK_TITLES) or lowered.endswith((".doc", ".docx", ".pdf")):
        return None
    return title


def _content_lines(pages: list[str]) -> list[tuple[int, str]]:
    """(page number, line) for every non-blank line, without page numbers and running headers/footers.

    A running header/footer is a line (digits ignored) among the top or bottom two lines of more than
    half of the pages, and of at least two.
    """
    per_page = [[clean_inline(line) for line in text.splitlines() if line.strip()] for text in pages]
    edges = Counter(
        _DIGITS.sub("#", line) for lines in per_page for line in {*lines[:EDGE_LINES], *lines[-EDGE_LINES:]}
    )
    running = {key for key, count in edges.items() if count >= 2 and count > len(per_page) / 2}
    return [
        (number, line)
        for number, lines in enumerate(per_page, start=1)
        for line in lines
        if _DIGITS.sub("#", line) not in running and not _PAGE_NUMBER.match(line)
    ]


def _numbering(line: str) -> list[int] | None:
    """The section number of a numbered heading line ("2.1 Service levels" -> [2, 1]), else None."""
    match = _NUMBERED.match(line)
    if not match or not match.group(2)[0].isupper():
        return None
    return [int(part) for part in match.group(1).split(".")]


def _is_heading_shaped(line: str, max_chars: int = MAX_HEADING_CHARS) -> bool:
    return len(line) <= max_chars and line[-1] not in ".,;:!?" and line[0].isalnum()


def _is_title_case(line: str) -> bool:
    words = _WORD.findall(line)
    letters = sum(ch.isalpha() for ch in line)
    if not words or len(words) > 10 or letters < len(line.replace(" ", "")) * 0.7:
        return False
    significant = [w for w in words if w.lower() not in _SMALL_WORDS]
    return words[0][0].isupper() and all(w[0].isupper() for w in significant)


def _without_title_level(levels: list[int | None]) -> list[int | None] | None:
    """Heading levels once the first line is the document's title: its type size is no heading level
    (None when no other line is set larger than the body)."""
    title_level = levels[0]
    out: list[int | None] = [None]
    for level in levels[1:]:
        if level is None or title_level is None:
            out.append(level)
        elif level == title_level:
            out.append(1)
        else:
            out.append(level - 1 if level > title_level else level)
    return out if any(level is not None for level in out) else None


def _follows_in_sequence(previous: list[int] | None, number: list[int]) -> bool:
    """True when `number` can be the next section after `previous` (2 -> 3, 2 -> 2.1, 2.1 -> 3)."""
    if not previous:
        return False
    candidates = [[*previous[:depth], previous[depth] + 1] for depth in range(len(previous))]
    return number in [*candidates, [*previous, 1]]


class _PdfLayout:
    """Groups the lines of a PDF into heading-scoped, page-numbered prose blocks."""

    def __init__(
        self,
        lines: list[tuple[int, str]],
        metadata_title: str | None,
        type_levels: list[int | None] | None = None,
    ) -> None:
        self.lines = lines
        self.type_levels = type_levels  # heading level of each line by type size (None: not told)
        self.title = metadata_title
        self.trail = HeadingTrail()
        self.blocks: list[Block] = []
        self.numbering: list[int] | None = None
        self.previous = "start"  # the last line: start, numbered, unnumbered (heading), body or table
        self.body: list[str] = []
        self.rows: list[str] = []  # the table rows read since the last heading or paragraph
        self.body_page = 0

    def read(self) -> list[Block]:
        first = self.lines[0][1]
        start = 0
        if self.title is None and _is_heading_shaped(first) and _numbering(first) is None:
            self.title, start = first, 1
            if self.type_levels is not None and self.type_levels[0] is not None:
                self.type_levels = _without_title_level(self.type_levels)
        elif self.title and first.casefold() == self.title.casefold():
            start = 1
        for index in range(start, len(self.lines)):
            page, line = self.lines[index]
            if line.startswith(TABLE_ROW):
                if self.body or page != self.body_page:
                    self._flush()
                    self.body_page = page
                self.rows.append(line.removeprefix(TABLE_ROW))
                self.previous = "table"
                continue
            level = self._heading_level(index)
            if level is not None and self._repeats_title(index):
                continue  # the title set over several lines at the top of the first page
            if level is not None:
                self._flush()
                heading_before = self.previous in ("numbered", "unnumbered")  # the line just before
                if heading_before and self._by_type(index - 1) == level:
                    line = f"{self.trail.path[-1]} {line}"  # one heading set over two lines
                self.trail.enter(level, line)
                self.previous = "numbered" if _numbering(line) else "unnumbered"
                continue
            if page != self.body_page or self.rows:
                self._flush()
                self.body_page = page
            self.body.append(line)
            self.previous = "body"
        self._flush()
        return self.blocks

    def _repeats_title(self, index: int) -> bool:
        line = self.lines[index][1].casefold()
        return self.previous == "start" and bool(self.title) and line in (self.title or "").casefold()

    def _by_type(self, index: int) -> int | None:
        return self.type_levels[index] if self.type_levels is not None and index >= 0 else None

    def _heading_level(self, index: int) -> int | None:
        line = self.lines[index][1]
        by_type = self._by_type(index)
        if by_type is not None and _is_heading_shaped(line, MAX_HEADING_CHARS * 2):  # larger than the body
            number = _numbering(line)
            if number is not None:
                self.numbering = number
            return by_type
        if not _is_heading_shaped(line):
            return None
        previous = self.lines[index - 1][1] if index else ""
        # After body text, a heading needs the text before it finished: a sentence or a list item.
        after_finished_text = self.previous == "table" or (
            self.previous == "body" and (previous[-1] in ".!?" or bool(_LIST_MARKER.match(previous)))
        )
        number = _numbering(line)
        if number is not None:
            in_sequence = _follows_in_sequence(self.numbering, number)
            if self.previous != "body" or after_finished_text or in_sequence:
                self.numbering = number
                return len(number)
            return None
        if self.type_levels is not None:
            return None  # in body type and unnumbered: a table header row or a lead-in, not a heading
        # Straight after an unnumbered heading, a short Title Case line is more likely a table header row.
        opens_section = self.previous in ("start", "numbered") or after_finished_text
        if opens_section and index + 1 < len(self.lines) and _is_title_case(line):
            return len(self.numbering) + 1 if self.numbering else 1
        return None

    def _flush(self) -> None:
        if self.rows:
            self.blocks += table_blocks(self.rows, self.trail.path, page=self.body_page)
            self.rows = []
        if not self.body:
            return
        text = self.body[0]
        for line in self.body[1:]:
            text += ("\n" if _LIST_MARKER.match(line) else " ") + line
        block = prose_block(text, self.trail.path, page=self.body_page)
        if block:
            self.blocks.append(block)
        self.body = []
