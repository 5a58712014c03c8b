"""Reading one knowledge file into a ParsedDocument, dispatching on its suffix to a format reader."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.errors import DocumentError
from assistant.models import ParsedDocument

from .docx import read_docx
from .html import read_html
from .markdown import read_markdown, read_plain_text
from .pdf import read_pdf
from .tabular import read_csv, read_xlsx

Reader = Callable[[Path, str], ParsedDocument]

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
}

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_READERS)

__all__ = ["SUPPORTED_SUFFIXES", "read_document"]


def read_document(path: Path, source: str) -> ParsedDocument:
    """Read the file at `path` into blocks; `source` (its path under the knowledge root) names it in errors.

    Raises DocumentError for unsupported, empty, encrypted, corrupt or badly encoded files.
    """
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        shown = f"'{suffix}'" if suffix else "(no extension)"
        raise DocumentError(source, f"unsupported file type {shown}")
    parsed = reader(path, source)
    if not parsed.blocks:
        raise DocumentError(source, "empty")
    return parsed
