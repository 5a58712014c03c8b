"""Freshness: the newest document wins when sources disagree, and overdue reviews are flagged.

Two documents of the same type, offering and client with different effective dates are versions of one
another (see Catalog.superseded); only the newest is used for the answer, and a note says the older one
is superseded, so it is never presented as current.
"""

from __future__ import annotations

import datetime as dt

from assistant.models import Citation, ScoredChunk


def prefer_newest(
    support: list[ScoredChunk], superseded: dict[str, tuple[str, str]]
) -> tuple[list[ScoredChunk], list[str]]:
    """Drop chunks of documents superseded by a newer document on the same offering, with a note."""
    kept: list[ScoredChunk] = []
    notes: dict[str, str] = {}
    for s in support:
        newer = superseded.get(s.chunk.source)
        if newer is None:
            kept.append(s)
            continue
        meta = s.chunk.meta
        own = f" (effective {meta.effective_date.isoformat()})" if meta.effective_date else ""
        notes[s.chunk.source] = (
            f"Not used: {meta.title}{own} is superseded by {newer[0]} (effective {newer[1]})."
        )
    return kept, list(notes.values())


def review_notes(citations: list[Citation]) -> list[str]:
    """One line per cited document that is past its review date."""
    seen: set[str] = set()
    notes = []
    for c in citations:
        if c.review_overdue and c.review_by and c.source not in seen:
            seen.add(c.source)
            notes.append(
                f"{c.title} was due for review on {c.review_by.isoformat()}: check it is still current."
            )
    return notes


def is_overdue(review_by: dt.date | None, today: dt.date) -> bool:
    return review_by is not None and review_by < today
