"""How questionnaire text is recognised: questions, headings, column headers and the dedupe key."""

from __future__ import annotations

import pytest

from assistant.questionnaires.phrasing import (
    is_answer_header,
    is_question_header,
    looks_like_question,
    looks_like_section_heading,
    question_key,
    strip_numbering,
)


@pytest.mark.parametrize(
    "text",
    [
        "Do you hold SOC 2 Type II certification?",
        "4.3 Describe your disaster recovery approach.",
        "Q12. Provide three client references",
        "b) Explain how PHI is protected",
        "What is your average turnaround for statements",
        "SOC 2?",
    ],
)
def test_questions_are_recognised(text: str) -> None:
    assert looks_like_question(text)
    assert not looks_like_section_heading(text)


@pytest.mark.parametrize(
    "text", ["Section 3: Security", "Data protection", "4 Services", "Part B - Pricing", "Certifications:"]
)
def test_section_headings_are_not_questions(text: str) -> None:
    assert looks_like_section_heading(text)
    assert not looks_like_question(text)


def test_requirement_statements_are_not_headings() -> None:
    assert not looks_like_section_heading("Vendor must encrypt data at rest")


@pytest.mark.parametrize(
    "header",
    [
        "Question",
        "QUESTIONS",
        "RFP Question",
        "Requirement",
        "Requirement Description",
        "Question / Requirement",
    ],
)
def test_question_column_headers(header: str) -> None:
    assert is_question_header(header)
    assert not is_answer_header(header)


@pytest.mark.parametrize(
    "header", ["Answer", "Response", "Vendor Response", "Response / Comments", "Answers:"]
)
def test_answer_column_headers(header: str) -> None:
    assert is_answer_header(header)
    assert not is_question_header(header)


@pytest.mark.parametrize("header", ["Response time", "Question owner", "Comments", "ID"])
def test_other_headers_match_neither(header: str) -> None:
    assert not is_question_header(header)
    assert not is_answer_header(header)


def test_question_key_ignores_numbering_case_spacing_and_punctuation() -> None:
    assert question_key("2.1 Do you hold SOC 2 Type-II certification?") == question_key(
        "do you hold  soc 2 type ii certification"
    )
    assert question_key("Do you print?") != question_key("Do you mail?")


def test_strip_numbering_keeps_text_that_is_only_a_number() -> None:
    assert strip_numbering("4.3  Describe  it") == "Describe it"
    assert strip_numbering("1.2") == "1.2"
