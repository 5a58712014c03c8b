"""The test suite's Slack: the one fake Web API and signed sender (evals/bench/fake_slack.py, shared
with the Slack benchmark), and `BotHarness`, the real bot behind its real HTTP endpoint on that fake.
"""

from __future__ import annotations

import itertools
from typing import Any

from evals.bench.fake_slack import (
    APP_TOKEN,
    BOT_ID,
    BOT_USER,
    HOME_TEAM,
    TOKEN,
    Call,
    FakeSlack,
    Reply,
    SignedSender,
    find_button,
    sign,
)

__all__ = [
    "APP_TOKEN",
    "BOT_ID",
    "BOT_USER",
    "HOME_TEAM",
    "TOKEN",
    "BotHarness",
    "Call",
    "FakeSlack",
    "Reply",
    "SignedSender",
    "find_button",
    "sign",
]


# -- the real bot over the fake: what end-to-end tests drive -----------------------------------------


class BotHarness:
    """The real Bolt app behind the real HTTP endpoint on 127.0.0.1:0, talking to a FakeSlack.

    `mention`/`dm` record the person's message in the fake (so threads read back as in Slack) and
    deliver the signed event; `settle` waits for the bot's worker pool to finish answering.
    """

    SECRET = "test-signing-secret"

    def __init__(self, fake: FakeSlack, settings: Any, core: Any, **build_options: Any) -> None:
        from assistant.cli.slack_commands import bot_config
        from assistant.slack.app import build_bot
        from assistant.slack.serving import HttpEndpoint

        self.fake = fake
        self.settings = settings.model_copy(
            update={
                "slack_bot_token": fake.token,
                "slack_signing_secret": self.SECRET,
                "slack_api_url": fake.api_url,
            }
        )
        # The bot is built from the Settings as `deal-assistant slack` builds it: through bot_config.
        self.config = bot_config(self.settings)
        build_options.setdefault("process_before_response", True)
        if hasattr(core, "retriever"):
            from assistant.coverage import coverage_of

            build_options.setdefault("coverage", lambda: coverage_of(core.retriever))
        self.bot = build_bot(self.config, core, **build_options)
        self.endpoint = HttpEndpoint(self.bot.app, self.SECRET, host="127.0.0.1", port=0).start()
        self.sender = SignedSender(self.endpoint.url, self.SECRET, response_root=fake.root)
        self._client_msg = itertools.count(1)

    def close(self) -> None:
        self.endpoint.stop()
        self.bot.close()

    def message_event(
        self,
        text: str,
        *,
        channel: str,
        user: str,
        thread_ts: str | None = None,
        kind: str = "app_mention",
        **extra: Any,
    ) -> dict[str, Any]:
        """Record a person's message in the fake and return the event Slack would send for it."""
        ts = self.fake.add_message(channel, user=user, text=text, thread_ts=thread_ts)
        event: dict[str, Any] = {
            "type": kind,
            "user": user,
            "text": text,
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
            "team": self.fake.team_id,
            "client_msg_id": f"cm-{next(self._client_msg)}",
            **extra,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        if kind == "message" and "channel_type" not in extra:
            event["channel_type"] = "im" if channel.startswith("D") else "channel"
        return event

    def mention(
        self,
        question: str,
        *,
        channel: str = "C0SALES",
        user: str = "U0ALICE",
        thread_ts: str | None = None,
        **extra: Any,
    ) -> str:
        """@mention the bot in a channel; returns the message ts (the reply thread)."""
        event = self.message_event(
            f"<@{self.fake.bot_user}> {question}", channel=channel, user=user, thread_ts=thread_ts, **extra
        )
        reply, _ = self.sender.event(event)
        assert reply.status == 200, reply
        return str(event["ts"])

    def dm(
        self,
        text: str,
        *,
        channel: str = "D0ALICE",
        user: str = "U0ALICE",
        thread_ts: str | None = None,
        **extra: Any,
    ) -> str:
        """Send the bot a direct message; returns its ts."""
        event = self.message_event(
            text, channel=channel, user=user, thread_ts=thread_ts, kind="message", **extra
        )
        reply, _ = self.sender.event(event)
        assert reply.status == 200, reply
        return str(event["ts"])

    def settle(self, timeout: float = 60.0) -> None:
        self.bot.replier.drain(timeout)

    def bot_replies(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """The bot's messages in a thread, after the work queued so far is done."""
        self.settle()
        return [m for m in self.fake.thread(channel, thread_ts) if m.get("bot_id") and m["ts"] != thread_ts]

    def answer(self, channel: str, thread_ts: str) -> dict[str, Any]:
        """The bot's single reply in a thread (the placeholder, replaced by the answer)."""
        replies = self.bot_replies(channel, thread_ts)
        assert len(replies) == 1, [r["text"][:200] for r in replies]
        return replies[0]
