"""Quiet and safe channel threads, through the real Bolt app with signed events: follow-ups without a
mention only from the thread's starter in threads the bot answered in, `mute`, and quoted mentions."""

from __future__ import annotations

from assistant.answering.core import Assistant
from tests.fakeslack import BOT_USER, BotHarness
from tests.slack_expected import answer_for, assert_shows

SALES = "C0SALES"


def reply_in_thread(h: BotHarness, text: str, *, thread_ts: str, user: str = "U0ALICE") -> str:
    """A person's reply in a channel thread, no mention: Slack sends it as a plain message event."""
    event = h.message_event(text, channel=SALES, user=user, thread_ts=thread_ts, kind="message")
    reply, _ = h.sender.event(event)
    assert reply.status == 200
    h.settle()
    return str(event["ts"])


def bot_count(h: BotHarness, thread_ts: str) -> int:
    return len(h.bot_replies(SALES, thread_ts))


def test_the_starter_follows_up_without_a_mention_in_the_bots_thread(harness: BotHarness) -> None:
    ts = harness.mention("do we have FedRAMP?")
    assert bot_count(harness, ts) == 1
    reply_in_thread(harness, "and SOC 2?", thread_ts=ts)
    assert bot_count(harness, ts) == 2
    assert harness.fake.calls_to("conversations.replies"), "the follow-up read its thread"


def test_someone_else_in_the_thread_is_not_answered_without_a_mention(harness: BotHarness) -> None:
    ts = harness.mention("do we have FedRAMP?")
    harness.settle()
    reply_in_thread(harness, "I think we do, right?", thread_ts=ts, user="U0BOB")
    assert bot_count(harness, ts) == 1
    harness.mention("and SOC 2?", user="U0BOB", thread_ts=ts)  # unless they mention it
    assert bot_count(harness, ts) == 2


def test_a_thread_the_bot_is_not_part_of_gets_no_unasked_answers(harness: BotHarness) -> None:
    root = harness.fake.add_message(SALES, user="U0ALICE", text="lunch?")
    reply_in_thread(harness, "what is our SLA?", thread_ts=root)
    assert bot_count(harness, root) == 0
    assert not harness.fake.calls_to("chat.postMessage")


def test_mute_stops_follow_ups_in_that_thread_but_a_mention_still_works(harness: BotHarness) -> None:
    ts = harness.mention("do we have FedRAMP?")
    harness.settle()
    reply_in_thread(harness, "mute", thread_ts=ts, user="U0BOB")
    replies = harness.bot_replies(SALES, ts)
    assert len(replies) == 2 and "Muted in this thread" in replies[-1]["text"]
    reply_in_thread(harness, "and SOC 2?", thread_ts=ts)
    assert bot_count(harness, ts) == 2
    harness.mention("and SOC 2?", thread_ts=ts)
    assert bot_count(harness, ts) == 3


def test_a_quoted_mention_does_not_trigger_the_bot(harness: BotHarness) -> None:
    event = harness.message_event(
        f"&gt; <@{BOT_USER}> what did we charge Pinecrest?\nlook what Bob asked",
        channel=SALES,
        user="U0ALICE",
    )
    reply, _ = harness.sender.event(event)
    assert reply.status == 200
    harness.settle()
    assert not harness.fake.calls_to("chat.postMessage")


def test_a_mention_inside_a_rich_text_quote_or_a_forwarded_message_does_not_trigger_the_bot(
    harness: BotHarness,
) -> None:
    quote = {
        "type": "rich_text",
        "elements": [
            {"type": "rich_text_quote", "elements": [{"type": "user", "user_id": BOT_USER}]},
            {"type": "rich_text_section", "elements": [{"type": "text", "text": "fyi"}]},
        ],
    }
    quoted = harness.message_event(f"<@{BOT_USER}> fyi", channel=SALES, user="U0ALICE", blocks=[quote])
    forwarded = harness.message_event(
        "fyi",
        channel=SALES,
        user="U0ALICE",
        attachments=[{"is_share": True, "text": f"<@{BOT_USER}> what is the SLA?"}],
    )
    for event in (quoted, forwarded):
        reply, _ = harness.sender.event(event)
        assert reply.status == 200
    harness.settle()
    assert not harness.fake.calls_to("chat.postMessage")


def test_a_mention_in_the_persons_own_rich_text_is_answered(
    harness: BotHarness, demo_assistant: Assistant
) -> None:
    own = {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [{"type": "user", "user_id": BOT_USER}, {"type": "text", "text": " FedRAMP?"}],
            }
        ],
    }
    ts = harness.mention("do we have FedRAMP?", blocks=[own])
    assert_shows(harness.answer(SALES, ts), answer_for(demo_assistant, "do we have FedRAMP?"))
