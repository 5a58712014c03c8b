"""A newer statement answers in place of the older one it replaces (a small knowledge base written here).

When a declared successor restates a fact in other words, the older sentence is dropped; the newer one must
then answer the question the older one would have answered, even when its wording is further from the
question than some other document's nearby text.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.answering.access import scope_for
from assistant.answering.core import Assistant
from assistant.models import NoteKind, Request, Status
from assistant.retrieval.embedding import Embedder
from tests.conftest import assistant_over
from tests.conftest import write_markdown as _doc

OLD = "offerings/production-mail.md"
NEW = "offerings/service-guide-2026.md"
INBOUND = "offerings/digital-mailroom.md"


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Assistant]:
    root = tmp_path_factory.mktemp("freshness-kb")
    common = "confidentiality: public\noffering: print-mail"
    _doc(
        root,
        OLD,
        f"title: Production Mail\neffective_date: 2024-01-01\n{common}",
        "# Outbound mail\n\nEnvelopes go out within 2 business days after we receive the print file.\n\n"
        "# Plants\n\nOur print plants are in Tulsa, Oklahoma and Reno, Nevada.\n",
    )
    _doc(
        root,
        NEW,
        f"title: Service Guide 2026\neffective_date: 2026-01-01\nsupersedes: {OLD}\n{common}",
        "# What you can count on\n\n"
        "Standard transactional mail: print files accepted by 4:00 p.m. are mailed the next business day.\n\n"
        "# Availability\n\nThe client portal is available 99.9% of each month.\n",
    )
    _doc(
        root,
        INBOUND,
        f"title: Digital Mailroom\neffective_date: 2025-06-01\n{common}",
        "# A day in the life of an envelope\n\n"
        "After we receive your envelopes at the mailroom, the documents go out to your queue the same day.\n",
    )
    yield assistant_over(root, tmp_path_factory, embedder, "freshness-data")


def test_the_newer_statement_answers_where_the_older_one_would_have(kb: Assistant) -> None:
    question = "How many days after you receive our print file do the envelopes go out?"
    answer = kb.ask(Request(question=question))
    assert answer.status is Status.ANSWERED
    assert "next business day" in answer.answer
    assert "2 business days" not in answer.shown_text()
    assert answer.citations[0].source == NEW, "the replacing statement is the best-ranked one"
    assert any(n.kind is NoteKind.SUPERSEDED for n in answer.notes)


def test_the_replacing_chunk_ranks_ahead_of_the_statement_it_replaced(kb: Assistant) -> None:
    # The older sentence is worded like the question, so retrieval ranks it first; once the newer
    # document's statement has replaced it, the ranking the answer reports puts the current one first.
    question = "Within how many business days after you receive the print file do envelopes go out?"
    ranked = kb.retriever.retrieve(question, scope_for(Request(question=question)), 8).chunks
    sources = [s.chunk.source for s in ranked]
    assert sources.index(OLD) < sources.index(NEW), "precondition: retrieval alone ranks the older first"
    answer = kb.ask(Request(question=question))
    order = [s.chunk.source for s in answer.retrieved]
    assert order.index(NEW) < order.index(OLD)
    replaced = next(
        s for s in answer.retrieved if s.chunk.source == OLD and "2 business days" in s.chunk.text
    )
    current = next(
        s for s in answer.retrieved if s.chunk.source == NEW and "next business day" in s.chunk.text
    )
    assert answer.retrieved.index(replaced) == answer.retrieved.index(current) + 1
    others = [s.chunk.id for s in answer.retrieved if s not in (replaced, current)]
    assert others == [s.chunk.id for s in ranked if s.chunk.id in others], "everything else keeps its rank"
