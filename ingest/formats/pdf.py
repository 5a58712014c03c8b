"""Reading PDF text (.pdf) with pypdf into page-numbered blocks, finding headings by their shape."""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

from pypdf import PasswordType, PdfReader

from assistant.errors import DocumentError
from assistant.models import Block, ParsedDocument

from ..limits import DEFAULT_LIMITS, IngestLimits
from .blocks import HeadingTrail, clean_inline, prose_block
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


def read_pdf(path: Path, source: str, limits: IngestLimits = DEFAULT_LIMITS) -> ParsedDocument:
    """Read a PDF's text layer; headings are short unpunctuated numbered or Title Case lines."""
    data = read_bytes(path, source, limits.max_file_bytes)
    with parser_errors(source, "PDF"):
        reader = PdfReader(io.BytesIO(data))
        _unlock(reader, source)
        pages = [page.extract_text() or "" for page in reader.pages]
        metadata_title = _metadata_title(reader)
    lines = _content_lines(pages)
    if not lines:
        raise DocumentError(source, "no extractable text (scanned image?)")
    layout = _PdfLayout(lines, metadata_title)
    blocks = layout.read()
    return ParsedDocument(title=layout.title, blocks=blocks)


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


def _is_heading_shaped(line: str) -> bool:
    return len(line) <= MAX_HEADING_CHARS and line[-1] not in ".,;:!?" and line[0].isalnum()


def _is_title_case(line: str) -> bool:
    words = _WORD.findall(line)
    letters = sum(ch.isalpha() for ch in line)
    if not words or len(words) > 10 or letters < len(line.replace(" ", "")) * 0.7:
        return False
    significant = [w for w in words if w.lower() not in _SMALL_WORDS]
    return words[0][0].isupper() and all(w[0].isupper() for w in significant)


def _follows_in_sequence(previous: list[int] | None, number: list[int]) -> bool:
    """True when `number` can be the next section after `previous` (2 -> 3, 2 -> 2.1, 2.1 -> 3)."""
    if not previous:
        return False
    candidates = [[*previous[:depth], previous[depth] + 1] for depth in range(len(previous))]
    return number in [*candidates, [*previous, 1]]


class _PdfLayout:
    """Groups the lines of a PDF into heading-scoped, page-numbered prose blocks."""

    def __init__(self, lines: list[tuple[int, str]], metadata_title: str | None) -> None:
        self.lines = lines
        self.title = metadata_title
        self.trail = HeadingTrail()
        self.blocks: list[Block] = []
        self.numbering: list[int] | None = None
        self.previous = "start"  # what the last line was: start, numbered, unnumbered (heading) or body
        self.body: list[str] = []
        self.body_page = 0

    def read(self) -> list[Block]:
        first = self.lines[0][1]
        start = 0
        if self.title is None and _is_heading_shaped(first) and _numbering(first) is None:
            self.title, start = first, 1
        elif self.title and first.casefold() == self.title.casefold():
            start = 1
        for index in range(start, len(self.lines)):
            page, line = self.lines[index]
            level = self._heading_level(index)
            if level is not None:
                self._flush()
                self.trail.enter(level, line)
                self.previous = "numbered" if _numbering(line) else "unnumbered"
                continue
            if page != self.body_page:
                self._flush()
                self.body_page = page
            self.body.append(line)
            self.previous = "body"
        self._flush()
        return self.blocks

    def _heading_level(self, index: int) -> int | None:
        line = self.lines[index][1]
        if not _is_heading_shaped(line):
            return None
        previous = self.lines[index - 1][1] if index else ""
        # After body text, a heading needs the text before it finished: a sentence or a list item.
        after_finished_text = self.previous == "body" and (
            previous[-1] in ".!?" or bool(_LIST_MARKER.match(previous))
        )
        number = _numbering(line)
        if number is not None:
            in_sequence = _follows_in_sequence(self.numbering, number)
            if self.previous != "body" or after_finished_text or in_sequence:
                self.numbering = number
                return len(number)
            return None
        # Straight after an unnumbered heading, a short Title Case line is more likely a table header row.
        opens_section = self.previous in ("start", "numbered") or after_finished_text
        if opens_section and index + 1 < len(self.lines) and _is_title_case(line):
            return len(self.numbering) + 1 if self.numbering else 1
        return None

    def _flush(self) -> None:
        if not self.body:
            return
        text = self.body[0]
        for line in self.body[1:]:
            text += ("\n" if _LIST_MARKER.match(line) else " ") + line
        block = prose_block(text, self.trail.path, page=self.body_page)
        if block:
            self.blocks.append(block)
        self.body = []
