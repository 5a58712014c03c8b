"""Input checks shared by the format readers: empty files, OLE containers, UTF-8 text, parser failures."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.errors import DocumentError

# An OLE compound file: a password-protected Office file, or a legacy .doc/.xls.
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_bytes(path: Path, source: str) -> bytes:
    """The file's bytes; DocumentError "empty" for a 0-byte file."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DocumentError(source, f"cannot read file: {e.strerror or e}") from e
    if not data:
        raise DocumentError(source, "empty")
    return data


def is_cfb(data: bytes) -> bool:
    """True when the bytes are an OLE compound file (how Office stores encrypted .docx/.xlsx)."""
    return data.startswith(CFB_MAGIC)


def decode_utf8(data: bytes, source: str) -> str:
    """UTF-8 text (a BOM is accepted and dropped); DocumentError for other encodings or blank text."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DocumentError(source, f"not UTF-8 text (invalid byte at offset {e.start})") from e
    if not text.strip():
        raise DocumentError(source, "empty")
    return text


def one_line(error: BaseException) -> str:
    """An exception as one short line: its first non-blank message line, else its type name."""
    for line in str(error).splitlines():
        if line.strip():
            return line.strip()
    return type(error).__name__


@contextmanager
def parser_errors(source: str, kind: str) -> Iterator[None]:
    """Turn any third-party parser exception into DocumentError(source, "unreadable <kind>: ...")."""
    try:
        yield
    except DocumentError:
        raise
    except Exception as e:
        raise DocumentError(source, f"unreadable {kind}: {one_line(e)}") from e
