"""Showing a staged answer (offline at once, the model's later): streamed in DMs, replaced in channels.

The grounding checks decide what is finally shown either way. In a DM the model's raw text streams into one
message (chat.startStream / appendStream / stopStream) that is then replaced by the checked answer; in a
channel nothing streams (a channel stream is visible to one recipient only until it stops), and when the
model is slower than `slow_after` seconds the offline answer is shown first and replaced afterwards.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from assistant.models import Answer

log = logging.getLogger(__name__)

Refine = Callable[[Callable[[str], None] | None], Answer]

STREAM_BUFFER = 100  # characters of model text gathered before each appendStream call (rate limits)
_QUOTED = re.compile(r"\s*\((?:'[^']*'|\"[^\"]*\")\)|\s*'[^']*'|\s*\"[^\"]*\"")
REPLACED_NOTE = "The model's draft did not pass the source checks; this is the offline answer."
CHECKING_NOTE = "⏳ A model-written answer is being checked against the sources; it may replace this one."


def standing_note(reason: str | None) -> str:
    """The note on an offline answer shown first whose model answer did not replace it. Quoted bits of the
    model's text (a number the sources do not have) are left out: unchecked text is never shown in a
    channel, not even inside the reason."""
    why = _QUOTED.sub("", reason or "") or "the model answer did not pass the source checks"
    return f"The offline answer stands: {why}."


@dataclass(frozen=True)
class StreamTarget:
    """The DM thread a stream goes to, and who receives it."""

    channel: str
    thread_ts: str
    user: str
    team: str | None


@dataclass(frozen=True)
class Streamed:
    """What a stream left behind: the checked answer and the streamed message's ts (None if none began)."""

    answer: Answer
    ts: str | None
    failed: bool


class Refiner:
    """Runs the model step of staged answers: streamed into Slack, or in the background with a deadline."""

    def __init__(
        self, web: WebClient, *, workers: int, slow_after: float, buffer_size: int = STREAM_BUFFER
    ) -> None:
        self._web = web
        self._slow_after = slow_after
        self._buffer_size = buffer_size
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deal-refine")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)

    def stream(self, target: StreamTarget, refine: Refine) -> Streamed:
        """Stream the model's raw text into the thread and return the checked answer that must replace it.

        A Slack error while streaming (an expired stream, a refused method) stops the streaming but not the
        model: the caller replaces the streamed message, or posts, with the checked answer.
        """
        stream = self._web.chat_stream(
            channel=target.channel,
            thread_ts=target.thread_ts,
            recipient_user_id=target.user,
            recipient_team_id=target.team,
            buffer_size=self._buffer_size,
        )
        failed = False

        def on_text(piece: str) -> None:
            nonlocal failed
            if failed:
                return
            try:
                stream.append(markdown_text=piece)
            except SlackClientError as e:
                failed = True
                log.warning("streaming into %s failed (%s); the answer will replace it", target.channel, e)

        answer = refine(on_text)
        if not failed:
            try:
                stream.stop()
            except SlackClientError as e:
                failed = True
                log.warning("stopping the stream in %s failed (%s)", target.channel, e)
        return Streamed(answer, stream.ts, failed)

    def start(self, refine: Refine) -> Future[Answer]:
        """Run the model step in the background (no streaming)."""
        return self._pool.submit(refine, None)

    def within_deadline(self, future: Future[Answer]) -> Answer | None:
        """The checked answer if the model finishes within `slow_after` seconds, else None (still running)."""
        try:
            return future.result(timeout=self._slow_after)
        except FutureTimeout:
            return None
