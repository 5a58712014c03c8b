"""Reading a knowledge folder into versioned Chroma collections and keyword indexes.

`build_version` ingests a folder into a new version (reporting an `IngestReport`, calling a `Progress`),
within per-file `IngestLimits`; `read_document` reads one file. The names resolve on first use, so the
parse worker (`python -m ingest.isolation`) loads only what it parses with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.exports import lazy_exports

if TYPE_CHECKING:
    from ingest.formats import SUPPORTED_SUFFIXES, read_document
    from ingest.limits import DEFAULT_LIMITS, IngestLimits
    from ingest.pipeline import IngestReport, Progress, build_version

__all__ = [
    "DEFAULT_LIMITS",
    "SUPPORTED_SUFFIXES",
    "IngestLimits",
    "IngestReport",
    "Progress",
    "build_version",
    "read_document",
]

__getattr__, __dir__ = lazy_exports(
    globals(),
    {
        "DEFAULT_LIMITS": "ingest.limits",
        "SUPPORTED_SUFFIXES": "ingest.formats",
        "IngestLimits": "ingest.limits",
        "IngestReport": "ingest.pipeline",
        "Progress": "ingest.pipeline",
        "build_version": "ingest.pipeline",
        "read_document": "ingest.formats",
    },
)
