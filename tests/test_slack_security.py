"""Attacks on the bot through its real entry point: raw and signed HTTP into the real Bolt app and endpoint,
a fake Slack Web API behind it. Each test is one hole, reproduced: request bodies that would be read
without bound, outsiders answered as insiders, a slash command echoed into a shared channel, and button
clicks forged onto someone else's answer."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import sqlite3
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.answering.core import Assistant
from assistant.models import Answer
from assistant.settings import Settings
from tests.fakeslack import BotHarness, FakeSlack
from tests.slack_expected import assert_external, assert_shows, audience_pair

SALES = "C0SALES"
CONNECT = "C0CONNECT"
PRICE_QUESTION = "what did we charge Pinecrest per image?"  # answered from a confidential SOW, internally
PINECREST_PRICE = "0.038"  # only in the question a slash command must not echo
NOT_FOUND_QUESTION = "What is the capital of France?"


@pytest.fixture
def bot_settings(demo_settings: Settings, tmp_path: Path) -> Settings:
    return demo_settings.model_copy(update={"feedback_db": tmp_path / "feedback.sqlite3", "slack_workers": 2})


@pytest.fixture
def harness(fake: FakeSlack, bot_settings: Settings, demo_assistant: Assistant) -> Iterator[BotHarness]:
    h = BotHarness(fake, bot_settings, demo_assistant)
    yield h
    h.close()


@pytest.fixture
def price(demo_assistant: Assistant) -> tuple[Answer, Answer]:
    return audience_pair(demo_assistant, PRICE_QUESTION)


def shown(message: dict[str, Any]) -> str:
    """The text and every block of a message, as one string to search."""
    return message.get("text", "") + json.dumps(message.get("blocks") or [])


def feedback_rows(settings: Settings) -> list[dict[str, Any]]:
    with sqlite3.connect(settings.feedback_path()) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM feedback ORDER BY id")]


def raw_exchange(url: str, request: bytes) -> bytes:
    """Send bytes to the endpoint and read the reply, never closing our side first (as an attacker would)."""
    parts = urllib.parse.urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
        return reply


def post_head(length_headers: list[str], extra: str = "") -> bytes:
    lines = ["POST /slack/events HTTP/1.1", "Host: bot", "Content-Type: application/json", *length_headers]
    return ("\r\n".join(lines) + extra + "\r\n\r\n").encode()


# -- 2. unauthenticated requests cannot make the endpoint read without bound ------------------------


@pytest.mark.parametrize(
    "length_headers",
    [
        ["Content-Length: -1"],
        ["Content-Length: abc"],
        [],
        ["Content-Length: +5"],
        ["Content-Length: 1e3"],
        ["Content-Length: 2", "Content-Length: 200"],
        ["Transfer-Encoding: chunked"],
    ],
    ids=["negative", "not-a-number", "missing", "signed-number", "exponent", "repeated", "chunked"],
)
def test_request_without_a_plain_content_length_is_refused_before_its_body_is_read(
    harness: BotHarness, length_headers: list[str]
) -> None:
    # The attacker keeps sending and never closes: a read "until the end" would hold this thread forever.
    reply = raw_exchange(harness.endpoint.url, post_head(length_headers) + b'{"type": "event_callback"')

    assert reply.startswith(b"HTTP/1.1 400"), reply
    assert set(harness.fake.methods()) == {"auth.test"}


def test_oversized_declared_body_is_refused_unread(harness: BotHarness) -> None:
    reply = raw_exchange(harness.endpoint.url, post_head(["Content-Length: 999999999999"]) + b"{")
    assert reply.startswith(b"HTTP/1.1 413"), reply


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_body_that_is_not_utf8_is_refused(harness: BotHarness, signed: bool) -> None:
    body = b'{"type": "event_callback", "event": {"text": "\xff\xfe"}}'
    headers = []
    if signed:
        ts = str(int(time.time()))
        digest = hmac.new(harness.SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
        headers = [f"X-Slack-Request-Timestamp: {ts}", f"X-Slack-Signature: v0={digest}"]
    head = post_head([f"Content-Length: {len(body)}", *headers])

    reply = raw_exchange(harness.endpoint.url, head + body)

    assert reply.startswith(b"HTTP/1.1 400"), reply
    assert set(harness.fake.methods()) == {"auth.test"}


# -- 7. a person is from our organisation only if users.info says so ----------------------------------


def dm_without_team_fields(harness: BotHarness, user: str, channel: str) -> str:
    """A DM event carrying neither `team` nor `user_team`: nothing in it says where the sender is from."""
    event = harness.message_event(PRICE_QUESTION, channel=channel, user=user, kind="message")
    event.pop("team", None)
    reply, _ = harness.sender.event(event)
    assert reply.status == 200
    return str(event["ts"])


@pytest.mark.parametrize("team", ["T0CLIENT", None], ids=["another-team", "no-team"])
def test_dm_from_a_user_whose_team_is_not_ours_is_answered_as_external(
    harness: BotHarness, team: str | None, price: tuple[Answer, Answer]
) -> None:
    harness.fake.set_user("U0OUTSIDER", team_id=team)
    ts = dm_without_team_fields(harness, "U0OUTSIDER", "D0OUTSIDER")
    assert_external(harness.answer("D0OUTSIDER", ts), price)


def test_dm_from_a_member_of_our_team_is_still_answered_as_internal(
    harness: BotHarness, price: tuple[Answer, Answer]
) -> None:
    harness.fake.set_user("U0ALICE")
    ts = dm_without_team_fields(harness, "U0ALICE", "D0ALICE")
    assert_shows(harness.answer("D0ALICE", ts), price[0])


@pytest.fixture
def grid(bot_settings: Settings, demo_assistant: Assistant) -> Iterator[BotHarness]:
    """The bot installed in one workspace of an Enterprise Grid organisation."""
    with FakeSlack(enterprise_id="E0ORG") as slack:
        h = BotHarness(slack, bot_settings, demo_assistant)
        yield h
        h.close()
        assert slack.unexpected() == []


def test_grid_user_of_another_organisation_is_external_and_of_ours_internal(
    grid: BotHarness, price: tuple[Answer, Answer]
) -> None:
    grid.fake.set_user("U0SISTER", team_id="T0SISTER", enterprise_user={"enterprise_id": "E0ORG"})
    grid.fake.set_user("U0OTHERORG", team_id="T0ELSE", enterprise_user={"enterprise_id": "E0OTHER"})
    sister = dm_without_team_fields(grid, "U0SISTER", "D0SISTER")
    other = dm_without_team_fields(grid, "U0OTHERORG", "D0OTHERORG")

    assert_shows(grid.answer("D0SISTER", sister), price[0])  # another workspace of our org: internal
    assert_external(grid.answer("D0OTHERORG", other), price)


# -- 9. an "ok" answer without its object is not knowledge ----------------------------------------------


def test_conversations_info_without_the_channel_is_external_and_not_cached(
    harness: BotHarness, price: tuple[Answer, Answer]
) -> None:
    harness.fake.answer_with("conversations.info")  # ok: true, but no "channel"
    for _ in range(2):
        ts = harness.mention(PRICE_QUESTION, channel=SALES)
        assert_external(harness.answer(SALES, ts), price)
    assert len(harness.fake.calls_to("conversations.info")) == 2, "an unknown channel is asked about again"


def test_users_info_without_the_user_is_external(harness: BotHarness, price: tuple[Answer, Answer]) -> None:
    harness.fake.answer_with("users.info")  # ok: true, but no "user"
    ts = harness.dm(PRICE_QUESTION, channel="D0ALICE", user="U0ALICE")
    assert_external(harness.answer("D0ALICE", ts), price)


# -- 19. a slash command in a shared channel is not echoed --------------------------------------------


@pytest.mark.parametrize("who", ["shared-channel", "guest"])
def test_slash_command_for_an_external_audience_does_not_echo_the_question(
    harness: BotHarness, who: str
) -> None:
    channel, user = (CONNECT, "U0ALICE") if who == "shared-channel" else (SALES, "U0GUEST")
    harness.fake.set_channel(CONNECT, is_ext_shared=True)
    harness.fake.set_user("U0GUEST", is_restricted=True)
    question = f"ask {PRICE_QUESTION} Is Pinecrest still on ${PINECREST_PRICE}?"

    reply = harness.sender.command(question, channel=channel, user=user)
    harness.settle()

    assert reply.status == 200 and "Pinecrest" not in reply.body
    posts = harness.fake.calls_to("chat.postMessage")
    parent = next(p for p in posts if not p.body.get("thread_ts"))
    assert "Pinecrest" not in shown(parent.body) and PINECREST_PRICE not in shown(parent.body)
    assert f"<@{user}>" in parent.body["text"], "the channel still sees who asked and where the answer is"
    for message in harness.fake.messages(channel):
        assert PINECREST_PRICE not in shown(message), message
    methods = harness.fake.methods()
    assert methods.index("users.info") < methods.index("chat.postMessage"), "audience before posting"


def test_slash_command_in_an_internal_channel_still_echoes_the_question(harness: BotHarness) -> None:
    harness.sender.command("ask do we have FedRAMP?", channel=SALES, user="U0ALICE")
    harness.settle()
    parent = harness.fake.calls_to("chat.postMessage")[0]
    assert "do we have FedRAMP?" in parent.body["text"]


# -- 21. a click acts only on an answer of its own channel, and internal ones only for insiders -------


def internal_not_found_answer(harness: BotHarness) -> tuple[str, dict[str, Any]]:
    ts = harness.mention(NOT_FOUND_QUESTION, channel=SALES, user="U0ALICE")
    return ts, harness.answer(SALES, ts)


def test_escalation_clicked_from_another_channel_posts_nothing_in_the_internal_thread(
    harness: BotHarness,
) -> None:
    harness.fake.set_channel(CONNECT, is_ext_shared=True)
    harness.fake.set_user("U0GUEST", is_restricted=True)
    ts, answer = internal_not_found_answer(harness)
    before = harness.fake.thread(SALES, ts)

    # The guest's own click in the shared channel, carrying the internal answer's id.
    harness.sender.click(answer, "escalate", channel=CONNECT, user="U0GUEST")
    harness.settle()

    assert harness.fake.thread(SALES, ts) == before
    [refusal] = harness.fake.calls_to("chat.postEphemeral")
    assert (refusal.body["channel"], refusal.body["user"]) == (CONNECT, "U0GUEST")
    assert "another conversation" in refusal.body["text"]


@pytest.mark.parametrize("button", ["feedback_down", "feedback_up", "escalate"])
def test_guest_in_the_internal_channel_cannot_act_on_an_internal_answer(
    harness: BotHarness, button: str
) -> None:
    harness.fake.set_user("U0GUEST", is_restricted=True)
    ts, answer = internal_not_found_answer(harness)
    before = harness.fake.thread(SALES, ts)

    harness.sender.click(answer, button, channel=SALES, user="U0GUEST")

    assert feedback_rows(harness.settings) == []
    assert harness.fake.calls_to("views.open") == []
    assert harness.fake.thread(SALES, ts) == before
    [refusal] = harness.fake.calls_to("chat.postEphemeral")
    assert "internal use" in refusal.body["text"]


def test_member_rating_from_another_channel_is_not_stored(harness: BotHarness) -> None:
    _, answer = internal_not_found_answer(harness)
    harness.sender.click(answer, "feedback_down", channel="C0OTHER", user="U0BOB")
    assert feedback_rows(harness.settings) == []
    assert harness.fake.calls_to("views.open") == []


def test_member_of_the_channel_can_still_rate_and_escalate(harness: BotHarness) -> None:
    ts, answer = internal_not_found_answer(harness)
    harness.sender.click(answer, "feedback_up", channel=SALES, user="U0BOB")
    harness.sender.click(answer, "escalate", channel=SALES, user="U0BOB")
    assert [r["rating"] for r in feedback_rows(harness.settings)] == ["up"]
    assert "🙋" in harness.bot_replies(SALES, ts)[-1]["text"]
