"""The peer baseline (LangChain tutorial pipeline) over a real folder, the real model and real Chroma."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.models import Audience, Request, Status
from assistant.retrieval.embedding import Embedder
from evals.baseline import CHUNK_SIZE, TutorialBaseline, load_documents, tutorial_baseline

SECURITY = """---
title: Security Overview
confidentiality: public
---
# Security

We hold SOC 2 Type II and HITRUST certifications. Penetration tests run every quarter.
"""

MAILROOM = """---
title: Digital Mailroom
confidentiality: public
---
# Digital mailroom

Incoming mail is scanned and indexed within 2 business hours at our imaging center.

""" + "\n\n".join(
    f"Paragraph {i}: checks are deposited the same day by remote deposit capture." for i in range(40)
)


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("baseline-kb")
    (root / "offerings").mkdir()
    (root / "offerings" / "security.md").write_text(SECURITY, encoding="utf-8")
    (root / "offerings" / "mailroom.md").write_text(MAILROOM, encoding="utf-8")
    (root / "offerings" / "broken.pdf").write_bytes(b"not a pdf")
    (root / "README.md").write_text("# About this folder\n\nNot a knowledge document.\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def baseline(knowledge: Path, embedder: Embedder) -> Iterator[TutorialBaseline]:
    with tutorial_baseline(knowledge, embedder) as system:
        yield system


def test_documents_are_read_like_ingest_skipping_readmes_and_unreadable_files(knowledge: Path) -> None:
    documents = load_documents(knowledge)

    assert sorted(d.metadata["source"] for d in documents) == [
        "offerings/mailroom.md",
        "offerings/security.md",
    ]
    security = next(d for d in documents if d.metadata["source"] == "offerings/security.md")
    assert "SOC 2 Type II" in security.page_content
    assert "confidentiality:" not in security.page_content


def test_baseline_answers_with_the_top_chunk_and_lists_its_sources(baseline: TutorialBaseline) -> None:
    answer = baseline.ask(Request(question="Which security certifications do you hold?"))

    assert answer.status is Status.ANSWERED
    assert answer.retrieved[0].chunk.source == "offerings/security.md"
    assert answer.answer == answer.retrieved[0].chunk.text
    assert [c.source for c in answer.citations] == list(
        dict.fromkeys(s.chunk.source for s in answer.retrieved)
    )
    assert {c.chunk_id for c in answer.citations} <= {s.chunk.id for s in answer.retrieved}
    assert "Sources:\n[1] Security Overview — offerings/security.md" in answer.shown_text()


def test_baseline_retrieves_five_chunks_of_at_most_a_thousand_characters(baseline: TutorialBaseline) -> None:
    answer = baseline.ask(Request(question="How are checks deposited?"))

    assert len(answer.retrieved) == 5
    assert [s.rank for s in answer.retrieved] == [1, 2, 3, 4, 5]
    assert all(len(s.chunk.text) <= CHUNK_SIZE for s in answer.retrieved)
    assert answer.retrieved[0].similarity >= answer.retrieved[-1].similarity


def test_baseline_never_refuses_and_ignores_the_audience(baseline: TutorialBaseline) -> None:
    request = Request(question="What is the CEO's home address?", audience=Audience.EXTERNAL, client="Acme")

    answer = baseline.draft(request)

    assert answer.status is Status.ANSWERED
    assert answer.mode == "draft"
    assert answer.client == "Acme"
    assert answer.audience is Audience.EXTERNAL
