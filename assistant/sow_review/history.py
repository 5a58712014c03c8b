"""What our past SOWs agreed on each topic: the same finder and value rules run over the catalog's SOW chunks.

Internal only: the comparables name other clients' SOWs and quote them, so they go into the JSON and
the internal report, never into the commented copy that may go back to the client.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.models import Block, Chunk, DocType
from assistant.retrieval.catalog import Catalog
from assistant.sow_review.finding import ClauseFinder
from assistant.sow_review.judging import judged_value
from assistant.sow_review.playbook import Topic, show
from assistant.sow_review.reading import Draft, clauses_of_blocks

__all__ = ["HISTORY_MARGIN", "Comparable", "past_positions", "sow_chunks"]

# A comparable must score this much above the finder's threshold: a wrong precedent misleads more
# than a missing one.
HISTORY_MARGIN = 0.1


@dataclass(frozen=True)
class Comparable:
    """One past SOW's position on a topic."""

    source: str
    client: str | None
    value: float | None  # in the topic's unit; None when the clause has no figure of it
    shown: str  # "15%", or "clause present" for a topic without numbers
    quote: str
    section: str


def sow_chunks(catalog: Catalog) -> dict[str, list[Chunk]]:
    """The chunks of every SOW in the catalog, by source, in document order."""
    sources = [s for s, record in catalog.files().items() if record.doc_type == DocType.SOW.value]
    by_source: dict[str, list[Chunk]] = {}
    for chunk in catalog.chunks(catalog.chunk_ids_of(sources)).values():
        by_source.setdefault(chunk.source, []).append(chunk)
    return {s: sorted(chunks, key=lambda c: c.position) for s, chunks in sorted(by_source.items())}


def past_positions(
    topics: list[Topic], chunks_by_source: dict[str, list[Chunk]], finder: ClauseFinder
) -> dict[str, list[Comparable]]:
    """For each topic id, the positions the past SOWs took (only SOWs that have the clause)."""
    out: dict[str, list[Comparable]] = {t.id: [] for t in topics}
    for source, chunks in chunks_by_source.items():
        blocks = [
            Block(
                text=c.text,
                heading_path=c.heading_path.split(" > ") if c.heading_path else [],
                kind=c.kind,
                page=c.page,
            )
            for c in chunks
        ]
        draft = Draft(name=source, title=chunks[0].meta.title, clauses=clauses_of_blocks(blocks))
        client = chunks[0].meta.client
        for topic_id, location in finder.locate(topics, draft).items():
            if location is None or location.score < finder.found_score + HISTORY_MARGIN:
                continue
            topic = next(t for t in topics if t.id == topic_id)
            value = judged_value(topic, location.quote, location.values)
            shown = show(value, topic.measure) if value is not None else "clause present, no figure"
            out[topic_id].append(Comparable(source, client, value, shown, location.quote, location.section))
    return out
