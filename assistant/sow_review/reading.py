"""A draft SOW as clauses: read by ingest's own readers, cut into sentences under their section."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import DocumentError, ReviewError
from assistant.models import Block
from assistant.text import sentences_of, squash

__all__ = ["DRAFT_SUFFIXES", "Clause", "Draft", "clauses_of_blocks", "read_draft"]

DRAFT_SUFFIXES = (".docx", ".pdf", ".md", ".markdown", ".txt", ".html", ".htm")
MAX_CLAUSE_CHARS = 600  # a run-on sentence longer than this is cut at semicolons
_NUMBERED_HEADING = re.compile(r"^\s*(?:section\s+)?\d+(?:\.\d+)*[.)]?\s+", re.I)


@dataclass(frozen=True)
class Clause:
    """One sentence (or table row) of a document, under its section; `block` is its block's position."""

    section: str
    text: str
    block: int
    index: int  # position among all the document's clauses
    page: int | None = None


@dataclass(frozen=True)
class Draft:
    """A document read for review: its name, title and clauses in reading order."""

    name: str
    title: str | None
    clauses: list[Clause]

    def neighbours(self, clause: Clause) -> list[Clause]:
        """The clauses just before and after `clause` in the same block."""
        out = []
        for i in (clause.index + 1, clause.index - 1):
            if 0 <= i < len(self.clauses) and self.clauses[i].block == clause.block:
                out.append(self.clauses[i])
        return out


def read_draft(path: Path) -> Draft:
    """Read a draft SOW (.docx, .pdf, .md, .txt, .html) with the ingest readers; ReviewError if it cannot."""
    from ingest.formats import read_document  # ingest's readers import the playbook schema from here

    if path.suffix.lower() not in DRAFT_SUFFIXES:
        raise ReviewError(f"{path.name}: a draft SOW must be one of {', '.join(DRAFT_SUFFIXES)}")
    try:
        parsed = read_document(path, path.name)
    except DocumentError as e:
        raise ReviewError(str(e)) from e
    return Draft(name=path.name, title=parsed.title, clauses=clauses_of_blocks(parsed.blocks))


def clauses_of_blocks(blocks: list[Block]) -> list[Clause]:
    """Sentences and table rows of the blocks, each under its block's heading path."""
    clauses: list[Clause] = []
    for position, block in enumerate(blocks):
        section = " > ".join(_heading(h) for h in block.heading_path)
        for line in block.text.split("\n"):
            pieces = [line] if block.kind == "table" else sentences_of(line)
            for piece in pieces:
                for text in _cut(squash(piece)):
                    if len(text) > 2:
                        clauses.append(Clause(section, text, position, len(clauses), block.page))
    return clauses


def _heading(text: str) -> str:
    return _NUMBERED_HEADING.sub("", text).strip() or text


def _cut(text: str) -> list[str]:
    if len(text) <= MAX_CLAUSE_CHARS:
        return [text]
    parts = [p.strip() for p in text.split(";") if p.strip()]
    return parts if len(parts) > 1 else [text[i : i + MAX_CLAUSE_CHARS] for i in range(0, len(text), 500)]
