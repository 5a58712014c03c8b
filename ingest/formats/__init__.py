"""Reading one knowledge file into a ParsedDocument, dispatching on its suffix to a format reader."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from assistant.errors import DocumentError
from assistant.models import Block, ParsedDocument

from ..limits import DEFAULT_LIMITS, IngestLimits
from .docx import read_docx
from .guards import shown_name, strip_controls
from .html import read_html
from .markdown import read_markdown, read_plain_text
from .pdf import read_pdf
from .playbook import read_playbook
from .tabular import read_csv, read_xlsx


class Reader(Protocol):
    def __call__(self, path: Path, source: str, limits: IngestLimits = ...) -> ParsedDocument: ...


_READERS: dict[str, Reader] = {
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".txt": read_plain_text,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".xlsx": read_xlsx,
    ".csv": read_csv,
    ".yaml": read_playbook,  # playbook/*.yaml only; refused elsewhere
    ".yml": read_playbook,
}

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_READERS)

__all__ = ["SUPPORTED_SUFFIXES", "read_document"]


def read_document(path: Path, source: str, limits: IngestLimits = DEFAULT_LIMITS) -> ParsedDocument:
    """Read the file at `path` into blocks; `source` (its path under the knowledge root) names it in errors.

    Raises DocumentError for unsupported, empty, encrypted, corrupt, badly encoded or too large files.
    Control characters (NUL and the like, not tabs or line breaks) are stripped from the text read, so
    they are neither indexed nor echoed back in answers.
    """
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        shown = f"'{shown_name(suffix)}'" if suffix else "(no extension)"
        raise DocumentError(source, f"unsupported file type {shown}")
    parsed = _without_controls(reader(path, source, limits))
    if not parsed.blocks:
        raise DocumentError(source, "empty")
    return parsed


def _without_controls(parsed: ParsedDocument) -> ParsedDocument:
    blocks: list[Block] = []
    for block in parsed.blocks:
        text = strip_controls(block.text)
        if not text.strip():
            continue
        blocks.append(
            block.model_copy(
                update={
                    "text": text,
                    "question": strip_controls(block.question) if block.question else block.question,
                    "answer": strip_controls(block.answer) if block.answer else block.answer,
                    "heading_path": [strip_controls(h) for h in block.heading_path],
                }
            )
        )
    title = strip_controls(parsed.title) if parsed.title else parsed.title
    return parsed.model_copy(update={"blocks": blocks, "title": title})
