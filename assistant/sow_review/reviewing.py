"""Reviewing a draft SOW: every playbook topic located, judged and set beside our past SOWs.

The result is the JSON contract other tools and the evals read: document, client and one finding per
topic (status, section, quote, values, playbook position, reason, fallback, history).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistant.models import Chunk
from assistant.retrieval.embedding import Embedder
from assistant.sow_review.finding import ClauseFinder
from assistant.sow_review.history import Comparable, past_positions
from assistant.sow_review.judging import Colour, judge
from assistant.sow_review.playbook import Playbook, Topic
from assistant.sow_review.reading import Draft, read_draft

__all__ = ["Finding", "HistoryItem", "Review", "Reviewer", "ValueItem"]

STATUS_ORDER = (Colour.RED, Colour.YELLOW, Colour.MISSING, Colour.GREEN)


class ValueItem(BaseModel):
    value: float
    unit: str
    text: str = Field(default="", exclude=True)


class HistoryItem(BaseModel):
    """A past SOW's position (internal only)."""

    source: str
    value: str
    client: str | None = Field(default=None, exclude=True)
    quote: str = Field(default="", exclude=True)


class Finding(BaseModel):
    topic: str
    title: str = Field(exclude=True)
    status: Colour
    section: str | None
    quote: str | None
    values: list[ValueItem]
    playbook: str
    reason: str
    fallback: str | None
    owner: str | None = Field(default=None, exclude=True)
    history: list[HistoryItem]

    def history_line(self) -> str:
        """ "SLA credit caps in 4 past SOWs: 10%, 10%, 12%, 15%" (internal)."""
        figures = [h.value for h in self.history]
        if not figures:
            return "No past SOW in the knowledge base has this clause."
        return f"{self.title} in {len(figures)} past SOW{'s' if len(figures) > 1 else ''}: " + ", ".join(
            sorted(figures, key=_sort_key)
        )


class Review(BaseModel):
    document: str
    client: str | None
    findings: list[Finding]

    def counts(self) -> dict[str, int]:
        return {c.value: sum(f.status is c for f in self.findings) for c in STATUS_ORDER}

    def ordered(self) -> list[Finding]:
        """Findings with RED first, then YELLOW, missing and GREEN (playbook order within a colour)."""
        return sorted(self.findings, key=lambda f: STATUS_ORDER.index(f.status))

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Reviewer:
    """Reviews drafts against one playbook; `past_sows` are the catalog's SOW chunks, by source."""

    def __init__(
        self,
        playbook: Playbook,
        embedder: Embedder,
        *,
        past_sows: dict[str, list[Chunk]] | None = None,
        finder: ClauseFinder | None = None,
    ) -> None:
        self.playbook = playbook
        self.finder = finder or ClauseFinder(embedder)
        self._past_sows = past_sows or {}
        self._history: dict[str, list[Comparable]] | None = None

    def history(self) -> dict[str, list[Comparable]]:
        """Past SOW positions per topic, computed once per reviewer."""
        if self._history is None:
            self._history = past_positions(self.playbook.topics, self._past_sows, self.finder)
        return self._history

    def review_file(self, path: Path, *, client: str | None = None) -> Review:
        """Read and review the draft at `path` (ReviewError when it cannot be read)."""
        return self.review(read_draft(path), client=client)

    def review(self, draft: Draft, *, client: str | None = None) -> Review:
        locations = self.finder.locate(self.playbook.topics, draft)
        history = self.history()
        findings = [
            self._finding(topic, locations[topic.id], history.get(topic.id, []))
            for topic in self.playbook.topics
        ]
        return Review(document=draft.name, client=client, findings=findings)

    def _finding(self, topic: Topic, location: Any, past: list[Comparable]) -> Finding:
        verdict = judge(topic, location)
        return Finding(
            topic=topic.id,
            title=topic.title,
            status=verdict.status,
            section=(location.section or None) if location else None,
            quote=location.quote if location else None,
            values=[ValueItem(value=v.value, unit=v.unit, text=v.text) for v in location.values]
            if location
            else [],
            playbook=topic.position(),
            reason=verdict.reason,
            fallback=topic.fallback,
            owner=topic.owner,
            history=[
                HistoryItem(source=c.source, value=c.shown, client=c.client, quote=c.quote) for c in past
            ],
        )


def _sort_key(shown: str) -> tuple[int, float, str]:
    digits = "".join(ch for ch in shown if ch.isdigit() or ch == ".")
    try:
        return (0, float(digits), shown)
    except ValueError:
        return (1, 0.0, shown)
