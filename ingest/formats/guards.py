"""Input checks shared by the format readers: safe opening, sizes, OLE containers, UTF-8 text, control
characters, parser failures, and file names made safe to print on one line."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from assistant.errors import DocumentError
from assistant.sizes import describe_size

from ..limits import IngestLimits
from .archives import ArchiveError, check_archive

# An OLE compound file: a password-protected Office file, or a legacy .doc/.xls.
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# C0 and C1 control characters other than the whitespace ones (\t \n \v \f \r), and DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_UNPRINTABLE_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
UNLIMITED = 1 << 62


def read_bytes(path: Path, source: str, max_bytes: int = UNLIMITED, *, allow_empty: bool = False) -> bytes:
    """The bytes of a regular file, never through a symbolic link; DocumentError "empty" for 0 bytes.

    The link and type checks are repeated here, on the open descriptor, because the scan happened earlier:
    a file swapped for a link to /proc/self/environ or for a FIFO in between must not be read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        why = "a symbolic link, not followed" if path.is_symlink() else e.strerror or str(e)
        raise DocumentError(source, f"cannot read file: {why}") from e
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise DocumentError(source, "not a regular file")
        if info.st_size > max_bytes:
            raise DocumentError(source, too_large(info.st_size, max_bytes))
        try:
            data = _read_at_most(f, max_bytes + 1)
        except OSError as e:
            raise DocumentError(source, f"cannot read file: {e.strerror or e}") from e
    if len(data) > max_bytes:  # grew while being read
        raise DocumentError(source, too_large(len(data), max_bytes))
    if not data and not allow_empty:
        raise DocumentError(source, "empty")
    return data


def _read_at_most(f: BinaryIO, limit: int) -> bytes:
    # In pieces, so a file that grows (or lies about its size, like /proc files) stops at the limit.
    parts: list[bytes] = []
    total = 0
    while total < limit:
        part = f.read(min(limit - total, 1 << 20))
        if not part:
            break
        parts.append(part)
        total += len(part)
    return b"".join(parts)


def check_package(data: bytes, source: str, limits: IngestLimits) -> None:
    """DocumentError(source, "too large: ...") for an Office package that is a zip bomb."""
    try:
        check_archive(
            data, max_expanded_bytes=limits.max_expanded_bytes, max_ratio=limits.max_expansion_ratio
        )
    except ArchiveError as e:
        raise DocumentError(source, str(e)) from e


def too_large(size: int, limit: int) -> str:
    return f"too large ({describe_size(size)}; the limit is {describe_size(limit)})"


def strip_controls(text: str) -> str:
    """Text without NUL and other control characters (tabs and line breaks are kept)."""
    return _CONTROL.sub("", text)


def shown_name(name: str) -> str:
    """A file name safe for one line of output: control characters and line separators escaped."""
    return _UNPRINTABLE_NAME.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), name)


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
