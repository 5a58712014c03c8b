"""The thread status helper against the fake Slack Web API: one message, posted once and then replaced."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.slack.rendering import render_text
from assistant.slack.status import ThreadStatus
from tests.fakeslack import FakeSlack

CHANNEL = "C0SALES"


def web_of(fake: FakeSlack) -> WebClient:
    return WebClient(token=fake.token, base_url=fake.api_url)


def bot_texts(fake: FakeSlack, thread_ts: str) -> list[str]:
    return [m["text"] for m in fake.thread(CHANNEL, thread_ts) if m.get("bot_id")]


def test_first_show_posts_in_the_thread_and_later_ones_replace_that_message(fake: FakeSlack) -> None:
    thread = fake.add_message(CHANNEL, user="U0ALICE", text="fill this in")
    status = ThreadStatus(web_of(fake), CHANNEL, thread)

    first = status.show(render_text("⏳ Working on it…"))
    again = status.show(render_text("⏳ 10 of 40 drafted…"))
    last = status.show(render_text("✅ Done"))

    assert first == again == last == status.ts
    assert bot_texts(fake, thread) == ["✅ Done"]
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert [c.body["ts"] for c in fake.calls_to("chat.update")] == [first, first]


def test_a_known_placeholder_is_replaced_without_posting(fake: FakeSlack) -> None:
    thread = fake.add_message(CHANNEL, user="U0ALICE", text="question")
    placeholder = ThreadStatus(web_of(fake), CHANNEL, thread).show(render_text("Looking that up…"))

    status = ThreadStatus(web_of(fake), CHANNEL, thread, placeholder)
    status.show(render_text("The answer"))

    assert bot_texts(fake, thread) == ["The answer"]
    assert status.ts == placeholder


def test_a_refused_update_posts_the_message_instead_and_remembers_the_new_one(fake: FakeSlack) -> None:
    thread = fake.add_message(CHANNEL, user="U0ALICE", text="question")
    status = ThreadStatus(web_of(fake), CHANNEL, thread, "1.000001")  # a message Slack no longer has
    fake.fail("chat.update", "message_not_found")

    ts = status.show(render_text("The answer"))

    assert bot_texts(fake, thread) == ["The answer"]
    assert status.ts == ts != "1.000001"
    [refused] = fake.calls_to("chat.update", include_failed=True)
    assert refused.outcome == "message_not_found"


def test_post_adds_a_message_after_the_status_and_keeps_the_status(fake: FakeSlack) -> None:
    thread = fake.add_message(CHANNEL, user="U0ALICE", text="review this SOW")
    status = ThreadStatus(web_of(fake), CHANNEL, thread, unfurl_links=False)
    ts = status.show(render_text("Reviewing…"))

    status.post(render_text("The summary"))

    assert bot_texts(fake, thread) == ["Reviewing…", "The summary"]
    assert status.ts == ts
    assert all(c.body.get("unfurl_links") in (False, "false", "0") for c in fake.calls_to("chat.postMessage"))


def test_a_failed_post_raises_for_the_caller_to_report(fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", "channel_not_found")
    status = ThreadStatus(web_of(fake), CHANNEL, "1.000001")

    with pytest.raises(SlackApiError):
        status.show(render_text("The answer"))
    assert status.ts is None
