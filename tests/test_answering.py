"""The answering core over the demo knowledge base, with the real model and store."""

from __future__ import annotations

import datetime as dt
import json
import re

from typer.testing import CliRunner

from assistant.answering.core import Assistant
from assistant.cli.main import app
from assistant.models import Audience, Confidence, NoteKind, Request, Status
from assistant.settings import Settings
from assistant.tuning import Tuning
from assistant.wiring import build_assistant

OTHER_CLIENTS = ["Cobalt Ridge", "Calder County", "Summit Valley"]
PINECREST_FIGURES = ["$0.038", "$9,500", "$28,500"]


def numbers_in(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:[.,:]\d+)*", text))


def test_paraphrased_question_gets_a_cited_answer(demo_assistant: Assistant) -> None:
    answer = demo_assistant.ask(
        Request(question="if a client wants stuff mailed out same day whats the latest they can send files")
    )
    assert answer.status is Status.ANSWERED
    assert "2:00 p.m. ET" in answer.answer
    assert re.search(r"\[1\]", answer.answer)
    assert answer.citations[0].number == 1 and answer.citations[0].title


def test_every_number_shown_is_in_the_cited_text(demo_assistant: Assistant) -> None:
    for question in (
        "how fast do we turn around mail scans these days",
        "how much cyber coverage do we carry",
    ):
        answer = demo_assistant.ask(Request(question=question))
        cited = " ".join(
            s.chunk.text for s in answer.retrieved if s.chunk.id in {c.chunk_id for c in answer.citations}
        )
        shown_numbers = numbers_in(re.sub(r"\[\d+\]", "", answer.answer))
        assert shown_numbers and shown_numbers <= numbers_in(cited)


def test_keyword_only_question_with_a_contract_code_finds_its_document(demo_assistant: Assistant) -> None:
    answer = demo_assistant.ask(Request(question="CRI-CCM-2024-03 auto ID card unit price"))
    assert answer.status is Status.ANSWERED
    assert "$0.185" in answer.answer
    assert "sows/cobalt-ridge-insurance-policy-communications-sow.docx" in [
        c.source for c in answer.citations
    ]


def test_approved_library_answer_is_reused_verbatim(demo_assistant: Assistant) -> None:
    answer = demo_assistant.ask(Request(question="Will you sign a HIPAA business associate agreement?"))
    assert answer.status is Status.ANSWERED
    top = answer.citations[0]
    assert top.source.startswith("rfp-answers/")
    library_row = next(s.chunk for s in answer.retrieved if s.chunk.id == top.chunk_id)
    assert library_row.kind == "qa"
    assert library_row.text.split("\nA:", 1)[1].strip() in answer.answer


def test_question_the_knowledge_base_does_not_cover_is_not_found(demo_assistant: Assistant) -> None:
    answer = demo_assistant.ask(Request(question="do we offer call center outsourcing?"))
    assert answer.status is Status.NOT_FOUND
    assert "does not answer" in answer.answer
    assert answer.nearest and not answer.citations


def test_newest_document_wins_and_the_superseded_one_is_not_presented_as_current(
    demo_assistant: Assistant,
) -> None:
    answer = demo_assistant.ask(
        Request(question="how many hours does it take to scan and index incoming mail")
    )
    assert answer.status is Status.ANSWERED
    assert "2 business hours" in answer.answer
    assert "4 business hours" not in answer.shown_text()
    assert "offerings/digital-mailroom-2023.md" not in [c.source for c in answer.citations]


def test_answer_citing_a_document_past_review_says_so(demo_settings: Settings, embedder) -> None:  # type: ignore[no-untyped-def]
    question = "which ad channels can we place for clients"  # answered from the sheet past its review
    late = build_assistant(demo_settings, clock=lambda: dt.date(2026, 11, 29), embedder=embedder)
    answer = late.ask(Request(question=question))
    overdue = [c for c in answer.citations if c.review_overdue]
    assert overdue and overdue[0].source == "offerings/print-digital-advertising.md"
    assert any(
        n.kind is NoteKind.REVIEW_DUE
        and n.text.startswith(overdue[0].title)
        and "was due for review on 2024-08-15" in n.text
        for n in answer.notes
    )
    early = build_assistant(demo_settings, clock=lambda: dt.date(2024, 1, 1), embedder=embedder)
    assert not any(c.review_overdue for c in early.ask(Request(question=question)).citations)


def test_external_audience_reads_public_documents_only(demo_assistant: Assistant) -> None:
    answer = demo_assistant.ask(
        Request(question="What platform availability SLA do you commit to?", audience=Audience.EXTERNAL)
    )
    assert answer.status is Status.ANSWERED
    assert "99.9%" in answer.answer
    assert all(s.chunk.meta.confidentiality.value == "public" for s in answer.retrieved)


def test_external_question_about_a_client_deal_is_restricted_without_leaking(
    demo_assistant: Assistant,
) -> None:
    answer = demo_assistant.ask(
        Request(question="What do we charge Pinecrest Health per image?", audience=Audience.EXTERNAL)
    )
    assert answer.status is Status.RESTRICTED
    shown = answer.shown_text()
    assert not any(fig in shown for fig in PINECREST_FIGURES)


def test_internal_question_about_our_own_past_deal_is_answered(demo_assistant: Assistant) -> None:
    answer = demo_assistant.ask(Request(question="what did we charge Pinecrest per image?"))
    assert answer.status is Status.ANSWERED
    assert "$0.038" in answer.answer


def test_draft_for_one_client_never_shows_another(demo_assistant: Assistant) -> None:
    for question in (
        "Describe your digital mailroom pricing model and turnaround commitments.",
        "Describe your approach to transition and implementation for a new client.",
        "What are your termination for convenience terms?",
    ):
        draft = demo_assistant.draft(Request(question=question, client="Harbor Mutual"))
        shown = draft.shown_text()
        assert not any(name.lower() in shown.lower() for name in [*OTHER_CLIENTS, "Pinecrest"])
        assert not any(fig in shown for fig in PINECREST_FIGURES)
        assert all(not s.chunk.meta.client for s in draft.retrieved)


def test_draft_is_proposal_prose_with_sources_and_confidence(demo_assistant: Assistant) -> None:
    draft = demo_assistant.draft(
        Request(question="Describe how you protect PHI and comply with HIPAA.", client="Harbor Mutual")
    )
    assert draft.status is Status.ANSWERED
    assert draft.mode == "draft"
    assert not re.search(r"\[\d+\]", draft.answer)  # no citation clutter in the prose
    assert re.search(r"\b(we|our)\b", draft.answer, re.IGNORECASE)
    assert draft.citations and "Sources:" in draft.shown_text()
    # Confidence is graded from the evidence the draft was built on (never self-rated): a draft always
    # carries both, and a grade above low needs evidence above the medium threshold.
    assert draft.confidence is not None and draft.evidence is not None
    assert draft.confidence is Confidence.LOW or draft.evidence >= Tuning().medium


def test_unanswerable_draft_says_it_needs_an_expert(demo_assistant: Assistant) -> None:
    draft = demo_assistant.draft(
        Request(
            question="Describe your call center staffing model for Mandarin speakers.", client="Harbor Mutual"
        )
    )
    assert draft.status is Status.NOT_FOUND
    assert draft.answer.startswith("No approved answer: needs an expert")
    assert draft.confidence is None


def test_client_draft_may_use_that_clients_own_documents(demo_assistant: Assistant) -> None:
    draft = demo_assistant.draft(
        Request(question="What is our monthly minimum fee under the current SOW?", client="Pinecrest Health")
    )
    assert {s.chunk.meta.client for s in draft.retrieved} <= {None, "Pinecrest Health"}
    assert "$9,500" in draft.shown_text()


def test_thread_follow_up_uses_the_earlier_question(demo_assistant: Assistant) -> None:
    from assistant.models import Turn

    first = "how quickly do we produce ID cards"
    follow = demo_assistant.ask(
        Request(question="what about for healthcare members?", history=[Turn(role="user", text=first)])
    )
    assert follow.status is Status.ANSWERED
    assert "2 business days" in follow.answer


def test_ask_json_prints_the_documented_structure(demo_settings: Settings) -> None:
    result = CliRunner().invoke(
        app,
        ["ask", "are we fedramp authorized?", "--json"],
        env={"DEAL_DATA_DIR": str(demo_settings.data_dir)},
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "answered"
    assert {"number", "source", "title", "section", "effective_date", "review_overdue"} <= set(
        data["citations"][0]
    )
    assert [r["rank"] for r in data["retrieved"]] == list(range(1, len(data["retrieved"]) + 1))
    assert {"source", "chunk_id", "score", "text"} <= set(data["retrieved"][0])


def test_unknown_client_is_named_in_a_note_and_treated_as_a_prospect(demo_assistant: Assistant) -> None:
    draft = demo_assistant.draft(Request(question="How do you protect PHI?", client="Pinecrst Health"))
    assert draft.status is Status.ANSWERED
    assert any(
        n.kind is NoteKind.UNKNOWN_CLIENT and "No documents for the client 'Pinecrst Health'" in n.text
        for n in draft.notes
    )
    assert all(s.chunk.meta.client is None for s in draft.retrieved)  # not even the real Pinecrest's SOW
    known = demo_assistant.draft(Request(question="How do you protect PHI?", client="Pinecrest Health"))
    assert not any(n.kind is NoteKind.UNKNOWN_CLIENT for n in known.notes)
    assert not any("No documents for the client" in n.text for n in known.notes)
