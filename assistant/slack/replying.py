"""Answering addressed messages and slash commands: acknowledge at once, answer in a bounded worker pool.

The listener thread posts the acknowledgement and queues the work; a worker resolves the audience,
reads the thread, asks the answering core, logs the answer and replaces the acknowledgement with it.
Messages with files (questionnaires: minutes of work, downloads from Slack) go to a pool of their own,
so a few of them cannot hold every worker while questions wait. A slash command's question is echoed
in the channel only once the audience is known to be internal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from assistant.answering.core import Mode, Staged
from assistant.errors import DealAssistantError
from assistant.models import Answer, Audience, Request, Status, Turn
from assistant.slack.audience import Asker, AudienceResolver, Placement
from assistant.slack.conversation import Intent, history_from_replies, parse_command, parse_intent
from assistant.slack.downloading import FileDownloader
from assistant.slack.escalation import needs_expert
from assistant.slack.feedback import FeedbackStore
from assistant.slack.files import FileHandler, FileMessage
from assistant.slack.refining import (
    CHECKING_NOTE,
    REPLACED_NOTE,
    Refiner,
    StreamTarget,
    standing_note,
)
from assistant.slack.rendering import (
    SlackMessage,
    escape,
    render_answer,
    render_apology,
    render_help,
    render_placeholder,
    render_problem,
    render_text,
)
from assistant.slack.status import ThreadStatus
from assistant.slack.threads import BotThreads

log = logging.getLogger(__name__)

FILE_WORKERS = 2  # files worked on at once, apart from the question workers
TextHandler = Callable[[str, Placement], "list[SlackMessage] | None"]  # a reply, or None: not mine


class AnswersQuestions(Protocol):
    """What the bot needs from the answering core (`assistant.answering.Assistant` provides it)."""

    def ask(self, request: Request) -> Answer: ...

    def draft(self, request: Request) -> Answer: ...

    def staged(self, request: Request, mode: Mode = "ask") -> Staged: ...

    def known_clients(self) -> list[str]: ...


@dataclass(frozen=True)
class Job:
    """One addressed message or slash command to answer, and where the reply goes."""

    asker: Asker
    text: str  # plain text, the bot's mention removed
    source: Literal["message", "command"]
    thread_ts: str  # the thread the reply goes to
    message_ts: str | None = None  # the message being answered (history stops before it)
    in_thread: bool = False  # the message is a reply in an existing thread
    files: list[dict[str, Any]] = field(default_factory=list)
    bot_user_id: str | None = None
    bot_id: str | None = None
    placeholder_ts: str | None = None
    status_set: bool = False  # an assistant-thread status stands in for the placeholder (cleared at the end)


class Replier:
    """Turns Jobs into threaded replies; owns the worker pool."""

    def __init__(
        self,
        web: WebClient,
        core: AnswersQuestions,
        resolver: AudienceResolver,
        store: FeedbackStore,
        *,
        workers: int,
        file_handler: FileHandler | None = None,
        file_workers: int = FILE_WORKERS,
        downloader: FileDownloader | None = None,
        text_handler: TextHandler | None = None,
        offer_approval: bool = False,
        slow_after: float = 3.0,
        threads: BotThreads | None = None,
    ) -> None:
        self.threads = threads or BotThreads()
        self._text_handler = text_handler
        self._refiner = Refiner(web, workers=workers, slow_after=slow_after)
        self._web = web
        self._offer_approval = offer_approval  # the answer library is wired: internal answers can be approved
        self._core = core
        self._resolver = resolver
        self._store = store
        self._file_handler = file_handler
        self._downloader = downloader
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deal-answer")
        self._file_pool = ThreadPoolExecutor(max_workers=file_workers, thread_name_prefix="deal-file")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()

    # -- intake (listener threads) -----------------------------------------------------------------

    def accept_message(self, job: Job) -> None:
        """Acknowledge an addressed message in its thread at once, then answer it in the pool."""
        kind = parse_intent(job.text, []).kind
        if job.files and self._file_handler is not None:
            what = "Working on your file…"
        elif kind == "help":
            self._post_safely(job.asker.channel, job.thread_ts, render_help())
            return
        else:
            what = "Drafting…" if kind == "draft" else "Looking that up…"
        if job.asker.is_dm and self._set_status(
            job, _STATUS_FILE if job.files and self._file_handler else _STATUS[kind]
        ):
            self._submit(replace(job, status_set=True))
            return
        if job.source == "message" and not job.in_thread:
            self.threads.join(job.asker.channel, job.thread_ts, job.asker.user)  # the asker starts it
        placeholder = self._status(job)
        self._show_safely(placeholder, render_placeholder(what))
        self._submit(replace(job, placeholder_ts=placeholder.ts))

    def _set_status(self, job: Job, loading: list[str]) -> bool:
        """Show the assistant thread's status (DMs and the Messages tab); False where Slack offers none."""
        try:
            self._web.assistant_threads_setStatus(
                channel_id=job.asker.channel,
                thread_ts=job.thread_ts,
                status=loading[0],
                loading_messages=loading,
            )
        except SlackClientError as e:
            log.info("no assistant status in %s (%s): posting a placeholder", job.asker.channel, e)
            return False
        return True

    def _clear_status(self, job: Job) -> None:
        try:
            self._web.assistant_threads_setStatus(
                channel_id=job.asker.channel, thread_ts=job.thread_ts, status=""
            )
        except SlackClientError:
            log.info("clearing the status in %s failed", job.asker.channel)

    def accept_command(self, job: Job, response_url: str | None) -> None:
        """Answer a slash command in the pool, in a thread under a parent message the worker posts."""
        self._submit(replace(job, thread_ts=""), response_url)

    def _submit(self, job: Job, response_url: str | None = None) -> None:
        pool = self._file_pool if job.files and self._file_handler is not None else self._pool
        future = pool.submit(self._work, job, response_url)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def drain(self, timeout: float | None = None) -> None:
        """Wait until every queued answer is posted (for tests and shutdown)."""
        with self._lock:
            pending = list(self._pending)
        wait(pending, timeout=timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
        self._file_pool.shutdown(wait=True, cancel_futures=False)
        self._refiner.close()

    # -- work (pool threads) -----------------------------------------------------------------------

    def _work(self, job: Job, response_url: str | None = None) -> None:
        try:
            placement = self._resolver.resolve(job.asker)
            if job.source == "command" and not job.thread_ts:
                ts = self._open_command_thread(job, placement, response_url)
                if ts is None:
                    return
                job = replace(job, thread_ts=ts)
            self._answer(job, placement)
        except DealAssistantError as e:
            log.info("could not answer in %s: %s", job.asker.channel, e)
            self._finish(job, [render_problem(str(e))])
        except Exception:
            log.exception("answering a message in %s (thread %s) failed", job.asker.channel, job.thread_ts)
            self._finish(job, [render_apology()])
        finally:
            if job.status_set:
                self._clear_status(job)

    def _open_command_thread(self, job: Job, placement: Placement, response_url: str | None) -> str | None:
        """Post the parent of a slash command's thread; None (and an ephemeral hint) if the bot cannot."""
        if placement.audience is Audience.INTERNAL:
            parent = render_text(f"<@{job.asker.user}> asked: `/deal {escape(job.text)}`")
        else:
            # Whoever else is in the channel must not read an internal asker's question (client names,
            # prices); the answer in the thread is for the external audience already.
            parent = render_text(f"<@{job.asker.user}> used `/deal`: the answer follows in this thread.")
        try:
            return self._post(job.asker.channel, None, parent)
        except SlackApiError as e:
            log.warning("cannot post in %s for /deal (%s)", job.asker.channel, e.response.get("error"))
            if response_url:
                WebhookClient(response_url).send(
                    text="I can't post here. Invite me with `/invite @Deal Assistant`, or DM me.",
                    response_type="ephemeral",
                )
            return None

    def _answer(self, job: Job, placement: Placement) -> None:
        if placement.reasons:
            log.info(
                "answering in %s for an external audience: %s",
                job.asker.channel,
                ", ".join(placement.reasons),
            )
        review_command = job.source == "command" and job.text.lower().startswith("review")  # /deal review
        if (job.files or review_command) and self._file_handler is not None:
            self._file_handler(self._file_message(job, placement))
            return
        if self._text_handler and (handled := self._text_handler(job.text, placement)) is not None:
            self._finish(job, handled)
            return
        known = self._core.known_clients()
        parse = parse_command if job.source == "command" else parse_intent
        intent = parse(job.text, known)
        if intent.kind == "help":
            self._finish(job, [render_help(known)])
            return
        client, refusal = _client_for(intent, placement)
        if refusal:
            self._finish(job, [render_text(refusal)])
            return
        if intent.kind == "draft" and client is None:
            self._finish(
                job, [render_problem("Which client is this draft for? Say `draft: <question> for <client>`.")]
            )
            return
        history, starter = self._history(job)
        request = Request(
            question=intent.question, audience=placement.audience, client=client, history=history
        )
        if job.source == "message" and not job.asker.is_dm:
            self.threads.join(job.asker.channel, job.thread_ts, starter)
        staged = self._core.staged(request, "draft" if intent.kind == "draft" else "ask")
        if staged.refine is None:
            self._show(job, placement, staged.offline)
        elif job.asker.is_dm and job.placeholder_ts is None:
            self._stream(job, placement, staged)
        else:
            self._refine_in_place(job, placement, staged)

    def _show(self, job: Job, placement: Placement, answer: Answer, note: str | None = None) -> None:
        """Log the answer that is finally shown and put it in the thread (replacing what stands there)."""
        record_id = self._store.log_answer(
            answer, user=job.asker.user, channel=job.asker.channel, thread_ts=job.thread_ts
        )
        approvable = (
            self._offer_approval
            and placement.audience is Audience.INTERNAL
            and answer.status is Status.ANSWERED
        )
        messages = render_answer(
            answer,
            record_id=str(record_id),
            offer_expert=needs_expert(answer),
            offer_approval=approvable,
            note=note,
        )
        self._finish(job, messages)

    def _stream(self, job: Job, placement: Placement, staged: Staged) -> None:
        """DMs: the model's text streams in, then the checked answer replaces the streamed message."""
        assert staged.refine is not None
        target = StreamTarget(job.asker.channel, job.thread_ts, job.asker.user, job.asker.user_team)
        streamed = self._refiner.stream(target, staged.refine)
        answer = streamed.answer
        note = REPLACED_NOTE if answer.fallback_reason else None
        self._show(replace(job, placeholder_ts=streamed.ts), placement, answer, note)

    def _refine_in_place(self, job: Job, placement: Placement, staged: Staged) -> None:
        """Channels (never streamed): the checked answer at once if the model is quick, else the offline
        answer first, replaced by the model's checked answer or noted as standing when it fails the checks."""
        assert staged.refine is not None
        future = self._refiner.start(staged.refine)
        answer = self._refiner.within_deadline(future)
        if answer is not None:
            self._show(job, placement, answer)
            return
        interim = render_answer(staged.offline, record_id=None, note=CHECKING_NOTE)[0]
        status = self._status(job)
        self._show_safely(status, interim)
        job = replace(job, placeholder_ts=status.ts)
        answer = future.result()  # bounded by the model's own timeout (DEAL_LLM_TIMEOUT)
        self._show(
            job, placement, answer, standing_note(answer.fallback_reason) if answer.fallback_reason else None
        )

    def _history(self, job: Job) -> tuple[list[Turn], str | None]:
        """The thread's earlier turns, and who started the thread (None if unknown)."""
        if not job.in_thread or job.message_ts is None:
            return [], job.asker.user
        replies = self._web.conversations_replies(channel=job.asker.channel, ts=job.thread_ts, limit=50)
        messages = list(replies.get("messages") or [])
        parent = next((m for m in messages if m.get("ts") == job.thread_ts), None)
        starter = str(parent["user"]) if parent and parent.get("user") and not parent.get("bot_id") else None
        turns = history_from_replies(
            messages, before_ts=job.message_ts, bot_user_id=job.bot_user_id, bot_id=job.bot_id
        )
        return turns, starter

    def say(self, channel: str, thread_ts: str, mrkdwn: str) -> None:
        """Post a short note in a thread (errors are logged)."""
        self._post_safely(channel, thread_ts, render_text(mrkdwn))

    def _file_message(self, job: Job, placement: Placement) -> FileMessage:
        return FileMessage(
            channel=job.asker.channel,
            thread_ts=job.thread_ts,
            user=job.asker.user,
            text=job.text,
            files=job.files,
            audience=placement.audience,
            client=placement.client,
            web=self._web,
            placeholder_ts=job.placeholder_ts,
            downloader=self._downloader,
        )

    # -- posting -----------------------------------------------------------------------------------

    def _status(self, job: Job) -> ThreadStatus:
        """The job's status message in its thread: the placeholder (if posted), which the reply replaces."""
        return ThreadStatus(
            self._web, job.asker.channel, job.thread_ts, job.placeholder_ts, unfurl_links=False
        )

    def _finish(self, job: Job, messages: list[SlackMessage]) -> None:
        """Replace the placeholder with the first message and post the rest in the thread."""
        try:
            status = self._status(job)
            status.show(messages[0])
            for message in messages[1:]:
                status.post(message)
        except SlackClientError:
            log.exception("posting the reply in %s (thread %s) failed", job.asker.channel, job.thread_ts)

    def _show_safely(self, status: ThreadStatus, message: SlackMessage) -> None:
        try:
            status.show(message)
        except SlackClientError:
            log.exception("posting in %s failed", status.channel)

    def _post(self, channel: str, thread_ts: str | None, message: SlackMessage) -> str:
        response = self._web.chat_postMessage(
            channel=channel, thread_ts=thread_ts, text=message.text, blocks=message.blocks, unfurl_links=False
        )
        return str(response["ts"])

    def _post_safely(self, channel: str, thread_ts: str | None, message: SlackMessage) -> str | None:
        try:
            return self._post(channel, thread_ts, message)
        except SlackClientError:
            log.exception("posting in %s failed", channel)
            return None


_STATUS: dict[str, list[str]] = {
    "ask": [
        "Searching the knowledge base…",
        "Reading the sources…",
        "Checking the answer against its sources…",
    ],
    "draft": ["Drafting…", "Reading the sources…", "Checking the draft against its sources…"],
    "help": ["Looking that up…"],
}
_STATUS_FILE = ["Reading your file…", "Working through the questions…"]


def _client_for(intent: Intent, placement: Placement) -> tuple[str | None, str | None]:
    """The client a request is for, or a refusal when the message names another than the channel's."""
    mapped, named = placement.client, intent.client
    if mapped and named and named.strip().lower() != mapped.strip().lower():
        return None, (
            f"🔒 *Restricted here.* This channel works for *{escape(mapped)}*: "
            f"drafts and answers here are only for {escape(mapped)}."
        )
    return mapped or named, None
