"""Clicks on an answer's buttons: 👍/👎 stored with the answer, a 👎 reason modal, and "Ask an expert"."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from assistant.slack.deliveries import SeenDeliveries
from assistant.slack.escalation import Experts, escalation_text
from assistant.slack.feedback import FeedbackStore, Rating
from assistant.slack.rendering import reason_modal

log = logging.getLogger(__name__)

GONE = "That answer is no longer on record, so I couldn't store this."


class Interactions:
    """Handles block_actions and view_submission payloads after they have been acknowledged."""

    def __init__(self, web: WebClient, store: FeedbackStore, experts: Experts) -> None:
        self._web = web
        self._store = store
        self._experts = experts
        self._escalated = SeenDeliveries(seconds=24 * 3600)

    def rate(self, value: str, rating: Rating, *, user: str, channel: str, trigger_id: str | None) -> None:
        """Store a 👍/👎; a 👎 opens a modal asking what was wrong."""
        answer_id = _id(value)
        stored = self._store.rate(answer_id, rating, user=user, channel=channel) if answer_id else None
        if stored is None:
            self._tell(channel, user, GONE)
            return
        if rating == "up":
            self._tell(channel, user, "Thanks, glad it helped.")
            return
        try:
            if not trigger_id:
                raise ValueError("no trigger_id")
            self._web.views_open(trigger_id=trigger_id, view=reason_modal(str(answer_id), channel))
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

    def escalate(self, value: str, *, user: str, channel: str) -> None:
        """Post in the answer's thread mentioning the closest document's owner or the fallback group."""
        answer_id = _id(value)
        record = self._store.answer(answer_id) if answer_id else None
        if record is None:
            self._tell(channel, user, GONE)
            return
        if not self._escalated.first_time([f"escalate:{answer_id}"]):
            self._tell(channel, user, "An expert has already been asked about this one.")
            return
        text = escalation_text(
            self._experts, owner=record.owner, asker=record.user_id, clicker=user, question=record.question
        )
        self._web.chat_postMessage(channel=record.channel_id, thread_ts=record.thread_ts, text=text)

    def _tell(self, channel: str, user: str, text: str) -> None:
        try:
            self._web.chat_postEphemeral(channel=channel, user=user, text=text)
        except SlackClientError as e:
            log.warning("chat.postEphemeral to %s failed: %s", user, e)


def _id(value: str) -> int:
    return int(value) if value.isdigit() else 0
