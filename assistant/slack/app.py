"""Assembles the Bolt app: the Web API client, the listeners, and the parts they hand work to.

Built by a function from plain values (a BotConfig; never at import time). Listeners only filter,
de-duplicate and acknowledge; answering happens in the Replier's worker pools. Who is asking or
clicking is taken from Slack's signed payload, and the bot's own workspace from auth.test (Bolt's
authorize result), never from fields of the event body.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from assistant.coverage import Coverage
from assistant.errors import ConfigError
from assistant.gate_records import GateRecord
from assistant.slack.agent_surface import register_agent_surface
from assistant.slack.approving import Approvals, LibraryHooks, register_approvals
from assistant.slack.audience import Asker, AudienceResolver, load_channels
from assistant.slack.config import BotConfig, Mode, check_credentials
from assistant.slack.conversation import parse_command, plain_text
from assistant.slack.deliveries import SeenDeliveries
from assistant.slack.downloading import FileDownloader, FileHosts
from assistant.slack.escalation import load_experts
from assistant.slack.feedback import FeedbackStore
from assistant.slack.files import FileHandler
from assistant.slack.home import REFRESH_SECONDS, HomeTab
from assistant.slack.interactions import Interactions
from assistant.slack.rendering import (
    ESCALATE,
    FEEDBACK,
    FEEDBACK_DOWN,
    FEEDBACK_UP,
    REASON_BLOCK,
    REASON_INPUT,
    REASON_VIEW,
    render_help,
)
from assistant.slack.replying import FILE_WORKERS, AnswersQuestions, Job, Replier, TextHandler
from assistant.slack.threads import is_mute, mentions_directly

log = logging.getLogger(__name__)

__all__ = ["BotConfig", "Mode", "SlackBot", "build_bot", "check_credentials", "web_client"]

LISTENER_THREADS = 16

# Message subtypes that are still a person talking to the bot; edits, joins, bots etc. are ignored.
_PERSON_SUBTYPES = {None, "file_share", "thread_broadcast"}


@dataclass
class SlackBot:
    """The Bolt app and the parts that outlive a request."""

    app: App
    replier: Replier
    interactions: Interactions
    store: FeedbackStore
    listeners: ThreadPoolExecutor
    home: HomeTab | None = None

    def close(self) -> None:
        """Finish the answers in progress and stop the worker threads."""
        if self.home is not None:
            self.home.stop()
        self.listeners.shutdown(wait=True)
        self.replier.close()


def web_client(config: BotConfig) -> WebClient:
    """The bot's Web API client: configurable base URL, HTTP 429 retried after Retry-After."""
    kwargs: dict[str, Any] = {}
    if config.api_url:
        kwargs["base_url"] = config.api_url.rstrip("/") + "/"
    return WebClient(
        token=config.bot_token,
        retry_handlers=[ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=3)],
        **kwargs,
    )


def build_bot(
    config: BotConfig,
    core: AnswersQuestions,
    *,
    process_before_response: bool = False,
    file_handler: FileHandler | None = None,
    file_workers: int = FILE_WORKERS,
    text_handler: TextHandler | None = None,
    library: LibraryHooks | None = None,
    coverage: Callable[[], Coverage] | None = None,
    last_gate: Callable[[], GateRecord | None] = lambda: None,
    home_refresh_seconds: float = REFRESH_SECONDS,
    today: Callable[[], dt.date] = dt.date.today,
) -> SlackBot:
    """Build the Bolt app over the answering core (calls Slack's auth.test to check the token).

    `config.download_seconds` bounds each file download as a whole; `file_workers` is how many messages
    with files are worked on at once, besides the `config.workers` answering questions. With `library`,
    internal answers carry "Approve" / "Edit & approve" and `/deal library` posts the library's health
    digest.
    `coverage` (what the live knowledge base holds) feeds the Messages tab's suggested prompts and, with
    `last_gate`, the Home tab (re-published every `home_refresh_seconds` after a promotion).
    """
    web = web_client(config)
    resolver = AudienceResolver(web, load_channels(config.channels_file))
    experts = load_experts(config.experts_file)
    store = FeedbackStore(config.feedback_path)
    downloader = FileDownloader(
        config.bot_token or "", FileHosts.for_api(web.base_url), deadline_seconds=config.download_seconds
    )
    replier = Replier(
        web,
        core,
        resolver,
        store,
        workers=config.workers,
        file_handler=file_handler,
        file_workers=file_workers,
        downloader=downloader,
        text_handler=text_handler,
        offer_approval=library is not None,
        slow_after=config.slow_after,
    )
    interactions = Interactions(web, store, experts, resolver)
    # Listeners only acknowledge and queue, so a burst of events is acknowledged without waiting on answers.
    listeners = ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="deal-listener")
    try:
        app = App(
            client=web,
            signing_secret=config.signing_secret or "",
            process_before_response=process_before_response,
            listener_executor=listeners,
            name="deal-assistant",
        )
    except (BoltError, SlackClientError, OSError) as e:
        listeners.shutdown()
        replier.close()
        raise ConfigError(f"Slack did not accept SLACK_BOT_TOKEN at {web.base_url}: {e}") from e
    if library is not None:  # before the general `/deal` listener, which takes every text
        approvals = Approvals(web, interactions, resolver, library)
        register_approvals(app, approvals, clicker_of=_clicker, home_of=_home)
    _register(app, replier, interactions, coverage)
    home = None
    if coverage is not None:
        home = HomeTab(web, resolver, experts, coverage=coverage, last_gate=last_gate, clock=today)
        _register_home(app, home)
        home.start(home_refresh_seconds)
    return SlackBot(
        app=app, replier=replier, interactions=interactions, store=store, listeners=listeners, home=home
    )


def _register_home(app: App, home: HomeTab) -> None:
    @app.event("app_home_opened", matchers=[lambda event: event.get("tab") == "home"])
    def on_home_opened(event: dict[str, Any], context: BoltContext) -> None:
        if event.get("user"):
            home.publish(str(event["user"]), _home(context))


def _register(
    app: App, replier: Replier, interactions: Interactions, coverage: Callable[[], Coverage] | None
) -> None:
    _register_messages(app, replier, coverage)
    _register_command(app, replier)
    _register_interactions(app, interactions)


def _register_messages(app: App, replier: Replier, coverage: Callable[[], Coverage] | None) -> None:
    seen = SeenDeliveries()

    def on_event(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
        if not _addressed(event):
            return
        channel, ts = event["channel"], event["ts"]
        keys = [
            body.get("event_id"),
            f"msg:{channel}:{ts}",
            f"cmid:{event['client_msg_id']}" if event.get("client_msg_id") else None,
        ]
        if not seen.first_time(keys):
            log.info("ignoring a repeated delivery of %s in %s", ts, channel)
            return
        replier.accept_message(_job(event, context))

    # The Messages tab's threads (assistant threads) come through Bolt's Assistant middleware.
    register_agent_surface(app, app.client, on_message=on_event, coverage=coverage)

    @app.event("app_mention")
    def on_mention(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
        if not mentions_directly(event, context.bot_user_id):
            log.info("ignoring a quoted or forwarded mention in %s", event.get("channel"))
            return
        if not _muted(replier, event, context.bot_user_id):
            on_event(body, event, context)

    @app.event("message")
    def on_message(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
        # Every DM is addressed to the bot. In channels a mention comes as app_mention; without one, only
        # the starter's follow-ups in a thread the bot answered in, until someone says `mute` there.
        if event.get("channel_type") == "im":
            on_event(body, event, context)
            return
        if _follow_up(replier, event, context.bot_user_id):
            on_event(body, event, context)


def _register_command(app: App, replier: Replier) -> None:
    @app.command("/deal")
    def on_command(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        text = (command.get("text") or "").strip()
        if parse_command(text, []).kind == "help":
            help_message = render_help()
            ack(text=help_message.text, blocks=help_message.blocks)
            return
        ack(text="⏳ Working on it: the answer will appear in a thread here.")
        asker = Asker.of_command(command, _home(context))
        job = Job(asker=asker, text=text, source="command", thread_ts="", bot_user_id=context.bot_user_id)
        replier.accept_command(job, command.get("response_url"))


def _register_interactions(app: App, interactions: Interactions) -> None:
    @app.action(FEEDBACK_UP)
    def on_up(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        interactions.rate(action.get("value", ""), "up", clicker=_clicker(body, context), trigger_id=None)

    @app.action(FEEDBACK_DOWN)
    def on_down(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        interactions.rate(
            action.get("value", ""),
            "down",
            clicker=_clicker(body, context),
            trigger_id=body.get("trigger_id"),
        )

    @app.action(FEEDBACK)
    def on_feedback(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        """Slack's native 👍/👎: the clicked button's value says which, and which answer."""
        ack()
        direction, _, record_id = str(action.get("value", "")).partition(":")
        if direction not in ("up", "down"):
            return
        interactions.rate(
            record_id,
            "up" if direction == "up" else "down",
            clicker=_clicker(body, context),
            trigger_id=body.get("trigger_id") if direction == "down" else None,
        )

    @app.action(ESCALATE)
    def on_escalate(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        interactions.escalate(action.get("value", ""), clicker=_clicker(body, context))

    @app.view(REASON_VIEW)
    def on_reason(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack()
        values = view.get("state", {}).get("values", {})
        reason = values.get(REASON_BLOCK, {}).get(REASON_INPUT, {}).get("value")
        interactions.save_reason(view.get("private_metadata", ""), user=body["user"]["id"], reason=reason)


def _muted(replier: Replier, event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A `mute` reply in a thread: the bot keeps quiet there from now on (it says so if it was there)."""
    thread_ts = event.get("thread_ts")
    if (
        not thread_ts
        or not _addressed(event)
        or not is_mute(plain_text(event.get("text") or "", bot_user_id))
    ):
        return False
    if replier.threads.mute(event["channel"], thread_ts):
        replier.say(event["channel"], thread_ts, "🔇 Muted in this thread: mention me to ask again.")
    return True


def _follow_up(replier: Replier, event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A channel thread reply without a mention that the bot answers: in a thread it answered in, from the
    person who started it, not muted (a reply with a mention comes as app_mention instead)."""
    thread_ts = event.get("thread_ts")
    if not thread_ts or thread_ts == event.get("ts") or f"<@{bot_user_id}" in (event.get("text") or ""):
        return False
    if _muted(replier, event, bot_user_id):
        return False
    return replier.threads.follows(str(event.get("channel")), thread_ts, str(event.get("user")))


def _addressed(event: dict[str, Any]) -> bool:
    """A person's new message (not an edit, join, bot or the bot itself) with something in it."""
    if event.get("subtype") not in _PERSON_SUBTYPES or event.get("bot_id") or event.get("edited"):
        return False
    return bool(event.get("user") and event.get("channel") and event.get("ts"))


def _job(event: dict[str, Any], context: BoltContext) -> Job:
    thread_ts = event.get("thread_ts")
    home_team, home_enterprise = _home(context)
    asker = Asker(
        channel=event["channel"],
        user=event["user"],
        is_dm=event.get("channel_type") == "im" or str(event["channel"]).startswith("D"),
        user_team=event.get("user_team") or event.get("team"),
        home_team=home_team,
        home_enterprise=home_enterprise,
    )
    return Job(
        asker=asker,
        text=plain_text(event.get("text") or "", context.bot_user_id),
        source="message",
        thread_ts=thread_ts or event["ts"],
        message_ts=event["ts"],
        in_thread=bool(thread_ts and thread_ts != event["ts"]),
        files=list(event.get("files") or []),
        bot_user_id=context.bot_user_id,
        bot_id=context.bot_id,
    )


def _home(context: BoltContext) -> tuple[str | None, str | None]:
    """The bot's own workspace and Grid organisation, as auth.test reported them (None if it did not)."""
    result = context.authorize_result
    return (result.team_id, result.enterprise_id) if result is not None else (None, None)


def _clicker(body: dict[str, Any], context: BoltContext) -> Asker:
    """Who clicked, and where: the person an answer's button is checked against."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")
    user = body.get("user") or {}
    home_team, home_enterprise = _home(context)
    return Asker(
        channel=str(channel),
        user=str(user.get("id", "")),
        is_dm=str(channel).startswith("D"),
        user_team=user.get("team_id"),
        home_team=home_team,
        home_enterprise=home_enterprise,
    )
