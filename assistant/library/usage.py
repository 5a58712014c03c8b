"""Usage signals: how often each library row and each document was cited, approved and rated 👍/👎.

The counts come from citation events (the bot's answer log and feedback, and the approvals); a cited
chunk is traced to its library row through a version's catalog, so a row keeps its count while its id
(which hashes its text) changes with edits only from then on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from assistant.library.rows import LibraryRow
from assistant.retrieval.catalog import Catalog

Signal = Literal["cited", "approved", "up", "down"]
SIGNALS: tuple[Signal, ...] = ("cited", "approved", "up", "down")


@dataclass(frozen=True)
class UsageEvent:
    """One use of one source: cited in an answer, part of an approved draft, or rated with an answer."""

    signal: Signal
    source: str
    chunk_id: str | None = None


@dataclass
class Usage:
    """Counts per library row (source, normalised question) and per document, for each signal."""

    rows: dict[Signal, Counter[tuple[str, str]]] = field(
        default_factory=lambda: {s: Counter() for s in SIGNALS}
    )
    documents: dict[Signal, Counter[str]] = field(default_factory=lambda: {s: Counter() for s in SIGNALS})

    def row_total(self, row: LibraryRow) -> int:
        return sum(self.rows[s][row.key] for s in SIGNALS)

    def most_used(self, rows: list[LibraryRow], top: int) -> list[tuple[LibraryRow, dict[Signal, int]]]:
        used = [r for r in rows if self.row_total(r)]
        used.sort(key=lambda r: (-self.rows["cited"][r.key] - self.rows["approved"][r.key], r.label))
        return [(r, {s: self.rows[s][r.key] for s in SIGNALS}) for r in used[:top]]

    def never_used(self, rows: list[LibraryRow]) -> list[LibraryRow]:
        return [r for r in rows if not self.row_total(r)]

    def top_documents(self, top: int) -> list[tuple[str, dict[Signal, int]]]:
        sources = sorted(
            set().union(*(set(c) for c in self.documents.values())),
            key=lambda s: (-self.documents["cited"][s] - self.documents["approved"][s], s),
        )
        return [(s, {k: self.documents[k][s] for k in SIGNALS}) for s in sources[:top]]


def count_usage(events: Iterable[UsageEvent], catalog: Catalog | None) -> Usage:
    """Tally events per document, and per library row where the catalog knows the cited chunk."""
    usage = Usage()
    events = list(events)
    ids = sorted({e.chunk_id for e in events if e.chunk_id})
    questions: dict[str, tuple[str, str]] = {}
    if catalog is not None:
        for start in range(0, len(ids), 500):
            for chunk_id, chunk in catalog.chunks(ids[start : start + 500]).items():
                if chunk.kind == "qa" and chunk.question:
                    questions[chunk_id] = (chunk.source, " ".join(chunk.question.split()).casefold())
    for event in events:
        usage.documents[event.signal][event.source] += 1
        key = questions.get(event.chunk_id or "")
        if key:
            usage.rows[event.signal][key] += 1
    return usage
