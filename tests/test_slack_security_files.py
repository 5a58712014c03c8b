"""Attacks on the bot's file downloads, end to end: signed events with attachments into the real Bolt app,
the real questionnaire filler, a fake Slack that serves (or redirects, or trickles) the file, and a second
fake standing in for a foreign server that must never see the bot token."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.answering.core import Assistant
from assistant.settings import Settings
from assistant.slack.questionnaire_filling import QuestionnaireFiller
from tests.fakeslack import BotHarness, FakeSlack
from tests.questionnaire_builders import SOC2, build_workbook
from tests.slack_expected import answer_for, assert_shows

SALES = "C0SALES"
FILL = "fill this in for Harbor Mutual"


@pytest.fixture
def bot_settings(demo_settings: Settings, tmp_path: Path) -> Settings:
    return demo_settings.model_copy(update={"feedback_db": tmp_path / "feedback.sqlite3", "slack_workers": 1})


@pytest.fixture
def foreign() -> Iterator[FakeSlack]:
    """Another server on loopback: what an attacker's URL points to."""
    with FakeSlack(token="xoxb-foreign") as server:
        yield server


@pytest.fixture
def make_harness(
    fake: FakeSlack, bot_settings: Settings, demo_assistant: Assistant, tmp_path: Path
) -> Iterator[Callable[..., BotHarness]]:
    made: list[BotHarness] = []

    def make(download_seconds: float | None = None, **options: Any) -> BotHarness:
        filler = QuestionnaireFiller(
            demo_assistant, max_bytes=10_000_000, max_questions=100, scratch_dir=tmp_path
        )
        settings = bot_settings
        if download_seconds is not None:
            settings = bot_settings.model_copy(update={"slack_download_seconds": download_seconds})
        h = BotHarness(fake, settings, demo_assistant, file_handler=filler, **options)
        made.append(h)
        return h

    yield make
    for h in made:
        h.close()


@pytest.fixture
def questionnaire(tmp_path: Path) -> Path:
    return build_workbook(tmp_path / "rfp-source.xlsx", [["Question"], [SOC2]])


def tokens_seen(server: FakeSlack) -> list[str]:
    return [c.headers.get("Authorization", "") for c in server.calls]


# -- 1. the bot token goes to Slack's file hosts only ---------------------------------------------


@pytest.mark.parametrize("where", ["file", "foreign-host", "userinfo-trick"])
def test_download_link_off_slacks_file_hosts_is_refused_without_sending_the_token(
    make_harness: Callable[..., BotHarness],
    fake: FakeSlack,
    foreign: FakeSlack,
    questionnaire: Path,
    where: str,
) -> None:
    h = make_harness()
    target = foreign.add_file("F0EVIL", "rfp.xlsx", questionnaire.read_bytes())["url_private_download"]
    url = {
        "file": questionnaire.as_uri(),  # a local file the bot would read, fill and upload
        "foreign-host": target,
        "userinfo-trick": target.replace("http://", f"http://{fake.root.removeprefix('http://')}@"),
    }[where]
    # Not known to files.info, so the event's own copy (and link) is all there is.
    attachment = {"id": "F0NOTSLACKS", "name": "rfp.xlsx", "size": 5000, "url_private_download": url}

    ts = h.mention(FILL, files=[attachment])
    reply = h.answer(SALES, ts)

    assert "Slack's file servers" in reply["text"]
    assert foreign.calls == [] and fake.calls_to("file_download") == []
    assert fake.uploaded() == {}, "nothing read from elsewhere is filled and uploaded"


def test_download_uses_the_link_from_files_info_not_the_one_in_the_event(
    make_harness: Callable[..., BotHarness], fake: FakeSlack, foreign: FakeSlack, questionnaire: Path
) -> None:
    h = make_harness()
    attachment = fake.add_file("F0RFP", "rfp.xlsx", questionnaire.read_bytes())
    foreign.add_file("F0RFP", "rfp.xlsx", b"not this")
    forged = {**attachment, "url_private_download": foreign.root + "/files-pri/F0RFP/download/rfp.xlsx"}

    h.mention(FILL, files=[forged])
    h.settle()

    assert foreign.calls == []
    [download] = fake.calls_to("file_download")
    assert download.headers["Authorization"] == f"Bearer {fake.token}"
    assert [c.body["file"] for c in fake.calls_to("files.info")] == ["F0RFP"]
    assert len(fake.uploaded()) == 1


def test_redirect_to_another_host_is_not_followed_with_the_token(
    make_harness: Callable[..., BotHarness], fake: FakeSlack, foreign: FakeSlack, questionnaire: Path
) -> None:
    h = make_harness()
    attachment = fake.add_file("F0RFP", "rfp.xlsx", questionnaire.read_bytes())
    loot = foreign.add_file("F0LOOT", "rfp.xlsx", questionnaire.read_bytes())
    fake.redirect_file("F0RFP", loot["url_private_download"])

    ts = h.mention(FILL, files=[attachment])
    reply = h.answer(SALES, ts)

    assert f"Bearer {fake.token}" not in tokens_seen(foreign)
    assert foreign.calls == [], "a redirect off Slack's file hosts is refused outright"
    assert "redirected" in reply["text"] and fake.uploaded() == {}


def test_redirect_within_the_same_file_host_keeps_working(
    make_harness: Callable[..., BotHarness], fake: FakeSlack, questionnaire: Path
) -> None:
    h = make_harness()
    attachment = fake.add_file("F0RFP", "rfp.xlsx", questionnaire.read_bytes())
    real = fake.add_file("F0REAL", "rfp.xlsx", questionnaire.read_bytes())
    fake.redirect_file("F0RFP", real["url_private_download"])

    h.mention(FILL, files=[attachment])
    h.settle()

    assert [c.headers["Authorization"] for c in fake.calls_to("file_download")] == [
        f"Bearer {fake.token}"
    ] * 2
    assert len(fake.uploaded()) == 1


# -- 16. a slow download ends at its deadline, and file work does not starve questions -------------


def test_download_that_trickles_ends_at_the_total_deadline_with_a_reason(
    make_harness: Callable[..., BotHarness], fake: FakeSlack, questionnaire: Path
) -> None:
    h = make_harness(download_seconds=1.0)
    attachment = fake.add_file("F0RFP", "rfp.xlsx", questionnaire.read_bytes())
    fake.trickle_file("F0RFP", seconds_per_byte=0.05)  # each read is quick; the whole would take minutes

    ts = h.mention(FILL, files=[attachment])
    reply = h.answer(SALES, ts)

    assert reply["text"].startswith("⚠️ ") and "took longer than 1 s" in reply["text"]
    assert fake.uploaded() == {}


def test_questions_are_answered_while_a_file_download_is_still_going(
    make_harness: Callable[..., BotHarness], fake: FakeSlack, questionnaire: Path, demo_assistant: Assistant
) -> None:
    h = make_harness(download_seconds=120.0)  # slack_workers is 1: one question worker
    attachment = fake.add_file("F0RFP", "rfp.xlsx", questionnaire.read_bytes())
    fake.trickle_file("F0RFP", seconds_per_byte=0.05)
    h.dm(FILL, channel="D0ALICE", user="U0ALICE", subtype="file_share", files=[attachment])
    fake.wait_for_method("file_download")

    question = h.dm("do we have FedRAMP?", channel="D0BOB", user="U0BOB")
    fake.wait_for(
        lambda calls: any(
            c.method in ("chat.update", "chat.postMessage")
            and c.body.get("channel") == "D0BOB"
            and not str(c.body.get("text", "")).startswith("⏳")
            for c in calls
        ),
        timeout=30,
        what="the question's answer",
    )

    [answer] = [m for m in fake.thread("D0BOB", question) if m.get("bot_id")]
    assert_shows(answer, answer_for(demo_assistant, "do we have FedRAMP?"))
    assert fake.calls_to("file_trickled") == [] and fake.uploaded() == {}, "the file was still coming"
    fake.trickle_released.set()
    h.settle()
    assert len(fake.uploaded()) == 1
