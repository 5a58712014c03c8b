"""Slack's agent surface: the Messages tab, assistant threads and their suggested prompts.

Bolt's `Assistant` middleware takes the events of assistant threads (the conversations of the app's
Messages tab); a person's message there is answered like any DM, through the same de-duplication and
worker pool. The thread's context (the channel the person is looking at) never changes the audience:
the asker is who they are, in their own DM with the bot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, Assistant, BoltContext
from slack_bolt.context.set_suggested_prompts import SetSuggestedPrompts
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from assistant.coverage import Coverage
from assistant.slack.prompts import PROMPTS_TITLE, suggested_prompts

log = logging.getLogger(__name__)

MessageHandler = Callable[[dict[str, Any], dict[str, Any], BoltContext], None]


def register_agent_surface(
    app: App,
    web: WebClient,
    *,
    on_message: MessageHandler,
    coverage: Callable[[], Coverage] | None,
) -> None:
    """Suggested prompts when a thread starts or the Messages tab opens; messages to the answering path."""
    assistant = Assistant()

    def prompts() -> list[dict[str, str]] | None:
        if coverage is None:
            return None
        try:
            return suggested_prompts(coverage())
        except Exception:  # a missing knowledge base must not break the Messages tab
            log.exception("reading the knowledge base's coverage for suggested prompts failed")
            return None

    @assistant.thread_started
    def on_thread_started(set_suggested_prompts: SetSuggestedPrompts) -> None:
        chosen = prompts()
        if chosen:
            try:
                set_suggested_prompts(prompts=chosen, title=PROMPTS_TITLE)
            except SlackClientError as e:
                log.warning("setting suggested prompts failed: %s", e)

    @assistant.thread_context_changed
    def on_context_changed() -> None:
        """The channel the person looks at changes nothing: not the audience, not the thread."""

    @assistant.user_message
    def on_user_message(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
        on_message(body, event, context)

    app.use(assistant)

    @app.event("app_home_opened", matchers=[lambda event: event.get("tab") == "messages"])
    def on_messages_tab(event: dict[str, Any]) -> None:
        chosen = prompts()
        if not chosen or not event.get("channel"):
            return
        try:
            web.assistant_threads_setSuggestedPrompts(
                channel_id=str(event["channel"]), prompts=chosen, title=PROMPTS_TITLE
            )
        except SlackClientError as e:
            log.warning("setting the Messages tab's suggested prompts failed: %s", e)
