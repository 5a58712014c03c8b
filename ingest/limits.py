"""Per-file budgets of an ingest run: sizes, rows, chunks, metadata, archives, worker memory and time.

The defaults keep one hostile or accidental file from stalling or killing a nightly run; the settings
(DEAL_MAX_*) override them and wiring passes them down as one value.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.sizes import KIB, MIB


@dataclass(frozen=True)
class IngestLimits:
    """What one knowledge file may cost before it fails alone with a reason."""

    max_file_bytes: int = 50 * MIB
    max_rows: int = 50_000  # spreadsheet / CSV rows holding a value, per file
    max_columns: int = 1_000  # used columns of one spreadsheet row
    max_chunks: int = 20_000
    max_meta_bytes: int = 16 * KIB  # a file's merged metadata, serialised as JSON
    max_expanded_bytes: int = 512 * MIB  # everything inside one .docx/.xlsx, uncompressed
    max_expansion_ratio: int = 100  # uncompressed/compressed, for archive members over 1 MiB
    worker_memory_bytes: int = 2048 * MIB  # what a parse may allocate on top of the worker's baseline
    file_seconds: float = 300.0  # wall-clock time to parse one file

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value <= 0:
                raise ValueError(f"ingest limit {name} must be positive, got {value!r}")


DEFAULT_LIMITS = IngestLimits()
