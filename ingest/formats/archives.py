"""Zip-bomb checks for Office packages (.docx, .xlsx), shared by ingest and the questionnaire reader.

Sizes come from the central directory, before anything is decompressed. Python's zipfile stops a member
at its declared size (and fails its CRC beyond it), so a member cannot expand past what is checked here.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from assistant.sizes import MIB, describe_size

# Members smaller than this are not ratio-checked: tiny parts (styles, blank sheets) compress extremely well.
RATIO_FLOOR_BYTES = MIB


class ArchiveError(ValueError):
    """An Office package refused before parsing; the message is the one-line reason."""


def check_archive(data: bytes | Path, *, max_expanded_bytes: int, max_ratio: float) -> None:
    """Raise ArchiveError when the package expands beyond `max_expanded_bytes` in all or a member of over
    1 MiB expands more than `max_ratio` times. A file that is not a zip at all passes: the parser says why.
    """
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        with zipfile.ZipFile(source) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    expanded = 0
    for info in members:
        expanded += info.file_size
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > max_ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise ArchiveError(
                f"too large: archive member {info.filename!r} expands {ratio:,.0f} times "
                f"(to {describe_size(info.file_size)}; the limit is {max_ratio:g} times), a zip bomb?"
            )
    if expanded > max_expanded_bytes:
        raise ArchiveError(
            f"too large: expands to {describe_size(expanded)} uncompressed "
            f"(the limit is {describe_size(max_expanded_bytes)})"
        )
