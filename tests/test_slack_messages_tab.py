"""The Messages tab (Slack's agent surface) through the real Bolt app: suggested prompts from what the
knowledge base covers, assistant threads answered like DMs with a status instead of a placeholder."""

from __future__ import annotations

from typing import Any

from assistant.answering.core import Assistant
from assistant.coverage import coverage_of
from tests.fakeslack import BotHarness
from tests.slack_expected import answer_for, assert_shows

DM = "D0ALICE"


def thread_started(h: BotHarness, *, user: str = "U0ALICE", context_channel: str | None = None) -> str:
    """The person opens a new conversation in the Messages tab: Slack starts an assistant thread."""
    ts = h.fake.next_ts()
    context: dict[str, Any] = (
        {"channel_id": context_channel, "team_id": h.fake.team_id} if context_channel else {}
    )
    event = {
        "type": "assistant_thread_started",
        "assistant_thread": {"user_id": user, "context": context, "channel_id": DM, "thread_ts": ts},
        "event_ts": ts,
    }
    reply, _ = h.sender.event(event)
    assert reply.status == 200, reply
    return ts


def test_a_new_assistant_thread_gets_prompts_from_what_the_knowledge_base_covers(
    harness: BotHarness, demo_assistant: Assistant
) -> None:
    ts = thread_started(harness)
    [call] = harness.fake.calls_to("assistant.threads.setSuggestedPrompts")
    assert call.body["channel_id"] == DM and call.body["thread_ts"] == ts
    prompts = call.body["prompts"]
    assert 2 <= len(prompts) <= 4
    coverage = coverage_of(demo_assistant.retriever)
    public_titles = {d.title for d in coverage.documents if d.general and not d.superseded}
    asked = [p for p in prompts if p["message"] != "help" and not p["message"].startswith("draft:")]
    assert asked and all(any(t in p["message"] for t in public_titles) for p in asked)
    assert any(p["message"].startswith("draft:") for p in prompts)
    assert any(p["message"] == "help" and "questionnaire" in p["title"] for p in prompts)
    everything = str(prompts)
    assert not any(c in everything for c in demo_assistant.known_clients()), "no client name in a prompt"


def test_opening_the_messages_tab_sets_prompts_for_the_tab_itself(harness: BotHarness) -> None:
    event = {
        "type": "app_home_opened",
        "user": "U0ALICE",
        "channel": DM,
        "tab": "messages",
        "event_ts": "1.1",
    }
    reply, _ = harness.sender.event(event)
    assert reply.status == 200
    [call] = harness.fake.calls_to("assistant.threads.setSuggestedPrompts")
    assert call.body["channel_id"] == DM and "thread_ts" not in call.body


def test_a_message_in_an_assistant_thread_is_answered_there_with_a_status_then_cleared(
    harness: BotHarness, demo_assistant: Assistant
) -> None:
    root = thread_started(harness)
    asked = harness.dm("do we have FedRAMP?", thread_ts=root)
    replies = harness.bot_replies(DM, root)
    assert len(replies) == 1
    assert_shows(replies[0], answer_for(demo_assistant, "do we have FedRAMP?"))
    statuses = harness.fake.calls_to("assistant.threads.setStatus")
    assert [s.body["thread_ts"] for s in statuses] == [root, root]
    assert statuses[0].body["status"].endswith("…") and statuses[-1].body["status"] == ""
    assert not [c for c in harness.fake.calls_to("chat.postMessage") if c.body["text"].startswith("⏳")]
    assert replies[0]["ts"] != asked


def test_a_follow_up_in_the_assistant_thread_reads_the_thread(harness: BotHarness) -> None:
    root = thread_started(harness)
    harness.dm("do we have FedRAMP?", thread_ts=root)
    harness.settle()
    harness.dm("what about SOC 2?", thread_ts=root)
    harness.settle()
    assert harness.fake.calls_to("conversations.replies"), "the follow-up read its thread"
    assert len(harness.bot_replies(DM, root)) == 2


def test_the_channel_a_person_is_looking_at_changes_nothing(harness: BotHarness) -> None:
    harness.fake.set_channel("C0SHARED", is_channel=True, is_ext_shared=True)
    root = thread_started(harness, context_channel="C0SHARED")
    event = {
        "type": "assistant_thread_context_changed",
        "assistant_thread": {
            "user_id": "U0ALICE",
            "context": {"channel_id": "C0SHARED", "team_id": harness.fake.team_id},
            "channel_id": DM,
            "thread_ts": root,
        },
        "event_ts": harness.fake.next_ts(),
    }
    reply, _ = harness.sender.event(event)
    assert reply.status == 200
    before = len(harness.fake.calls)
    harness.settle()
    assert len(harness.fake.calls) == before
    assert not harness.fake.calls_to("conversations.info"), "the context channel is not even looked up"
