"""SOW review from Slack, end to end: signed events and commands into the real Bolt app, the real reviewer
over the demo knowledge base, and a fake Web API that serves the attachment and takes the commented copy."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest

from assistant.answering.core import Assistant
from assistant.retrieval.embedding import Embedder
from assistant.settings import Settings
from assistant.slack.questionnaire_filling import QuestionnaireFiller
from assistant.slack.sow_reviewing import SowReviewer, asks_for_review, review_router
from assistant.sow_review import Reviewer
from assistant.wiring import build_sow_reviewer
from tests.fakeslack import BotHarness, FakeSlack
from tests.sow_builders import draft_as

SALES = "C0SALES"
SHARED = "C0SHARED"
OTHER_CLIENTS = ("Pinecrest", "Cobalt Ridge", "Calder", "Summit Valley")


@pytest.fixture(scope="module")
def kb_reviewer(demo_settings: Settings, embedder: Embedder) -> Reviewer:
    return build_sow_reviewer(demo_settings, embedder=embedder)


@pytest.fixture
def harness(
    fake: FakeSlack, demo_settings: Settings, demo_assistant: Assistant, kb_reviewer: Reviewer, tmp_path: Path
) -> Iterator[BotHarness]:
    settings = demo_settings.model_copy(
        update={"feedback_db": tmp_path / "feedback.sqlite3", "slack_workers": 2}
    )
    reviewing = SowReviewer(lambda: kb_reviewer, max_bytes=10 * 1024 * 1024, scratch_dir=tmp_path)
    filler = QuestionnaireFiller(demo_assistant, max_bytes=10 * 1024 * 1024, max_questions=100)
    h = BotHarness(fake, settings, demo_assistant, file_handler=review_router(reviewing, filler))
    yield h
    h.close()


def texts(fake: FakeSlack) -> list[str]:
    return [c.body.get("text", "") for c in fake.calls_to("chat.postMessage") + fake.calls_to("chat.update")]


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("review this SOW", True),
        ("/deal review", True),
        ("can you review the attached statement of work?", True),
        ("fill this in for Harbor Mutual", False),
    ],
)
def test_review_requests_are_told_from_questionnaires(text: str, asks: bool) -> None:
    assert asks_for_review(text) is asks


def test_draft_attached_to_a_mention_gets_the_summary_red_first_and_the_commented_copy(
    harness: BotHarness, fake: FakeSlack, tmp_path: Path
) -> None:
    draft = draft_as("out-of-range.md", tmp_path, ".docx")
    file = fake.add_file("F0SOW", draft.name, draft.read_bytes())
    ts = harness.mention("review this SOW", files=[file])
    harness.settle()

    [download] = fake.calls_to("file_download")
    assert download.headers["Authorization"] == f"Bearer {fake.token}"
    summary = next(t for t in texts(fake) if t.startswith("*SOW review of out-of-range.docx*"))
    lines = summary.split("\n")
    assert re.search(r"🔴 \d+ red, 🟡 \d+ yellow, ⚪ \d+ missing, 🟢 \d+ green$", lines[0]), lines[0]
    assert lines[1].startswith("🔴 *"), "the RED items come first"
    assert any(
        "Service level credits*: 20% is above the escalation trigger of 15%." in line for line in lines
    )
    for name in OTHER_CLIENTS:
        assert name not in summary

    [upload] = list(fake.uploaded().values())
    assert (upload["filename"], upload["channel"], upload["thread_ts"]) == (
        "out-of-range-reviewed.docx",
        SALES,
        ts,
    )
    copy = tmp_path / "copy.docx"
    copy.write_bytes(upload["data"])
    comments = [c.text for c in docx.Document(str(copy)).comments]
    assert any(c.startswith("RED: Service level credits.") for c in comments)
    assert not any(name in c for c in comments for name in OTHER_CLIENTS)


def test_markdown_draft_in_a_dm_gets_the_summary_without_a_copy(
    harness: BotHarness, fake: FakeSlack, tmp_path: Path
) -> None:
    draft = draft_as("removed.md", tmp_path, ".md")
    harness.dm(
        "please review this SOW",
        subtype="file_share",
        files=[fake.add_file("F0MD", draft.name, draft.read_bytes())],
    )
    harness.settle()
    summary = next(t for t in texts(fake) if t.startswith("*SOW review of removed.md*"))
    assert "Required clause missing" in summary
    assert fake.uploaded() == {}


def test_review_is_refused_in_a_slack_connect_channel(
    harness: BotHarness, fake: FakeSlack, tmp_path: Path
) -> None:
    fake.set_channel(SHARED, is_channel=True, is_ext_shared=True)
    draft = draft_as("standard.md", tmp_path, ".docx")
    harness.mention(
        "review this SOW", channel=SHARED, files=[fake.add_file("F0X", draft.name, draft.read_bytes())]
    )
    harness.settle()
    assert any("SOW reviews are internal" in t for t in texts(fake))
    assert fake.calls_to("file_download") == [] and fake.uploaded() == {}


def test_review_is_refused_for_a_guest(harness: BotHarness, fake: FakeSlack, tmp_path: Path) -> None:
    fake.set_user("U0GUEST", is_restricted=True)
    draft = draft_as("standard.md", tmp_path, ".docx")
    harness.mention(
        "review this SOW", user="U0GUEST", files=[fake.add_file("F0G", draft.name, draft.read_bytes())]
    )
    harness.settle()
    assert any("SOW reviews are internal" in t for t in texts(fake))
    assert fake.calls_to("file_download") == []


def test_deal_review_command_explains_how_to_attach_the_draft(harness: BotHarness, fake: FakeSlack) -> None:
    reply = harness.sender.command("review", channel=SALES, user="U0ALICE")
    assert reply.status == 200
    harness.settle()
    assert any('says "review this SOW"' in t for t in texts(fake))
