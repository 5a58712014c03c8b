"""Freshness: the newest document wins when sources disagree, and overdue reviews are flagged.

Two documents about the same offering (same `offering` metadata) with different effective dates are
versions of one another; only the newest is used for the answer, and a note says the older one is
superseded, so it is never presented as current.
"""

from __future__ import annotations

import datetime as dt

from assistant.models import Citation, ScoredChunk


def prefer_newest(support: list[ScoredChunk]) -> tuple[list[ScoredChunk], list[str]]:
    """Drop chunks of documents superseded by a newer document on the same offering."""
    newest: dict[str, tuple[dt.date, str]] = {}
    for s in support:
        meta = s.chunk.meta
        if meta.offering and meta.effective_date:
            key = meta.offering.casefold()
            if key not in newest or meta.effective_date > newest[key][0]:
                newest[key] = (meta.effective_date, s.chunk.source)
    kept: list[ScoredChunk] = []
    notes: dict[str, str] = {}
    for s in support:
        meta = s.chunk.meta
        key = meta.offering.casefold() if meta.offering else None
        if key and meta.effective_date and key in newest and newest[key][1] != s.chunk.source:
            date, _ = newest[key]
            notes[s.chunk.source] = (
                f"Not used: {meta.title} (effective {meta.effective_date.isoformat()}) is superseded "
                f"by a newer document effective {date.isoformat()}."
            )
            continue
        kept.append(s)
    return kept, list(notes.values())


def review_notes(citations: list[Citation]) -> list[str]:
    """One line per cited document that is past its review date."""
    seen: set[str] = set()
    notes = []
    for c in citations:
        if c.review_overdue and c.review_by and c.source not in seen:
            seen.add(c.source)
            notes.append(f"{c.title} was due for review on {c.review_by.isoformat()}: check it is still current.")
    return notes


def is_overdue(review_by: dt.date | None, today: dt.date) -> bool:
    return review_by is not None and review_by < today
