"""Notes carry a kind: the LLM path keeps or drops them by kind, never by their wording.

The notes here are built by hand with texts that deliberately do not read like the kind they are (and
one that reads like another kind), so a filter that went back to matching wording would fail. Only the
chat model is faked (LangChain's GenericFakeChatModel); the answering code runs as it is.
"""

from __future__ import annotations

import datetime as dt

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.answering.generating import NOT_FOUND_TOKEN, generate_answer
from assistant.models import (
    Answer,
    Chunk,
    Citation,
    Confidence,
    Confidentiality,
    DocType,
    DocumentMeta,
    Note,
    NoteKind,
    Request,
    ScoredChunk,
    Status,
)
from assistant.slack.rendering import answer_markdown, section_blocks

QUESTION = "What is the same-day mail cut-off time?"
SOURCE_TEXT = "Files received by 2:00 p.m. ET are mailed the same business day."
REPLY = "Files received by 2:00 p.m. ET are mailed the same business day [1]."
REVIEW_BY = dt.date(2025, 3, 1)

# Wording traps: none of these texts says what its kind is, and two say what another kind would.
CLIENT = Note(kind=NoteKind.UNKNOWN_CLIENT, text="Nobody by that name here; general documents only.")
OLD_REVIEW = Note(kind=NoteKind.REVIEW_DUE, text="Mail Service: stale since March, check it.")
SUPERSEDED = Note(kind=NoteKind.SUPERSEDED, text="Mail Service 2023 was due for review: 2024 replaces it.")
REPLACED = Note(kind=NoteKind.REPLACED_EDITION, text="No documents for the client edition were used.")


def source() -> ScoredChunk:
    chunk = Chunk(
        id="offerings/mail.md#0",
        source="offerings/mail.md",
        doc_type=DocType.OFFERING,
        position=0,
        text=SOURCE_TEXT,
        heading_path="Cut-off",
        meta=DocumentMeta(title="Mail Service", confidentiality=Confidentiality.INTERNAL),
    )
    return ScoredChunk(chunk=chunk, score=0.8, similarity=0.8, rank=1)


def cite(number: int, s: ScoredChunk) -> Citation:
    """Every cited document is past its review date, so the model's answer gets a fresh review note."""
    return Citation(
        number=number,
        source=s.chunk.source,
        title=s.chunk.title,
        review_by=REVIEW_BY,
        review_overdue=True,
        chunk_id=s.chunk.id,
    )


def offline(evidence: float = 0.8) -> Answer:
    return Answer(
        question=QUESTION,
        status=Status.ANSWERED,
        answer=SOURCE_TEXT + " [1]",
        confidence=Confidence.MEDIUM,
        citations=[cite(1, source())],
        retrieved=[source()],
        notes=[CLIENT, OLD_REVIEW, SUPERSEDED, REPLACED],
        evidence=evidence,
    )


def generate(reply: str, offline_answer: Answer, not_found_below: float = 0.0) -> Answer:
    model = GenericFakeChatModel(messages=iter([AIMessage(content=reply)]))
    return generate_answer(
        model,
        Request(question=QUESTION),
        offline_answer,
        [source()],
        None,
        cite,
        abstention_not_found_below=not_found_below,
    )


def test_an_accepted_model_answer_drops_the_offline_review_notes_by_kind_and_adds_its_own() -> None:
    answer = generate(REPLY, offline())
    assert answer.composer == "GenericFakeChatModel" and answer.fallback_reason is None
    review = [n for n in answer.notes if n.kind is NoteKind.REVIEW_DUE]
    assert OLD_REVIEW not in answer.notes, "the offline review note goes, though its text never says so"
    assert [n.text for n in review] == [
        "Mail Service was due for review on 2025-03-01: check it is still current."
    ]
    assert answer.notes[:3] == [CLIENT, SUPERSEDED, REPLACED], "the rest stay, in order, whatever they say"


def test_an_abstention_on_weak_evidence_keeps_only_the_unknown_client_note() -> None:
    answer = generate(NOT_FOUND_TOKEN, offline(evidence=0.1), not_found_below=0.5)
    assert answer.status is Status.NOT_FOUND and not answer.citations
    assert answer.notes == [CLIENT], "kept by its kind; a note whose text looks like it is not kept"


def test_an_abstention_on_enough_evidence_keeps_every_note() -> None:
    answer = generate(NOT_FOUND_TOKEN, offline(evidence=0.8), not_found_below=0.5)
    assert answer.status is Status.ANSWERED and answer.confidence is Confidence.LOW
    assert answer.notes == [CLIENT, OLD_REVIEW, SUPERSEDED, REPLACED]


def test_the_json_keeps_the_note_texts_and_adds_their_kinds_in_the_same_order() -> None:
    data = offline().to_json()
    assert data["notes"] == [CLIENT.text, OLD_REVIEW.text, SUPERSEDED.text, REPLACED.text]
    assert data["note_kinds"] == ["unknown_client", "review_due", "superseded", "replaced_edition"]


def test_what_a_user_sees_shows_the_note_texts_only() -> None:
    answer = offline().model_copy(update={"notes": [CLIENT, SUPERSEDED]})
    assert answer.shown_text() == (
        f"{SOURCE_TEXT} [1]\n\n{CLIENT.text}\n{SUPERSEDED.text}\n\n"
        "Sources:\n[1] Mail Service — offerings/mail.md (review overdue since 2025-03-01)"
    )
    markdown = answer_markdown(answer)
    assert f"> ⚠️ {CLIENT.text}\n\n> ⚠️ {SUPERSEDED.text}" in markdown
    assert "unknown_client" not in markdown and "NoteKind" not in markdown
    contexts = [e["text"] for b in section_blocks(answer) if b["type"] == "context" for e in b["elements"]]
    assert f"⚠️ {CLIENT.text}" in contexts and f"⚠️ {SUPERSEDED.text}" in contexts
