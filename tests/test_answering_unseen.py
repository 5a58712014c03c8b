"""Answering over a small knowledge base written here (not the demo): freshness by fact, scope, partial
answers, "does not mention", verdicts, the client prior and the name guard on everything shown."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answering.core import Assistant
from assistant.models import Audience, NoteKind, Request, Status
from assistant.retrieval.embedding import Embedder
from tests.conftest import assistant_over

ACME = "Acme Utilities"


def _doc(root: Path, rel: str, meta: dict[str, str], body: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    front = "\n".join(f"{k}: {json.dumps(v) if ':' in v else v}" for k, v in meta.items())
    path.write_text(f"---\n{front}\n---\n{body}\n", encoding="utf-8")


def _public(title: str, date: str, **extra: str) -> dict[str, str]:
    meta = {"title": title, "confidentiality": "public", "effective_date": date, "offering": "print-mail"}
    return {**meta, **extra}


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Assistant]:
    root = tmp_path_factory.mktemp("northwind")
    _doc(
        root,
        "offerings/print-services.md",
        _public("Northwind Print Services", "2024-01-01"),
        "# Production\n\nStatements are mailed within 2 business days of file receipt.\n\n"
        "# Plants\n\nOur print plants are in Tulsa, Oklahoma and Reno, Nevada.\n\n"
        "# Scope\n\nWe do not print election ballots or lottery tickets.\n",
    )
    _doc(
        root,
        "offerings/service-levels-2026.md",
        _public("Northwind Service Levels 2026", "2026-01-01", supersedes="offerings/print-services.md"),
        "# Turnaround\n\nStatements are mailed the next business day after file receipt.\n\n"
        "# Availability\n\nThe client portal is available 99.9% of each month.\n",
    )
    _doc(
        root,
        "offerings/client-portal.md",
        _public("Northwind Client Portal", "2025-06-01"),
        "# Retention\n\nThe client portal keeps every document online for 7 years.\n",
    )
    _doc(
        root,
        "offerings/archive-guide-2024.md",
        _public("Northwind Archive Guide", "2024-02-01"),
        "# Archive\n\nMicrofiche archives are kept in the vault for 5 years.\n",
    )
    _doc(
        root,
        "offerings/archive-guide.md",
        _public("Northwind Archive Guide", "2026-02-01"),
        "# Archive\n\nMicrofiche archives are kept in the vault for 10 years.\n",
    )
    _doc(
        root,
        "offerings/onboarding.md",
        _public("Northwind Onboarding", "2025-01-01"),
        "# Onboarding\n\nA new client's onboarding takes 8 weeks from signature.\n",
    )
    _doc(
        root,
        "rfp-answers/onboarding-update.md",
        {
            "title": "Internal onboarding update",
            "confidentiality": "internal",
            "effective_date": "2026-03-01",
            "supersedes": "offerings/onboarding.md",
        },
        "# Onboarding\n\nA new client's onboarding takes 6 weeks from signature.\n",
    )
    (root / "rfp-answers").mkdir(parents=True, exist_ok=True)
    (root / "rfp-answers" / "library.csv").write_text(
        "question,answer\n"
        '"Do you have a SOC 2 Type II report?",'
        '"Yes. Our SOC 2 Type II report covers every hosted platform."\n'
        '"Do you subcontract any printing?",'
        '"No. Every job is printed by Northwind employees on Northwind presses."\n',
        encoding="utf-8",
    )
    _doc(
        root,
        "offerings/case-study-acme.md",
        {"title": f"Case study: {ACME}", "confidentiality": "public", "effective_date": "2025-01-01"},
        "# Result\n\nAfter the bill redesign, calls to the billing help line fell by 20% in a year.\n",
    )
    _doc(
        root,
        "sows/acme-sow.md",
        {
            "title": f"Statement of Work - {ACME}",
            "client": ACME,
            "confidentiality": "confidential",
            "effective_date": "2025-05-01",
        },
        f"# Pricing\n\n{ACME} pays $0.051 per statement printed and mailed.\n\n"
        f"# Service levels\n\nStatements for {ACME} are mailed the same business day as file receipt.\n",
    )
    yield assistant_over(root, tmp_path_factory, embedder, "northwind-data")


def test_declared_supersedes_replaces_only_the_fact_the_newer_document_restates(kb: Assistant) -> None:
    fast = kb.ask(Request(question="how soon after we receive a file are statements mailed?"))
    assert fast.status is Status.ANSWERED
    assert "next business day" in fast.answer
    assert "2 business days" not in fast.shown_text()
    assert any(n.kind is NoteKind.SUPERSEDED and "supersedes them" in n.text for n in fast.notes)
    plants = kb.ask(Request(question="which cities are our print plants in?"))
    assert "Tulsa" in plants.answer, "everything else the older document says stays usable"
    assert "offerings/print-services.md" in [c.source for c in plants.citations]


def test_a_shared_offering_tag_hides_no_document(kb: Assistant) -> None:
    answer = kb.ask(Request(question="how long does the client portal keep documents online?"))
    assert "7 years" in answer.answer
    assert "offerings/client-portal.md" in [c.source for c in answer.citations]


def test_a_reissued_edition_replaces_its_predecessor_with_a_note(kb: Assistant) -> None:
    answer = kb.ask(Request(question="how long are microfiche archives kept in the vault?"))
    assert "10 years" in answer.answer
    assert "5 years" not in answer.shown_text()
    assert "offerings/archive-guide-2024.md" not in [s.chunk.source for s in answer.retrieved]
    assert any(n.kind is NoteKind.REPLACED_EDITION and n.text.startswith("Not used:") for n in answer.notes)


def test_freshness_is_decided_within_what_the_audience_may_read(kb: Assistant) -> None:
    question = "how long does onboarding take for a new client?"
    outside = kb.ask(Request(question=question, audience=Audience.EXTERNAL))
    assert "8 weeks" in outside.answer, "an internal update never hides the public sheet from guests"
    assert "Internal onboarding update" not in outside.shown_text()
    inside = kb.ask(Request(question=question))
    assert "6 weeks" in inside.answer and "8 weeks" not in inside.shown_text()


def test_a_name_the_knowledge_base_never_mentions_is_said_plainly(kb: Assistant) -> None:
    answer = kb.ask(Request(question="are we certified to ISO 22301 for business continuity?"))
    assert answer.status is Status.NOT_FOUND
    assert "does not mention" in answer.answer and '"22301"' in answer.answer
    assert not answer.citations


def test_shareable_part_is_answered_and_the_restricted_part_declined(kb: Assistant) -> None:
    answer = kb.ask(
        Request(
            question=f"Where are your print plants? And what does {ACME} pay per statement?",
            audience=Audience.EXTERNAL,
        )
    )
    assert answer.status is Status.ANSWERED
    assert "Tulsa" in answer.answer
    assert "can't be answered here" in answer.answer
    shown = answer.shown_text()
    assert "$0.051" not in shown and "acme-sow" not in shown


def test_yes_no_question_gets_a_verdict_only_where_a_source_states_it(kb: Assistant) -> None:
    no = kb.ask(Request(question="can we print election ballots for a county?"))
    assert no.answer.startswith("No: ")
    plain = kb.ask(Request(question="is the client portal available most of the month?"))
    assert plain.status is Status.ANSWERED
    assert not plain.answer.startswith(("Yes: ", "No: ")), "no verdict the source does not state"


def test_a_passage_opening_with_its_own_verdict_keeps_it_only_for_a_yes_no_question(kb: Assistant) -> None:
    asked = kb.ask(Request(question="do you subcontract any of the printing?"))
    assert "No. Every job is printed by Northwind employees" in asked.answer
    other = kb.ask(Request(question="whose employees run the presses that print our jobs?"))
    assert "Every job is printed by Northwind employees on Northwind presses." in other.answer
    assert "No." not in other.answer, "a verdict answering a question nobody asked"


def test_a_title_naming_another_client_is_never_shown_outside(kb: Assistant) -> None:
    question = "how much did calls to the billing help line fall after a bill redesign?"
    for request in (
        Request(question=question, audience=Audience.EXTERNAL),
        Request(question=question, client="Harbor Mutual"),
    ):
        answer = kb.ask(request)
        assert ACME not in answer.shown_text()
        assert not any(ACME in n for n in answer.nearest)
        assert all(s.chunk.source != "offerings/case-study-acme.md" for s in answer.retrieved)
    inside = kb.ask(Request(question=question))
    assert "20%" in inside.answer, "our own people may read the case study"


def test_retrieved_holds_only_what_the_request_may_see(kb: Assistant) -> None:
    request = Request(question="what is the price per statement for utilities?", client="Harbor Mutual")
    answer = kb.ask(request)
    for s in answer.retrieved:
        assert ACME not in s.chunk.text and ACME not in s.chunk.meta.title
    assert "$0.051" not in str(answer.to_json())


def test_a_client_without_documents_is_named_to_internal_audiences_only(kb: Assistant) -> None:
    question = "how soon after we receive a file are statements mailed?"
    inside = kb.ask(Request(question=question, client="Nobody Incorporated"))
    assert any(
        n.kind is NoteKind.UNKNOWN_CLIENT and "No documents for the client" in n.text for n in inside.notes
    )
    outside = kb.ask(Request(question=question, client="Nobody Incorporated", audience=Audience.EXTERNAL))
    assert not any(
        n.kind is NoteKind.UNKNOWN_CLIENT or "No documents for the client" in n.text for n in outside.notes
    )


def test_general_questions_read_general_documents_and_client_questions_their_sow(kb: Assistant) -> None:
    question = "how soon after file receipt are statements mailed?"
    general = kb.ask(Request(question=question))
    assert general.retrieved[0].chunk.doc_type.value != "sow"
    assert "next business day" in general.answer
    theirs = kb.ask(Request(question=question, client=ACME))
    assert "same business day" in theirs.answer
    assert "sows/acme-sow.md" in [c.source for c in theirs.citations]


def test_an_approved_answer_about_another_designation_is_not_reused(kb: Assistant) -> None:
    same = kb.ask(Request(question="Do you have a SOC 2 Type II report?"))
    assert same.answer.startswith("Yes. Our SOC 2 Type II report"), "the row answers its own question"
    other = kb.ask(Request(question="Do you provide a SOC 1 Type II report?"))
    assert other.status is Status.NOT_FOUND, "SOC 2 is not SOC 1"
    assert '"SOC 1"' in other.answer
