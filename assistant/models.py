"""The shared vocabulary: documents, chunks, requests and answers exchanged between packages.

Chroma, LangChain and Slack types never cross a module boundary; everything that does is one of these.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class DocType(StrEnum):
    """Kind of document, decided by the top folder under the knowledge root."""

    OFFERING = "offering"
    SOW = "sow"
    RFP_ANSWER = "rfp-answer"
    PLAYBOOK = "playbook"
    OTHER = "other"


class Confidentiality(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"


class Audience(StrEnum):
    """Who will see an answer: our own people, or a channel with client guests."""

    INTERNAL = "internal"
    EXTERNAL = "external"


class Status(StrEnum):
    ANSWERED = "answered"
    NOT_FOUND = "not_found"
    RESTRICTED = "restricted"


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


BlockKind = Literal["prose", "table", "qa"]


class DocumentMeta(BaseModel):
    """Metadata of one knowledge document, after defaults and validation."""

    model_config = ConfigDict(frozen=True)

    title: str
    client: str | None = None
    vertical: str | None = None
    offering: str | None = None
    confidentiality: Confidentiality
    effective_date: dt.date | None = None
    review_by: dt.date | None = None
    owner: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class Block(BaseModel):
    """One structural unit read from a document: a section's prose, a table, or a Q&A row."""

    kind: BlockKind = "prose"
    text: str
    heading_path: list[str] = Field(default_factory=list)
    question: str | None = None
    answer: str | None = None
    sheet: str | None = None
    row: int | None = None
    page: int | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class ParsedDocument(BaseModel):
    """What a format reader returns: the title found in the document (if any) and its blocks."""

    title: str | None = None
    blocks: list[Block]
    front_matter: dict[str, Any] = Field(default_factory=dict)


class Chunk(BaseModel):
    """The unit that is embedded, indexed, retrieved and cited."""

    model_config = ConfigDict(frozen=True)

    id: str
    source: str  # path relative to the knowledge root, with forward slashes
    doc_type: DocType
    position: int
    text: str
    heading_path: str = ""  # "Service levels > Turnaround"
    kind: BlockKind = "prose"
    question: str | None = None
    sheet: str | None = None
    row: int | None = None
    page: int | None = None
    meta: DocumentMeta

    @property
    def title(self) -> str:
        return self.meta.title


class ScoredChunk(BaseModel):
    """A chunk as retrieved for one query, with the evidence behind its rank."""

    chunk: Chunk
    score: float  # fused score used for ranking
    similarity: float  # cosine similarity between query and chunk (dense evidence), 0..1
    keyword_score: float = 0.0  # normalised keyword (BM25) evidence, 0..1
    rank: int = 0


class Turn(BaseModel):
    """An earlier turn of the conversation (e.g. a Slack thread) used for follow-up questions."""

    role: Literal["user", "assistant"]
    text: str


class Request(BaseModel):
    """A question or draft request, with who will see the result."""

    question: str
    audience: Audience = Audience.INTERNAL
    client: str | None = None
    history: list[Turn] = Field(default_factory=list)


class Citation(BaseModel):
    number: int
    source: str
    title: str
    section: str = ""
    effective_date: dt.date | None = None
    review_by: dt.date | None = None
    review_overdue: bool = False
    chunk_id: str


class NoteKind(StrEnum):
    """What a note shown with an answer is about; code that keeps or drops notes decides on this."""

    UNKNOWN_CLIENT = "unknown_client"  # the named client has no documents in the knowledge base
    REVIEW_DUE = "review_due"  # a cited document is past its review date
    SUPERSEDED = "superseded"  # statements of an older document were left out for a newer one's
    REPLACED_EDITION = "replaced_edition"  # a re-issued document's earlier edition was left out


class Note(BaseModel):
    """A warning shown with an answer: its kind, and the text the user sees."""

    model_config = ConfigDict(frozen=True)

    kind: NoteKind
    text: str


class Answer(BaseModel):
    """The structured result of ask or draft; the CLI's --json, the bot and the evals all read it."""

    mode: Literal["ask", "draft"] = "ask"
    question: str
    status: Status
    answer: str
    confidence: Confidence | None = None
    citations: list[Citation] = Field(default_factory=list)
    retrieved: list[ScoredChunk] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)  # client, freshness and review warnings shown with it
    nearest: list[str] = Field(default_factory=list)  # nearest documents named by a not_found answer
    audience: Audience = Audience.INTERNAL
    client: str | None = None
    composer: str = "offline"  # "offline" or the chat model that wrote the text
    fallback_reason: str | None = None  # why an LLM answer was rejected in favour of the offline one
    evidence: float | None = None  # the evidence score the answer was decided on (see Tuning)

    def sources_text(self) -> str:
        """The numbered source list exactly as shown to the user in plain text."""
        lines = []
        for c in self.citations:
            parts = [c.title, c.source]
            if c.section:
                parts.append(c.section)
            if c.effective_date:
                parts.append(f"effective {c.effective_date.isoformat()}")
            line = f"[{c.number}] " + " — ".join(parts)
            if c.review_overdue and c.review_by:
                line += f" (review overdue since {c.review_by.isoformat()})"
            lines.append(line)
        return "\n".join(lines)

    def shown_text(self) -> str:
        """Everything a user sees: the answer, its notes and the rendered source list."""
        parts = [self.answer]
        if self.notes:
            parts.append("\n".join(n.text for n in self.notes))
        if self.citations:
            parts.append("Sources:\n" + self.sources_text())
        return "\n\n".join(p for p in parts if p)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape of `ask --json` / `draft --json`."""
        return {
            "mode": self.mode,
            "question": self.question,
            "status": self.status.value,
            "answer": self.answer,
            "shown": self.shown_text(),
            "confidence": self.confidence.value if self.confidence else None,
            "audience": self.audience.value,
            "client": self.client,
            "notes": [n.text for n in self.notes],
            "note_kinds": [n.kind.value for n in self.notes],
            "nearest": self.nearest,
            "composer": self.composer,
            "fallback_reason": self.fallback_reason,
            "evidence": round(self.evidence, 4) if self.evidence is not None else None,
            "citations": [
                {
                    "number": c.number,
                    "source": c.source,
                    "title": c.title,
                    "section": c.section,
                    "effective_date": c.effective_date.isoformat() if c.effective_date else None,
                    "review_by": c.review_by.isoformat() if c.review_by else None,
                    "review_overdue": c.review_overdue,
                    "chunk_id": c.chunk_id,
                }
                for c in self.citations
            ],
            "retrieved": [
                {
                    "rank": s.rank,
                    "source": s.chunk.source,
                    "chunk_id": s.chunk.id,
                    "title": s.chunk.title,
                    "section": s.chunk.heading_path,
                    "score": round(s.score, 6),
                    "similarity": round(s.similarity, 6),
                    "text": s.chunk.text,
                }
                for s in self.retrieved
            ],
        }
