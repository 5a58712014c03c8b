"""Clicks on an answer's buttons: 👍/👎 stored with the answer, a 👎 reason modal, and "Ask an expert".

A button carries only the answer's id, which anyone can copy into a click of their own, so a click counts
only from the channel the answer was posted in, and on an internal answer only from someone who would be
answered internally there (a guest or an outsider in that channel is not).
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from assistant.models import Audience
from assistant.slack.audience import Asker, AudienceResolver
from assistant.slack.deliveries import SeenDeliveries
from assistant.slack.escalation import Experts, escalation_text
from assistant.slack.feedback import AnswerRecord, FeedbackStore, Rating
from assistant.slack.rendering import reason_modal

log = logging.getLogger(__name__)

GONE = "That answer is no longer on record, so I couldn't store this."
ELSEWHERE = "That button belongs to an answer in another conversation, so I ignored it."
NOT_YOURS = "That answer was for internal use, so I can't take this from you here."


class Interactions:
    """Handles block_actions and view_submission payloads after they have been acknowledged."""

    def __init__(
        self, web: WebClient, store: FeedbackStore, experts: Experts, resolver: AudienceResolver
    ) -> None:
        self._web = web
        self._store = store
        self._experts = experts
        self._resolver = resolver
        self._escalated = SeenDeliveries(seconds=24 * 3600)

    def rate(self, value: str, rating: Rating, *, clicker: Asker, trigger_id: str | None) -> None:
        """Store a 👍/👎; a 👎 opens a modal asking what was wrong."""
        user, channel = clicker.user, clicker.channel
        record = self._authorised(value, clicker)
        if record is None:
            return
        stored = self._store.rate(record.id, rating, user=user, channel=channel)
        if stored is None:
            self._tell(channel, user, GONE)
            return
        if rating == "up":
            self._tell(channel, user, "Thanks, glad it helped.")
            return
        try:
            if not trigger_id:
                raise ValueError("no trigger_id")
            self._web.views_open(trigger_id=trigger_id, view=reason_modal(str(record.id), channel))
        except (SlackClientError, ValueError) as e:
            log.warning("could not open the feedback modal: %s", e)
            self._tell(channel, user, "Thanks, noted. If you can, reply in the thread with what was wrong.")

    def save_reason(self, private_metadata: str, *, user: str, reason: str | None) -> None:
        """Store the reason typed in the 👎 modal."""
        value, _, _channel = private_metadata.partition("|")
        answer_id = _id(value)
        stored = bool(answer_id and reason and reason.strip())
        if stored and not self._store.add_reason(answer_id, user=user, reason=(reason or "").strip()):
            log.warning("a 👎 reason arrived for answer %s without a rating by %s", answer_id, user)

    def escalate(self, value: str, *, clicker: Asker) -> None:
        """Post in the answer's thread mentioning the closest document's owner or the fallback group."""
        user, channel = clicker.user, clicker.channel
        record = self._authorised(value, clicker)
        if record is None:
            return
        if not self._escalated.first_time([f"escalate:{record.id}"]):
            self._tell(channel, user, "An expert has already been asked about this one.")
            return
        text = escalation_text(
            self._experts, owner=record.owner, asker=record.user_id, clicker=user, question=record.question
        )
        self._web.chat_postMessage(channel=record.channel_id, thread_ts=record.thread_ts, text=text)

    def authorised(self, value: str, clicker: Asker) -> AnswerRecord | None:
        """The answer a click is about, if the clicker may act on it there; else tell them why not."""
        return self._authorised(value, clicker)

    def _authorised(self, value: str, clicker: Asker) -> AnswerRecord | None:
        """The answer a click is about, if the clicker may act on it there; else tell them why not."""
        answer_id = _id(value)
        record = self._store.answer(answer_id) if answer_id else None
        if record is None:
            self._tell(clicker.channel, clicker.user, GONE)
            return None
        if record.channel_id != clicker.channel:
            log.warning(
                "ignored a click by %s in %s on answer %s, posted in %s",
                clicker.user,
                clicker.channel,
                record.id,
                record.channel_id,
            )
            self._tell(clicker.channel, clicker.user, ELSEWHERE)
            return None
        if record.audience == Audience.INTERNAL.value:
            placement = self._resolver.resolve(clicker)
            if placement.audience is not Audience.INTERNAL:
                log.warning(
                    "ignored a click by %s on internal answer %s: %s",
                    clicker.user,
                    record.id,
                    ", ".join(placement.reasons),
                )
                self._tell(clicker.channel, clicker.user, NOT_YOURS)
                return None
        return record

    def _tell(self, channel: str, user: str, text: str) -> None:
        try:
            self._web.chat_postEphemeral(channel=channel, user=user, text=text)
        except SlackClientError as e:
            log.warning("chat.postEphemeral to %s failed: %s", user, e)


def _id(value: str) -> int:
    return int(value) if value.isdigit() else 0
