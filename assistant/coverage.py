"""What the live knowledge base covers: its version, when it was built, and its documents' metadata.

No document text: this is what the bot may show about the knowledge base itself (suggested prompts in the
Messages tab, the Home tab for knowledge owners), read from the version the retriever currently answers from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from assistant.models import Confidentiality, DocType
from assistant.retrieval.retriever import Retriever


@dataclass(frozen=True)
class DocumentSummary:
    """One document's metadata as the catalog holds it."""

    source: str
    title: str
    doc_type: str
    confidentiality: str
    client: str | None = None
    owner: str | None = None
    review_by: dt.date | None = None
    superseded: bool = False  # a newer document replaces it

    @property
    def general(self) -> bool:
        """Public and about no client: its title may be shown to anyone, guests included."""
        return self.confidentiality == Confidentiality.PUBLIC.value and not self.client

    def overdue(self, today: dt.date) -> bool:
        return self.review_by is not None and self.review_by < today


@dataclass(frozen=True)
class Coverage:
    version: str
    built_at: str | None
    documents: list[DocumentSummary]

    def of_type(self, doc_type: DocType) -> list[DocumentSummary]:
        return [d for d in self.documents if d.doc_type == doc_type.value]


def coverage_of(retriever: Retriever) -> Coverage:
    """The coverage of the version `retriever` answers from now (follows promotions)."""
    source = retriever.source
    opened = source.current()
    record = source.registry.state().versions.get(opened.name)
    replaced = opened.supersessions
    documents = [
        DocumentSummary(
            source=path,
            title=str(r.meta.get("title") or path),
            doc_type=r.doc_type,
            confidentiality=str(r.meta.get("confidentiality") or Confidentiality.INTERNAL.value),
            client=r.meta.get("client") or None,
            owner=r.meta.get("owner") or None,
            review_by=_date(r.meta.get("review_by")),
            superseded=path in replaced,
        )
        for path, r in sorted(opened.catalog.files().items())
    ]
    return Coverage(opened.name, record.built_at if record else None, documents)


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
