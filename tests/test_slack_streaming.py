"""A chat model behind the bot: streamed in DMs, never in channels, and slow models shown offline first.

Through the real Bolt app and HTTP endpoint with signed requests, the Web API faked over real HTTP, and a
LangChain fake chat model at the chat-model boundary (GenericFakeChatModel streams word by word).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.retrieval.embedding import Embedder
from assistant.settings import Settings
from assistant.slack.refining import CHECKING_NOTE, REPLACED_NOTE
from assistant.wiring import build_assistant, run_ingest
from tests.conftest import TODAY, make_settings
from tests.fakeslack import BotHarness, FakeSlack
from tests.slack_payloads import action_ids, assert_within_limits

QUESTION = "What is the same-day mail cut-off time?"
GROUNDED = (
    "Files received by 2:00 p.m. ET are mailed the same business day [1]. "
    "Later files are mailed the next business day [1]. Both cut-offs follow Eastern Time [1]. "
    "Files received on a bank holiday are mailed the next business day [1]."
)
HALLUCINATED = (
    "Files received by 4:30 p.m. ET are mailed the same business day [1]. "
    "Later files are mailed the next business day [1]. Both cut-offs follow Eastern Time [1]. "
    "Files received on a bank holiday are mailed the next business day [1]."
)
DM = "D0ALICE"
CHANNEL = "C0SALES"


class GatedChatModel(GenericFakeChatModel):
    """A fake chat model that answers only once `gate` is set (a model slower than the bot waits)."""

    gate: Any = None

    def _generate(self, *args: Any, **kwargs: Any) -> Any:
        assert self.gate is not None and self.gate.wait(60), "the test never released the model"
        return super()._generate(*args, **kwargs)


def model_saying(text: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(content=text)]))


@pytest.fixture(scope="module")
def kb_settings(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    root = tmp_path_factory.mktemp("stream-kb")
    (root / "offerings").mkdir()
    (root / "offerings" / "mail.md").write_text(
        "# Mail Service\n\n## Cut-off\nFiles received by 2:00 p.m. ET are mailed the same business day. "
        "Later files are mailed the next business day. Both cut-offs follow Eastern Time. "
        "Files received on a bank holiday are mailed the next business day.\n"
    )
    settings = make_settings(tmp_path_factory.mktemp("stream-data"), root)
    run_ingest(settings, load_embedder=lambda: embedder)
    return settings


@pytest.fixture
def run_bot(fake: FakeSlack, kb_settings: Settings, embedder: Embedder, tmp_path: Path) -> Iterator[Any]:
    harnesses: list[BotHarness] = []

    def start(model: Any, *, slow_after: float = 600.0) -> BotHarness:
        settings = kb_settings.model_copy(
            update={"feedback_db": tmp_path / "feedback.sqlite3", "llm_slow_after": slow_after}
        )
        core = build_assistant(settings, clock=lambda: TODAY, embedder=embedder, chat_model=model)
        harness = BotHarness(fake, settings, core)
        harnesses.append(harness)
        return harness

    yield start
    for h in harnesses:
        h.close()


def streamed_text(fake: FakeSlack) -> str:
    calls = [
        c for c in fake.calls if c.method in ("chat.startStream", "chat.appendStream", "chat.stopStream")
    ]
    return "".join(
        str(c.body.get("markdown_text") or "")
        + "".join(ch.get("text", "") for ch in c.body.get("chunks") or [])
        for c in calls
    )


def test_dm_answer_streams_then_the_checked_answer_replaces_the_stream(run_bot: Any) -> None:
    harness = run_bot(model_saying(GROUNDED))
    ts = harness.dm(QUESTION)
    answer = harness.answer(DM, ts)
    fake = harness.fake

    [start] = fake.calls_to("chat.startStream")
    assert start.body["thread_ts"] == ts
    assert fake.calls_to("chat.appendStream"), "a long reply is sent in pieces"
    assert "2:00 p.m. ET are mailed the same business day [1]" in streamed_text(fake)
    assert len(fake.calls_to("chat.stopStream")) == 1
    [update] = fake.calls_to("chat.update")
    assert update.body["ts"] == answer["ts"]  # the streamed message itself, replaced by the checked answer
    assert not fake.calls_to("chat.postMessage"), "no placeholder in a DM: the status stands in for it"
    assert "2:00 p.m. ET" in answer["text"] and REPLACED_NOTE not in answer["text"]
    assert_within_limits(update.body)


def test_dm_status_is_set_at_once_and_cleared_after_the_answer(run_bot: Any) -> None:
    harness = run_bot(model_saying(GROUNDED))
    ts = harness.dm(QUESTION)
    harness.answer(DM, ts)
    statuses = harness.fake.calls_to("assistant.threads.setStatus")
    assert [s.body["thread_ts"] for s in statuses] == [ts, ts]
    assert statuses[0].body["status"] and statuses[0].body["loading_messages"]
    assert statuses[-1].body["status"] == ""
    methods = harness.fake.methods()
    assert methods.index("assistant.threads.setStatus") < methods.index("chat.startStream")
    assert max(i for i, m in enumerate(methods) if m == "assistant.threads.setStatus") > methods.index(
        "chat.update"
    )


def test_streamed_text_that_fails_a_check_is_replaced_visibly_by_the_offline_answer(run_bot: Any) -> None:
    harness = run_bot(model_saying(HALLUCINATED))
    ts = harness.dm(QUESTION)
    answer = harness.answer(DM, ts)
    assert "4:30 p.m." in streamed_text(harness.fake), "the model's raw text was streamed"
    assert "4:30" not in answer["text"] and "4:30" not in str(answer["blocks"])
    assert "2:00 p.m. ET" in answer["text"]
    assert REPLACED_NOTE in answer["text"] and REPLACED_NOTE in str(answer["blocks"])


def test_a_stream_that_fails_to_stop_is_replaced_with_chat_update_of_the_same_message(
    run_bot: Any,
) -> None:
    harness = run_bot(model_saying(GROUNDED))
    harness.fake.fail("chat.stopStream", "message_not_in_streaming_state")
    ts = harness.dm(QUESTION)
    answer = harness.answer(DM, ts)
    [start] = harness.fake.calls_to("chat.startStream")
    [update] = harness.fake.calls_to("chat.update")
    assert update.body["ts"] == answer["ts"] and "2:00 p.m. ET" in answer["text"]
    assert start.body["thread_ts"] == ts


def test_a_stream_slack_refuses_to_start_still_gets_the_checked_answer(run_bot: Any) -> None:
    harness = run_bot(model_saying(GROUNDED))
    harness.fake.fail("chat.startStream", "feature_not_enabled")
    ts = harness.dm(QUESTION)
    answer = harness.answer(DM, ts)
    assert "2:00 p.m. ET" in answer["text"]
    assert len(harness.fake.calls_to("chat.postMessage")) == 1


def test_channel_answers_never_stream_and_a_quick_model_answer_replaces_the_acknowledgement(
    run_bot: Any,
) -> None:
    harness = run_bot(model_saying(GROUNDED))
    ts = harness.mention(QUESTION)
    answer = harness.answer(CHANNEL, ts)
    fake = harness.fake
    assert not [c for c in fake.calls if "Stream" in c.method]
    assert not fake.calls_to("assistant.threads.setStatus")
    [placeholder] = fake.calls_to("chat.postMessage")
    assert placeholder.body["text"].startswith("⏳")
    [update] = fake.calls_to("chat.update")
    assert update.body["ts"] == answer["ts"]
    assert "Both cut-offs follow Eastern Time" in answer["text"]


def test_slow_model_in_a_channel_shows_the_offline_answer_first_then_the_checked_model_answer(
    run_bot: Any,
) -> None:
    gate = threading.Event()
    harness = run_bot(GatedChatModel(messages=iter([AIMessage(content=GROUNDED)]), gate=gate), slow_after=0)
    ts = harness.mention(QUESTION)
    fake = harness.fake
    [interim] = fake.wait_for_method("chat.update")
    assert CHECKING_NOTE in interim.body["text"] and "2:00 p.m. ET" in interim.body["text"]
    assert not action_ids(interim.body), "no buttons on an answer about to be replaced"
    gate.set()
    first, final = fake.wait_for_method("chat.update", 2)
    assert final.body["ts"] == first.body["ts"]
    answer = harness.answer(CHANNEL, ts)
    assert CHECKING_NOTE not in answer["text"] and "Both cut-offs follow Eastern Time" in answer["text"]
    assert "feedback_up" in action_ids(answer)
    assert not [c for c in fake.calls if "Stream" in c.method]


def test_slow_model_that_fails_the_checks_leaves_the_offline_answer_with_a_note_saying_why(
    run_bot: Any,
) -> None:
    gate = threading.Event()
    model = GatedChatModel(messages=iter([AIMessage(content=HALLUCINATED)]), gate=gate)
    harness = run_bot(model, slow_after=0)
    ts = harness.mention(QUESTION)
    harness.fake.wait_for_method("chat.update")
    gate.set()
    harness.fake.wait_for_method("chat.update", 2)
    answer = harness.answer(CHANNEL, ts)
    assert "4:30" not in answer["text"] and "2:00 p.m. ET" in answer["text"]
    assert "The offline answer stands:" in answer["text"] and CHECKING_NOTE not in answer["text"]
