"""One health check of the answer library: its rows from the knowledge folder, the live version's other
documents, and the usage events, into one LintReport."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path

from assistant.library.linting import Document, Embeds, LintReport, lint_library
from assistant.library.rows import read_library_rows
from assistant.library.usage import UsageEvent, count_usage
from assistant.models import DocType
from assistant.retrieval.catalog import Catalog


def documents_of(catalog: Catalog) -> Iterator[Document]:
    """The version's documents other than answer libraries, with their chunk texts."""
    for record in catalog.files().values():
        if record.doc_type == DocType.RFP_ANSWER.value:
            continue
        date = record.meta.get("effective_date")
        chunks = catalog.chunks(catalog.chunk_ids_of([record.source]))
        yield Document(
            source=record.source,
            title=str(record.meta.get("title") or record.source),
            effective_date=dt.date.fromisoformat(str(date)) if date else None,
            client=record.meta.get("client"),
            texts=tuple(c.text for c in sorted(chunks.values(), key=lambda c: c.position)),
        )


def check_library(
    knowledge_dir: Path,
    embedder: Embeds,
    catalog: Catalog | None,
    events: Iterable[UsageEvent],
    *,
    today: dt.date,
    max_age_days: int,
) -> LintReport:
    """Lint the library files of `knowledge_dir` against the catalog's documents, with usage counts."""
    rows, problems = read_library_rows(knowledge_dir)
    documents = list(documents_of(catalog)) if catalog is not None else []
    report = lint_library(rows, embedder, documents, today=today, max_age_days=max_age_days)
    report.problems = problems
    report.usage = count_usage(events, catalog)
    return report
