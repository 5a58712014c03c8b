"""Reading HTML pages (.html, .htm) into blocks with BeautifulSoup and the stdlib html.parser.

The element tree is walked with explicit stacks, not recursion; a page nested deeper than MAX_DEPTH
elements fails with that reason (BeautifulSoup's tree edits cost time proportional to the depth).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

from assistant.errors import DocumentError
from assistant.models import Block, ParsedDocument

from ..limits import DEFAULT_LIMITS, IngestLimits
from .blocks import HeadingTrail, clean_inline, prose_block, render_table, table_blocks
from .guards import parser_errors, read_bytes

_SKIPPED = frozenset({"script", "style", "nav", "footer", "head", "noscript", "template", "svg"})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_PROSE = frozenset({"p", "dd", "dt", "pre", "blockquote", "figcaption", "address", "li"})
_BLOCK_LEVEL = (
    frozenset(_HEADINGS)
    | _PROSE
    | {"div", "section", "article", "main", "aside", "header", "ul", "ol", "dl", "table", "tr", "td"}
    | {"th", "form", "fieldset", "details", "summary", "figure", "hr", "body"}
)
_LINE_BREAK = "\u2028"  # stands in for <br> so it survives whitespace collapsing
MAX_DEPTH = 500  # real pages nest a few dozen levels; thousands is a broken or hostile page


def read_html(path: Path, source: str, limits: IngestLimits = DEFAULT_LIMITS) -> ParsedDocument:
    """Read an HTML page: <title> (or the first <h1>) as title, h1–h6 as heading path, tables as rows."""
    data = read_bytes(path, source, limits.max_file_bytes)
    with parser_errors(source, "HTML"):
        soup = BeautifulSoup(data, "html.parser")
        depth = _depth(soup)
        if depth > MAX_DEPTH:
            raise DocumentError(source, f"elements nested {depth:,} levels deep (the limit is {MAX_DEPTH})")
        title_tag = soup.find("title")
        title = clean_inline(title_tag.get_text()) if isinstance(title_tag, Tag) else ""
        _separate_blocks(soup)
        reader = _HtmlReader()
        body = soup.find("body")
        reader.visit(body if isinstance(body, Tag) else soup)
    return ParsedDocument(title=title or reader.page_heading, blocks=reader.blocks)


def _depth(soup: BeautifulSoup) -> int:
    """How deep the element tree goes, in one pass over it."""
    depths: dict[int, int] = {id(soup): 0}
    deepest = 0
    for el in soup.descendants:
        if isinstance(el, Tag) and el.parent is not None:
            depth = depths[id(el)] = depths.get(id(el.parent), 0) + 1
            deepest = max(deepest, depth)
    return deepest


def _separate_blocks(soup: BeautifulSoup) -> None:
    """Put whitespace around block-level elements and mark <br>, so get_text() keeps words apart."""
    for br in soup.find_all("br"):
        br.replace_with(_LINE_BREAK)
    for tag in soup.find_all(list(_BLOCK_LEVEL)):
        tag.insert_before(" ")
        tag.append(" ")


def _text(el: Tag) -> str:
    return "\n".join(clean_inline(part) for part in el.get_text().split(_LINE_BREAK))


class _HtmlReader:
    """Walks the element tree in document order, emitting blocks under the open headings."""

    def __init__(self) -> None:
        self.trail = HeadingTrail()
        self.blocks: list[Block] = []
        self.page_heading: str | None = None

    def visit(self, root: Tag) -> None:
        """Emit the blocks of `root` and everything below it, in document order."""
        pending: list[Iterator[object]] = [iter([root])]
        while pending:
            node = next(pending[-1], None)
            if node is None:
                pending.pop()
            elif isinstance(node, Tag):
                if not self._emit(node):
                    pending.append(iter(node.children))
            elif type(node) is NavigableString and node.strip():
                self._add(prose_block(str(node).replace(_LINE_BREAK, "\n"), self.trail.path))

    def _emit(self, el: Tag) -> bool:
        """Emit the blocks of a terminal element; False for a container whose children must be visited."""
        name = el.name
        if name in _SKIPPED:
            return True
        if name in _HEADINGS:
            self._heading(_HEADINGS[name], clean_inline(el.get_text()))
        elif name == "table":
            self._table(el)
        elif name in ("ul", "ol"):
            self._add(prose_block("\n".join(_list_lines(el)), self.trail.path))
        elif name == "dl":
            self._add(prose_block("\n".join(_definition_lines(el)), self.trail.path))
        elif name in _PROSE or not el.find(list(_BLOCK_LEVEL)):
            self._add(prose_block(_text(el), self.trail.path))
        else:
            return False
        return True

    def _heading(self, level: int, text: str) -> None:
        if not text:
            return
        if level == 1 and self.page_heading is None:
            # The page's own heading names the document rather than a section of it.
            self.page_heading = text
            self.trail.reset()
        else:
            self.trail.enter(level, text)

    def _table(self, table: Tag) -> None:
        rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
        header: list[str] | None = None
        body: list[list[str | None]] = []
        for tr in rows:
            cells = [c for c in tr.find_all(["th", "td"], recursive=False) if isinstance(c, Tag)]
            if header is None and not body and cells and all(c.name == "th" for c in cells):
                header = [text for c in cells for text in [clean_inline(c.get_text())] * _span(c)]
            else:
                body.append([v for c in cells for v in [c.get_text(), *[None] * (_span(c) - 1)]])
        self.blocks.extend(table_blocks(render_table(header, body), self.trail.path))

    def _add(self, block: Block | None) -> None:
        if block:
            self.blocks.append(block)


def _span(cell: Tag) -> int:
    try:
        return max(1, min(int(str(cell.get("colspan") or 1)), 100))
    except ValueError:
        return 1


def _list_lines(lst: Tag) -> list[str]:
    """One line per item ("- " or "1. "); nested lists follow their parent item as their own lines."""
    lines: list[str] = []
    pending: list[Iterator[tuple[str, Tag]]] = [_list_items(lst)]
    while pending:
        entry = next(pending[-1], None)
        if entry is None:
            pending.pop()
            continue
        marker, li = entry
        own = "".join(
            child.get_text() if isinstance(child, Tag) else str(child)
            for child in li.children
            if not (isinstance(child, Tag) and child.name in ("ul", "ol"))
        )
        text = clean_inline(own.replace(_LINE_BREAK, " "))
        if text:
            lines.append(f"{marker} {text}")
        nested = [n for n in li.find_all(["ul", "ol"], recursive=False) if isinstance(n, Tag)]
        pending.append(itertools.chain.from_iterable(_list_items(n) for n in nested))
    return lines


def _list_items(lst: Tag) -> Iterator[tuple[str, Tag]]:
    items = [li for li in lst.find_all("li", recursive=False) if isinstance(li, Tag)]
    for number, li in enumerate(items, start=1):
        yield (f"{number}." if lst.name == "ol" else "-"), li


def _definition_lines(dl: Tag) -> list[str]:
    """A definition list as "term: definition" lines."""
    lines: list[str] = []
    term = ""
    for child in dl.find_all(["dt", "dd"]):
        text = clean_inline(child.get_text().replace(_LINE_BREAK, " "))
        if child.name == "dt":
            if term:
                lines.append(term)
            term = text
        elif text:
            lines.append(f"{term}: {text}" if term else text)
            term = ""
    if term:
        lines.append(term)
    return lines
