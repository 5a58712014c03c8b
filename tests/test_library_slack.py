"""Approving answers into the library from Slack, end to end: signed requests into the real Bolt app, the
fake Web API, the real Assistant over the demo knowledge base, and library files in a temp knowledge copy."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answering.core import Assistant
from assistant.library import AnswerLibrary
from assistant.settings import Settings
from assistant.slack.approving import (
    ANSWER_BLOCK,
    INPUT,
    PUBLIC_BLOCK,
    QUESTION_BLOCK,
    TAGS_BLOCK,
    LibraryHooks,
)
from assistant.slack.rendering import APPROVE, EDIT_APPROVE
from tests.fakeslack import BotHarness, FakeSlack
from tests.library_fixtures import knowledge_copy, library_for
from tests.slack_payloads import action_ids

SALES = "C0SALES"
QUESTION = "do we have FedRAMP?"


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def settings(demo_settings: Settings, tmp_path: Path) -> Settings:
    # the demo's ingested versions, but a writable knowledge folder and our own stores
    return demo_settings.model_copy(
        update={
            "knowledge_dir": knowledge_copy(tmp_path),
            "feedback_db": tmp_path / "feedback.sqlite3",
            "library_db": tmp_path / "library.sqlite3",
            "slack_workers": 2,
        }
    )


@pytest.fixture
def library(settings: Settings) -> AnswerLibrary:
    return library_for(settings)


@pytest.fixture
def harness(
    fake: FakeSlack, settings: Settings, demo_assistant: Assistant, library: AnswerLibrary
) -> Iterator[BotHarness]:
    hooks = LibraryHooks(library, digest=lambda: "Answer library: 3 rows; no findings.")
    h = BotHarness(fake, settings, demo_assistant, library=hooks)
    yield h
    h.close()


def test_approve_click_stores_the_entry_writes_the_library_file_and_confirms_in_thread(
    harness: BotHarness, library: AnswerLibrary, settings: Settings
) -> None:
    ts = harness.mention(QUESTION)
    answer = harness.answer(SALES, ts)
    assert {APPROVE, EDIT_APPROVE} <= set(action_ids(answer))

    reply = harness.sender.click(answer, APPROVE, channel=SALES, user="U0ALICE")
    assert reply.status == 200

    [entry] = library.store.entries()
    assert (entry.approved_by, entry.question, entry.confidentiality.value) == (
        "U0ALICE",
        QUESTION,
        "internal",
    )
    assert entry.sources and all(s.chunk_id for s in entry.sources), "sources keep their chunk ids"
    assert "[1]" not in entry.answer, "citation markers are not part of a library answer"
    assert entry.file == "rfp-answers/approved.csv"
    [row] = rows(settings.knowledge_dir / entry.file)
    assert (row["question"], row["answer"], row["entry_id"]) == (QUESTION, entry.answer, entry.key)
    assert (settings.knowledge_dir / "rfp-answers/approved.csv.meta.yaml").is_file()
    confirmations = [m for m in harness.fake.thread(SALES, ts) if "approved this answer" in m.get("text", "")]
    assert len(confirmations) == 1 and "approved.csv" in confirmations[0]["text"]

    harness.sender.click(answer, APPROVE, channel=SALES, user="U0BOB")
    assert len(library.store.entries()) == 1, "a second approval of the same answer is not a second entry"
    assert "Already approved" in harness.fake.calls_to("chat.postEphemeral")[-1].body["text"]


def test_edit_and_approve_opens_a_prefilled_modal_and_stores_the_edited_public_entry(
    harness: BotHarness, library: AnswerLibrary, settings: Settings
) -> None:
    ts = harness.mention(QUESTION)
    answer = harness.answer(SALES, ts)
    harness.sender.click(answer, EDIT_APPROVE, channel=SALES, user="U0ALICE")
    [opened] = harness.fake.calls_to("views.open")
    view = opened.body["view"]
    prefilled = {
        b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"
    }
    assert prefilled[QUESTION_BLOCK] == QUESTION and prefilled[ANSWER_BLOCK]
    assert library.store.entries() == [], "opening the editor approves nothing"

    edited = "No. We do not hold a FedRAMP authorization today; our platforms are SOC 2 Type II audited."
    values = {
        QUESTION_BLOCK: {INPUT: {"type": "plain_text_input", "value": "Are you FedRAMP authorized?"}},
        ANSWER_BLOCK: {INPUT: {"type": "plain_text_input", "value": edited}},
        TAGS_BLOCK: {INPUT: {"type": "plain_text_input", "value": "security, federal"}},
        PUBLIC_BLOCK: {INPUT: {"type": "checkboxes", "selected_options": [{"value": "public"}]}},
    }
    reply = harness.sender.submit_view(view, values, user="U0ALICE")
    assert reply.status == 200

    [entry] = library.store.entries()
    assert (entry.question, entry.answer, entry.tags) == (
        "Are you FedRAMP authorized?",
        edited,
        ["security", "federal"],
    )
    assert entry.confidentiality.value == "public", "public because the approver said so"
    assert entry.file == "rfp-answers/approved-public.csv"
    [row] = rows(settings.knowledge_dir / entry.file)
    assert row["answer"] == edited and row["tags"] == "security; federal"


def test_a_modal_submission_without_an_answer_is_refused_in_the_modal(
    harness: BotHarness, library: AnswerLibrary
) -> None:
    ts = harness.mention(QUESTION)
    harness.sender.click(harness.answer(SALES, ts), EDIT_APPROVE, channel=SALES, user="U0ALICE")
    view = harness.fake.calls_to("views.open")[0].body["view"]
    values = {
        QUESTION_BLOCK: {INPUT: {"value": QUESTION}},
        ANSWER_BLOCK: {INPUT: {"value": "  "}},
    }
    reply = harness.sender.submit_view(view, values, user="U0ALICE")
    assert '"response_action": "errors"' in reply.body or '"response_action":"errors"' in reply.body
    assert library.store.entries() == []


def test_a_guest_never_sees_the_approval_actions_and_cannot_forge_a_click(
    harness: BotHarness, library: AnswerLibrary
) -> None:
    harness.fake.set_user("U0GUEST", is_restricted=True)
    guest_ts = harness.mention(QUESTION, user="U0GUEST")
    guest_answer = harness.answer(SALES, guest_ts)
    ids = action_ids(guest_answer)
    assert "feedback_up" in ids and APPROVE not in ids and EDIT_APPROVE not in ids

    member_ts = harness.mention(QUESTION)
    member_answer = harness.answer(SALES, member_ts)
    harness.sender.click(member_answer, APPROVE, channel=SALES, user="U0GUEST")
    assert library.store.entries() == [], "a guest's click on a member's approve button stores nothing"
    assert harness.fake.calls_to("chat.postEphemeral"), "the guest is told why"


def test_slash_deal_library_posts_the_digest_in_a_thread(harness: BotHarness) -> None:
    reply = harness.sender.command("library", channel=SALES, user="U0ALICE")
    assert reply.status == 200
    posts = harness.fake.calls_to("chat.postMessage")
    parent = next(p for p in posts if "Answer library health" in p.body["text"])
    digest = [p for p in posts if p.body.get("thread_ts") and "no findings" in p.body["text"]]
    assert parent.body["channel"] == SALES and digest, [p.body["text"] for p in posts]


def test_a_reviewed_questionnaire_attached_with_approve_these_answers_is_imported(
    fake: FakeSlack, settings: Settings, demo_assistant: Assistant, library: AnswerLibrary, tmp_path: Path
) -> None:
    import openpyxl

    from assistant.models import Audience
    from assistant.questionnaires import fill_questionnaire
    from assistant.slack.library_files import LibraryFileHandler
    from tests.questionnaire_builders import SOC2, build_rfp_workbook

    filled = tmp_path / "reviewed.xlsx"
    fill_questionnaire(
        build_rfp_workbook(tmp_path / "rfp.xlsx"),
        filled,
        client="Harbor Mutual",
        audience=Audience.INTERNAL,
        answerer=demo_assistant,
        max_questions=100,
        max_bytes=10 * 1024 * 1024,
    )
    wb = openpyxl.load_workbook(filled)
    ws = wb["Security"]
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 2).value == SOC2)
    ws.cell(row, 3).value = "Yes. We hold a SOC 2 Type II report, renewed every year."
    ws.cell(row, 7).value = "yes"
    wb.save(filled)

    handler = LibraryFileHandler(library, None, max_bytes=10 * 1024 * 1024)
    h = BotHarness(fake, settings, demo_assistant, file_handler=handler)
    try:
        file = fake.add_file("F0REVIEWED", filled.name, filled.read_bytes())
        ts = h.mention("approve these answers", channel=SALES, files=[file])
        h.settle()
        thread = fake.thread(SALES, ts)
    finally:
        h.close()
    [entry] = library.store.entries()
    assert (entry.question, entry.origin) == (SOC2, "questionnaire")
    assert entry.answer.startswith("Yes. We hold a SOC 2 Type II report"), "the reviewer's text is taken"
    assert entry.approved_by == "U0ALICE"
    assert any("✅" in m.get("text", "") for m in thread)
    assert {r["question"] for r in rows(settings.knowledge_dir / entry.file)} == {SOC2}
