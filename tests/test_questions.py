"""Question analysis: parts, kinds, the value asked for, and the names a question cannot do without."""

from __future__ import annotations

import pytest

from assistant.answering.questions import (
    COUNT,
    MONEY,
    PERCENT,
    TIME,
    asked_text,
    asks_for_client_names,
    is_specific,
    kind_of,
    numbers_in,
    question_parts,
    salient_terms,
    value_asked,
)


def test_a_message_with_two_questions_has_two_parts() -> None:
    parts = question_parts("Where are your plants? And what did you guarantee the county?")
    assert [p.text for p in parts] == ["Where are your plants?", "And what did you guarantee the county?"]


def test_a_trailing_remark_is_not_a_question_of_its_own() -> None:
    parts = question_parts("which towns house our presses? want the whole list for a slide")
    assert len(parts) == 1


def test_a_second_clause_asking_something_else_is_split() -> None:
    parts = question_parts("State whether you are FedRAMP authorized, and list the certifications you hold.")
    assert len(parts) == 2 and parts[1].text.startswith("list")


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Can you produce bills with bar codes?", "yes_no"),
        ("client wants refund checks. doable?", "yes_no"),
        ("how many envelopes a day can one clerk open", "quantity"),
        ("which cities are our plants in", "list"),
        ("Describe your disaster recovery approach.", "description"),
    ],
)
def test_kind_of_question(question: str, kind: str) -> None:
    assert kind_of(question) == kind


@pytest.mark.parametrize(
    ("question", "pattern"),
    [
        ("what rate did we sign them at?", MONEY),
        ("what share of staff transfer to us?", PERCENT),
        ("what do we mark up on ad buys", PERCENT),
        ("what margin does the reseller keep?", PERCENT),
        ("how fast do statements go out?", TIME),
        ("how many named users at minimum?", COUNT),
        ("Describe your archive.", None),
    ],
)
def test_the_value_a_question_asks_for(question: str, pattern: object) -> None:
    assert value_asked(question) is pattern


def test_salient_terms_are_names_not_ordinary_words() -> None:
    question = "can Relay push campaigns over WhatsApp or USPS Informed Delivery, on 11x17 sheets?"
    terms = salient_terms(question)
    assert {"WhatsApp", "USPS", "Informed Delivery", "11x17"} <= set(terms)
    assert not {"push", "campaigns", "Relay", "sheets"} & set(terms)


def test_plain_acronyms_years_and_decades_are_not_salient() -> None:
    assert salient_terms("what SLA do we give in the RFP for 2026, like in the 1980s?") == []


def test_standard_numbers_and_plural_acronyms_are_salient() -> None:
    assert "22301" in salient_terms("are we certified to ISO 22301?")
    assert "CRMs" in salient_terms("which CRMs does it hook into?")


def test_a_quoted_question_inside_a_request_is_what_is_asked() -> None:
    text = "Draft our answer to question 3.4: 'Describe your turnaround for monthly member statements.'"
    assert asked_text(text) == "Describe your turnaround for monthly member statements."
    assert asked_text("payer sends 'coverage denied' letters - cutoff?") == (
        "payer sends 'coverage denied' letters - cutoff?"
    )


def test_questions_asking_for_client_names() -> None:
    assert asks_for_client_names("Which electric utilities do you bill for? Names please")
    assert asks_for_client_names("Which healthcare clients use your mailroom?")
    assert not asks_for_client_names("what postage savings do your clients usually see?")


def test_specific_questions_point_at_a_deal() -> None:
    assert is_specific("CCDR-2024-117 termination for convenience notice period")
    assert is_specific("who's our account manager on the credit union deal")
    assert not is_specific("how fast do statements go out")


def test_an_acronym_with_its_number_is_one_designation() -> None:
    assert "SOC 1" in salient_terms("Do you provide a SOC 1 Type II report?")
    assert "ISO 27701" in salient_terms("do we hold ISO 27701 on top of 27001?")
    versions = salient_terms("are we PCI DSS 4.0 compliant?")
    assert not any(" " in t for t in versions), "versions vary in writing (4.0, v4.0)"
    assert salient_terms("CCDR-2024-117 notice period") == ["CCDR-2024-117"]


def test_numbers_in_a_text() -> None:
    assert numbers_in("SOC 1, 99.9% and 1,000 pieces") == {"1", "99.9", "1000"}


def test_a_price_per_something_is_a_price_stated_per_that_thing() -> None:
    per_bill = value_asked("what per-bill rate did we sign them at?")
    assert per_bill is not None and per_bill is not MONEY
    assert per_bill.search("Fee: Bill production | Amount: $0.187 per bill | Basis: bills produced")
    assert not per_bill.search("Clear Bill redesign (Amount: $46,500; Basis: one-time)")  # not per bill
    per_image = value_asked("whats the client paying us per image")
    assert per_image is not None
    assert per_image.search("Scanning at $0.038/image") and per_image.search("$0.04 for each image")
    assert not per_image.search("Images are kept for 7 years at no charge")
    assert value_asked("what do we charge for setup?") is MONEY  # no unit named: any price
