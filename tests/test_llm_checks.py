"""Each way a model reply used to slip past the checks, reproduced with a fake chat model.

The fakes enter at the chat-model boundary (LangChain fake chat models); the sources are real chunks built
in memory, so every case is one `generate_answer` call with a known prompt.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult

from assistant.answering.chat_model import bounded
from assistant.answering.generating import DRAFT_REMINDER, build_messages, generate_answer
from assistant.answering.grounding import aspects_left_out, opening_facts_left_out, quantities_in
from assistant.answering.reply_cleaning import without_letter_formulas
from assistant.models import (
    Answer,
    Chunk,
    Citation,
    Confidence,
    Confidentiality,
    DocType,
    DocumentMeta,
    Request,
    ScoredChunk,
    Status,
)

MAIL = "Files received by 2:00 p.m. ET are mailed the same business day. Later files are mailed the next day."
UPTIME = "The portal is available 99.9% of the time, measured monthly. Credits start at $1,000 per incident."
TERMS = "Standard payment terms are net 30 from the invoice date. Proposal prices are valid for 90 days."
FREIGHT = "Freight charges for paper stock are invoiced monthly at cost."
OFFLINE_TEXT = "Files received by 2:00 p.m. ET are mailed the same business day [1]."


def scored(text: str, source: str = "offerings/mail.md", title: str = "Mail Service") -> ScoredChunk:
    meta = DocumentMeta(title=title, confidentiality=Confidentiality.PUBLIC)
    chunk = Chunk(id=source, source=source, doc_type=DocType.OFFERING, position=0, text=text, meta=meta)
    return ScoredChunk(chunk=chunk, score=1.0, similarity=0.9)


def request(question: str = "When is the mail cut-off?", client: str | None = None) -> Request:
    return Request(question=question, client=client)


def offline_answer(mode: str = "ask") -> Answer:
    return Answer(mode=mode, question="q", status=Status.ANSWERED, answer=OFFLINE_TEXT)  # type: ignore[arg-type]


def citation(number: int, source: ScoredChunk) -> Citation:
    return Citation(
        number=number, source=source.chunk.source, title=source.chunk.title, chunk_id=source.chunk.id
    )


def fake(text: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(content=text)]))


def answer_with(reply: str, sources: list[ScoredChunk] | None = None, **kwargs: Any) -> Answer:
    sources = sources or [scored(MAIL), scored(UPTIME, "offerings/portal.md", "Portal")]
    return generate_answer(fake(reply), request(), offline_answer(), sources, None, citation, **kwargs)


def test_a_grounded_reply_citing_each_sentence_is_shown() -> None:
    reply = (
        "Files received by 2:00 p.m. ET are mailed the same business day [1]. "
        "The portal is available 99.9% of the time, measured monthly [2]."
    )
    answer = answer_with(reply)
    assert answer.composer == "GenericFakeChatModel" and answer.fallback_reason is None
    assert [c.source for c in answer.citations] == ["offerings/mail.md", "offerings/portal.md"]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("[1]", "no text besides citations"),
        ("  [1] [2]. ", "no text besides citations"),
        ("", "empty"),
        ("2 business hours [1]", "fragment"),
        ("$100 per incident [2].", "fragment"),
        ("The portal is available 9% of the time [2].", "'9%'"),
        ("Credits start at $100 per incident [2].", "'$100'"),
        (
            "Files received by 2:00 p.m. ET are mailed the same business day [1]. All mail is free.",
            "sentence 2",
        ),
        ("All mail services are free of charge [1].", "content words"),
        ("Freight charges are free for mail [3].", "content words"),
    ],
    ids=[
        "citation-only",
        "citations-and-punctuation-only",
        "empty",
        "bare-value",
        "bare-amount",
        "9%-against-99.9%",
        "wrong-amount",
        "uncited-sentence",
        "ungrounded-sentence",
        "prefix-grounding-fabrication",
    ],
)
def test_a_fabricated_reply_falls_back_to_the_offline_answer(reply: str, reason: str) -> None:
    sources = [
        scored(MAIL),
        scored(UPTIME, "offerings/portal.md", "Portal"),
        scored(FREIGHT, "o/f.md", "Stock"),
    ]
    answer = answer_with(reply, sources)
    assert answer.composer == "offline" and answer.answer == OFFLINE_TEXT
    assert reason in (answer.fallback_reason or ""), answer.fallback_reason


def test_words_are_grounded_as_words_not_as_prefixes_found_anywhere() -> None:
    # The old check found "paper" (papermill) and "stock" (stockholders) in the source: 80% grounded.
    answer = answer_with(
        "Papermill stockholders pay freight monthly [1].", [scored(FREIGHT, "o/f.md", "Stock")]
    )
    assert answer.composer == "offline" and "content words" in (answer.fallback_reason or "")


def test_a_sentence_citing_the_wrong_source_is_shown_citing_the_one_that_grounds_it() -> None:
    # The fact is in source 2; the model numbered it [1]. What is shown cites the portal sheet.
    credits = request("How available is the portal?")
    offline = Answer(mode="ask", question="q", status=Status.ANSWERED, answer="The portal is up 99.9% [2].")  # type: ignore[arg-type]
    sources = [scored(MAIL), scored(UPTIME, "offerings/portal.md", "Portal")]
    answer = generate_answer(
        fake("The portal is available 99.9% of the time [1]."), credits, offline, sources, None, citation
    )
    assert answer.composer == "GenericFakeChatModel", answer.fallback_reason
    assert answer.answer == "The portal is available 99.9% of the time [1]."
    assert [c.source for c in answer.citations] == ["offerings/portal.md"]


def test_a_sentence_no_source_grounds_is_refused_whatever_it_cites() -> None:
    for marker in ("[1]", "[2]", "[7]"):
        answer = answer_with(f"The portal is available 9% of the time {marker}.")
        assert answer.composer == "offline" and answer.answer == OFFLINE_TEXT, marker


@pytest.mark.parametrize(
    "reply",
    ["Credits start at $1000 per incident [2].", "Credits start at 1,000 dollars per incident [2]."],
)
def test_numbers_are_compared_as_normalised_whole_tokens(reply: str) -> None:
    sources = [scored(MAIL), scored(UPTIME, "offerings/portal.md", "Portal")]
    credits = request("Where do service credits start?")
    offline = Answer(mode="ask", question="q", status=Status.ANSWERED, answer="Credits start at $1,000 [2].")  # type: ignore[arg-type]
    answer = generate_answer(fake(reply), credits, offline, sources, None, citation)
    assert answer.fallback_reason is None


@pytest.mark.parametrize("abbreviation", ["SVCU", "S.V.C.U."])
def test_a_client_abbreviation_is_refused(abbreviation: str) -> None:
    reply = f"Like {abbreviation}, files received by 2:00 p.m. ET are mailed the same business day [1]."
    names = ["Summit Valley Credit Union"]
    sources = [scored(MAIL)]
    answer = generate_answer(
        fake(reply), request(), offline_answer(), sources, None, citation, forbidden_clients=names
    )
    assert answer.composer == "offline" and "another client" in (answer.fallback_reason or "")


def test_an_abbreviation_absent_from_the_cited_source_is_refused_without_the_client_list() -> None:
    # answering.py passes only the name pattern today: the abbreviation check alone must catch "PH".
    reply = "As for PH, files received by 2:00 p.m. ET are mailed the same business day [1]."
    answer = answer_with(reply)
    assert answer.composer == "offline" and "'PH'" in (answer.fallback_reason or "")


@pytest.mark.parametrize(
    "reply",
    [
        "NOT_IN_KNOWLEDGE_BASE",
        "not_in_knowledge_base.",
        "Not in knowledge base",
        "  NOT IN KNOWLEDGE_BASE [1]",
    ],
)
def test_the_abstention_phrase_is_recognised_in_any_case_and_spacing(reply: str) -> None:
    answer = answer_with(reply)
    assert answer.composer == "offline" and "no answer" in (answer.fallback_reason or "")


def test_a_letter_with_placeholders_is_refused() -> None:
    reply = (
        "Dear [Client's Name],\n\nFiles received by 2:00 p.m. ET are mailed the same business day [1] for "
        "[Client's Name].\n\nSincerely,\n[Your Name]"
    )
    answer = answer_with(reply)
    assert answer.composer == "offline" and "placeholder" in (answer.fallback_reason or "")


def test_a_salutation_and_sign_off_are_cut_when_what_is_left_is_grounded() -> None:
    reply = (
        "Dear [Client's Name],\n\nFiles received by 2:00 p.m. ET are mailed the same business day [1].\n\n"
        "Sincerely,\n[Your Name]"
    )
    answer = answer_with(reply)
    assert answer.composer == "GenericFakeChatModel"
    assert answer.answer == "Files received by 2:00 p.m. ET are mailed the same business day [1]."


def test_an_inline_sign_off_is_refused() -> None:
    reply = "Files received by 2:00 p.m. ET are mailed the same business day [1]. Best regards, the team."
    answer = answer_with(reply)
    assert answer.composer == "offline" and "letter formula" in (answer.fallback_reason or "")


class FailingModel(GenericFakeChatModel):
    """A provider whose exception text carries a fragment of the API key."""

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        raise PermissionError("Incorrect API key provided: sk-proj-AbCd1234EfGh5678. See your dashboard.")


def test_a_provider_error_stays_in_the_log_and_out_of_the_answer(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    model = FailingModel(messages=iter([]))
    answer = generate_answer(model, request(), offline_answer(), [scored(MAIL)], None, citation)
    assert answer.composer == "offline"
    assert answer.fallback_reason == "the model call failed (PermissionError)"
    assert "sk-proj" not in answer.model_dump_json()
    assert "PermissionError" in caplog.text and "Incorrect API key" in caplog.text
    assert "AbCd1234" not in caplog.text  # the log keeps the reason, not the key fragment


class SilentModel(GenericFakeChatModel):
    """A provider that accepts the call and never replies (until the test ends)."""

    release: threading.Event = threading.Event()

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        self.release.wait(60)
        raise ConnectionError("released by the test")


def test_a_model_that_never_replies_is_bounded_by_the_timeout() -> None:
    model = SilentModel(messages=iter([]))
    started = time.monotonic()
    try:
        answer = generate_answer(
            bounded(model, timeout=0.5), request(), offline_answer(), [scored(MAIL)], None, citation
        )
    finally:
        model.release.set()
    assert time.monotonic() - started < 10  # far below the 60 s the fake would hang for
    assert answer.composer == "offline" and answer.answer == OFFLINE_TEXT
    assert answer.fallback_reason == "the model call failed (TimeoutError)"


def test_concurrency_one_never_has_two_calls_in_flight() -> None:
    in_flight, peak, lock = [0], [0], threading.Lock()

    class SlowModel(GenericFakeChatModel):
        def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
            with lock:
                in_flight[0] += 1
                peak[0] = max(peak[0], in_flight[0])
            time.sleep(0.2)
            with lock:
                in_flight[0] -= 1
            return ChatResult(generations=[{"message": AIMessage(content=OFFLINE_TEXT)}])  # type: ignore[list-item]

    model = bounded(SlowModel(messages=iter([])), timeout=10, concurrency=1)
    threads = [threading.Thread(target=model.invoke, args=("hi",)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 1


def test_a_failed_call_is_retried_the_configured_number_of_times() -> None:
    calls = []

    class FlakyModel(GenericFakeChatModel):
        def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
            calls.append(1)
            if len(calls) == 1:
                raise ConnectionError("reset by peer")
            return ChatResult(generations=[{"message": AIMessage(content="ok")}])  # type: ignore[list-item]

    reply = bounded(FlakyModel(messages=iter([])), timeout=5, retries=1).invoke("hi")
    assert reply.content == "ok" and len(calls) == 2


def abstaining(offline: Answer, not_found_below: float = 0.0) -> Answer:
    return generate_answer(
        fake("NOT_IN_KNOWLEDGE_BASE"), request(), offline, [scored(MAIL)], None, citation,
        abstention_not_found_below=not_found_below,
    )  # fmt: skip


def test_the_models_abstention_below_the_evidence_floor_is_not_found() -> None:
    offline = offline_answer().model_copy(update={"confidence": Confidence.LOW, "evidence": 0.40})
    answer = abstaining(offline, not_found_below=0.45)
    assert answer.status is Status.NOT_FOUND and answer.confidence is None
    assert answer.answer.startswith("The knowledge base does not answer this.") and not answer.citations
    assert "offline evidence was weak" in (answer.fallback_reason or "")


def test_by_default_the_models_abstention_leaves_a_weak_offline_answer_standing_for_review() -> None:
    offline = offline_answer().model_copy(update={"confidence": Confidence.LOW, "evidence": 0.40})
    answer = abstaining(offline)
    assert answer.status is Status.ANSWERED and answer.answer == OFFLINE_TEXT
    assert answer.confidence is Confidence.LOW and "lower confidence" in (answer.fallback_reason or "")


def test_the_models_abstention_against_strong_offline_evidence_lowers_confidence() -> None:
    for strong, lowered in ((Confidence.HIGH, Confidence.MEDIUM), (Confidence.MEDIUM, Confidence.LOW)):
        offline = offline_answer().model_copy(update={"confidence": strong})
        answer = abstaining(offline)
        assert answer.status is Status.ANSWERED and answer.answer == OFFLINE_TEXT
        assert answer.confidence is lowered and "lower confidence" in (answer.fallback_reason or "")


def test_a_reply_that_answers_half_the_question_keeps_the_offline_answer() -> None:
    sources = [scored(TERMS, "rfp/library.md", "Answer library")]
    offline = Answer(mode="ask", question="q", status=Status.ANSWERED, answer=TERMS + " [1]")  # type: ignore[arg-type]
    ask = request("Standard payment terms and proposal price validity")
    half = "Proposal prices are valid for 90 days from the submission date [1]."
    answer = generate_answer(fake(half), ask, offline, sources, None, citation)
    assert answer.composer == "offline" and answer.answer == offline.answer
    assert "leaves out 'Standard payment terms'" in (answer.fallback_reason or ""), answer.fallback_reason
    whole = (
        "Our standard payment terms are net 30 from invoice [1]. Proposal pricing stays valid 90 days [1]."
    )
    answer = generate_answer(fake(whole), ask, offline, sources, None, citation)
    assert answer.composer == "GenericFakeChatModel", answer.fallback_reason


def test_each_aspect_is_compared_by_word_family_and_only_where_the_offline_answer_has_it() -> None:
    question = "Describe the implementation timeline and the escalation contacts"
    offline = "A typical implementation takes 12 to 16 weeks [1]."
    assert aspects_left_out(question, offline, "Implementing the platform takes 12 to 16 weeks [1].") == []
    assert aspects_left_out(question, offline, "It takes 12 to 16 weeks [1].") == [
        "Describe the implementation timeline"
    ]


def test_a_numbered_list_from_the_model_is_checked_as_text_and_keeps_its_layout() -> None:
    reply = (
        "Our service levels:\n"
        "1. **Cut-off:** Files received by 2:00 p.m. ET are mailed the same business day [1].\n"
        "2. **Portal:** The portal is available 99.9% of the time, measured monthly [2]."
    )
    answer = answer_with(reply)
    assert answer.composer == "GenericFakeChatModel", answer.fallback_reason
    assert answer.answer == (
        "1. Cut-off: Files received by 2:00 p.m. ET are mailed the same business day [1].\n"
        "2. Portal: The portal is available 99.9% of the time, measured monthly [2]."
    )


def test_a_line_of_unsupported_filler_is_dropped_and_the_grounded_sentences_are_shown() -> None:
    reply = (
        "We protect every mailing by adhering to rigorous industry frameworks. "
        "Files received by 2:00 p.m. ET are mailed the same business day [1]. "
        "The portal is available 99.9% of the time, measured monthly [2]."
    )
    answer = answer_with(reply)
    assert answer.composer == "GenericFakeChatModel", answer.fallback_reason
    assert answer.answer == (
        "Files received by 2:00 p.m. ET are mailed the same business day [1]. "
        "The portal is available 99.9% of the time, measured monthly [2]."
    )


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (
            "We adhere to rigorous industry frameworks. Our teams exceed every expectation always. "
            "Files received by 2:00 p.m. ET are mailed the same business day [1].",
            "sentence 1",
        ),
        (
            "Files received by 2:00 p.m. ET are mailed the same business day [1]. "
            "The portal is available 99.9% of the time, measured monthly [2]. Credits start at $500 [2].",
            "'$500'",
        ),
    ],
    ids=["mostly-filler", "an-invented-number-beside-grounded-sentences"],
)
def test_filler_is_dropped_only_when_it_is_little_and_never_an_invented_fact(reply: str, reason: str) -> None:
    answer = answer_with(reply)
    assert answer.composer == "offline" and answer.answer == OFFLINE_TEXT
    assert reason in (answer.fallback_reason or ""), answer.fallback_reason


def test_a_letter_frame_with_a_title_and_courtesy_lines_is_cut_to_the_grounded_passage() -> None:
    reply = (
        "RFP Response for the Client\n\nDear [Client's Name],\n\n"
        "Thank you for reaching out about our mail services. We understand that timing matters to you.\n\n"
        "Files received by 2:00 p.m. ET are mailed the same business day [1].\n\n"
        "We hope this information is helpful. If you have any further questions, please do not hesitate "
        "to contact us.\n\nBest regards,\n\n[Your Name]\n[Your Position]"
    )
    answer = answer_with(reply)
    assert answer.composer == "GenericFakeChatModel", answer.fallback_reason
    assert answer.answer == "Files received by 2:00 p.m. ET are mailed the same business day [1]."


def test_a_courtesy_opening_that_cites_a_source_is_checked_not_cut() -> None:
    kept = "We understand every file received by 2:00 p.m. ET is mailed the same business day [1]."
    assert without_letter_formulas(f"Thank you for asking. {kept}") == kept


def test_a_draft_prompt_asks_the_quoted_question_and_ends_with_the_passage_reminder() -> None:
    ask = Request(question="Draft our answer to question 3.4: 'Describe your same-day mailing cut-off time.'")
    messages = build_messages(ask.model_copy(update={"client": "Harbor Mutual"}), "draft", [scored(MAIL)])
    user = messages[-1][1]
    assert user.startswith("Question: Describe your same-day mailing cut-off time.\nClient: Harbor Mutual")
    assert user.rstrip().endswith(DRAFT_REMINDER)
    assert DRAFT_REMINDER not in build_messages(ask, "ask", [scored(MAIL)])[-1][1]


def test_a_reply_that_drops_the_opening_facts_of_the_offline_answer_keeps_the_offline_answer() -> None:
    answer = answer_with("Files are mailed the same business day when they arrive early [1].")
    assert answer.composer == "offline" and answer.answer == OFFLINE_TEXT
    assert "leaves out 2:00, ET of the offline answer's opening" in (answer.fallback_reason or ""), (
        answer.fallback_reason
    )


def test_only_the_offline_opening_is_required_and_amounts_are_not_dates_or_standards() -> None:
    offline = (
        "Our print center is HITRUST CSF r2 certified and mails ID cards within 1 business day [1]. "
        "Member packets are mailed within 2 business days [2]."
    )
    assert (
        opening_facts_left_out(offline, "It is HITRUST CSF r2 certified; ID cards go out in 1 day [1].") == []
    )
    assert opening_facts_left_out(offline, "ID cards are mailed within 1 business day [1].") == [
        "CSF",
        "HITRUST",
    ]
    assert quantities_in("SOC 2 Type II, October 1 to September 30, ISO 27001:2022, 4 sites.") == set()
    assert quantities_in("Net 30; $1,000; 99.9 percent; 12 to 16 weeks; by 2:00 p.m.") == {
        "30",
        "1000",
        "99.9",
        "12",
        "16",
        "2:00",
    }


def test_an_abbreviation_of_the_opening_may_be_spelled_out_or_plural() -> None:
    offline = "The recovery time objective (RTO) is 4 hours, and we sign a BAA with every client [1]."
    assert opening_facts_left_out(offline, "Our recovery time objective is 4 hours; we sign BAAs [1].") == []
    assert opening_facts_left_out(offline, "Recovery takes 4 hours [1].") == ["BAA", "RTO"]


@pytest.mark.parametrize(
    "reply",
    [
        "The first source states that files received by 2:00 p.m. ET are mailed the same business day [1].",
        "According to the sources, files received by 2:00 p.m. ET are mailed the same business day [1].",
    ],
)
def test_a_reply_that_narrates_its_sources_is_refused(reply: str) -> None:
    answer = answer_with(reply)
    assert answer.composer == "offline" and "talks about its sources" in (answer.fallback_reason or "")


def test_a_reply_that_only_restates_the_question_keeps_the_offline_answer() -> None:
    sources = [scored("ISO/IEC 27001 certification: we hold version 2022 of the standard, renewed yearly.")]
    offline = Answer(
        mode="ask", question="q", status=Status.ANSWERED, answer="Yes. It is ISO/IEC 27001:2022 [1]."
    )  # type: ignore[arg-type]
    ask = request("ISO/IEC 27001 certification version")
    answer = generate_answer(
        fake("ISO/IEC 27001 certification version [1]"), ask, offline, sources, None, citation
    )
    assert answer.composer == "offline" and "restates the question" in (answer.fallback_reason or "")
