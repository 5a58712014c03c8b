"""Approving answers into the answer library from Slack: "Approve", "Edit & approve" (a modal), and the
`/deal library` health digest.

The buttons are shown only under internal answers (see Replier), and every click or submission is checked
again: it must come from the answer's own conversation, from someone answered internally there (never a
guest or a person of another organisation), on an answer that was answered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from assistant.errors import DealAssistantError
from assistant.library import AnswerLibrary, Approval, EntrySource, clean_answer
from assistant.models import Audience, Status
from assistant.slack.audience import Asker, AudienceResolver
from assistant.slack.feedback import AnswerRecord
from assistant.slack.interactions import Interactions
from assistant.slack.rendering import APPROVE, EDIT_APPROVE, escape, render_text, split_text

log = logging.getLogger(__name__)

APPROVE_VIEW = "library_approve_view"
QUESTION_BLOCK, ANSWER_BLOCK, TAGS_BLOCK, PUBLIC_BLOCK = "question", "answer", "tags", "public"
INPUT = "value"
INPUT_LIMIT = 3000  # plain_text_input's largest max_length
MEMBERS_ONLY = "Only members of our workspace can approve answers, and only for internal answers."
NOT_ANSWERED = "Only an answer the knowledge base answered can be approved."

HomeOf = Callable[[BoltContext], tuple[str | None, str | None]]
ClickerOf = Callable[[dict[str, Any], BoltContext], Asker]


@dataclass(frozen=True)
class LibraryHooks:
    """What the bot needs for the answer library: the library, the digest, and where digests go."""

    library: AnswerLibrary
    digest: Callable[[], str]
    channel: str | None = None  # the configured channel for `/deal library` (else where it was asked)


class Approvals:
    """Handles the approval clicks and the edit modal after they have been authorised."""

    def __init__(
        self, web: WebClient, interactions: Interactions, resolver: AudienceResolver, hooks: LibraryHooks
    ) -> None:
        self._web = web
        self._interactions = interactions
        self._resolver = resolver
        self._hooks = hooks

    def approve(self, value: str, *, clicker: Asker) -> None:
        record = self._record(value, clicker)
        if record is not None:
            self._store(record, clicker, _approval(record, clicker.user))

    def open_editor(self, value: str, *, clicker: Asker, trigger_id: str | None) -> None:
        record = self._record(value, clicker)
        if record is None:
            return
        try:
            if not trigger_id:
                raise ValueError("no trigger_id")
            self._web.views_open(trigger_id=trigger_id, view=approve_modal(record, clicker.channel))
        except (SlackClientError, ValueError) as e:
            log.warning("could not open the approval modal: %s", e)
            self._tell(clicker, "I couldn't open the editor; use ✅ Approve, or try again.")

    def submit(self, private_metadata: str, values: dict[str, Any], *, submitter: Asker) -> None:
        """Store the edited approval (the modal's question, answer, tags and public choice)."""
        record = self._record(private_metadata.partition("|")[0], submitter)
        if record is None:
            return
        approval = _approval(record, submitter.user).model_copy(
            update={
                "question": _value(values, QUESTION_BLOCK) or record.question,
                "answer": clean_answer(_value(values, ANSWER_BLOCK)),
                "tags": [
                    t.strip() for t in _value(values, TAGS_BLOCK).replace(";", ",").split(",") if t.strip()
                ],
                "public": bool((values.get(PUBLIC_BLOCK, {}).get(INPUT, {}) or {}).get("selected_options")),
            }
        )
        self._store(record, submitter, approval)

    def post_digest(self, asker: Asker) -> None:
        """Post the library health digest in a thread of the configured channel (or where asked)."""
        if self._resolver.resolve(asker).audience is not Audience.INTERNAL:
            self._tell(
                asker, "The library digest names owners and internal answers: ask in an internal channel."
            )
            return
        channel = self._hooks.channel or asker.channel
        try:
            text = self._hooks.digest()
        except DealAssistantError as e:
            self._tell(asker, f"I couldn't check the library: {e}")
            return
        parent = self._web.chat_postMessage(
            channel=channel,
            text=f"📚 Answer library health, asked for by <@{asker.user}>",
            unfurl_links=False,
        )
        pieces = split_text(escape(text), 2900)
        for start in range(0, len(pieces), 40):
            message = render_text("\n".join(pieces[start : start + 40]))
            blocks = [
                {"type": "section", "text": {"type": "mrkdwn", "text": p}} for p in pieces[start : start + 40]
            ]
            self._web.chat_postMessage(
                channel=channel, thread_ts=parent["ts"], text=message.text, blocks=blocks, unfurl_links=False
            )

    def _record(self, value: str, clicker: Asker) -> AnswerRecord | None:
        record = self._interactions.authorised(value, clicker)
        if record is None:
            return None
        if (
            record.audience != Audience.INTERNAL.value
            or self._resolver.resolve(clicker).audience is not Audience.INTERNAL
        ):
            log.warning("ignored an approval by %s of answer %s", clicker.user, record.id)
            self._tell(clicker, MEMBERS_ONLY)
            return None
        if record.status != Status.ANSWERED.value:
            self._tell(clicker, NOT_ANSWERED)
            return None
        return record

    def _store(self, record: AnswerRecord, clicker: Asker, approval: Approval) -> None:
        try:
            approved = self._hooks.library.approve(approval)
        except DealAssistantError as e:
            self._tell(clicker, f"Not approved: {e}")
            return
        entry = approved.entry
        if not approved.new:
            self._tell(
                clicker, f"Already approved by <@{entry.approved_by}> on {entry.approved_at:%Y-%m-%d}."
            )
            return
        where = f"`{entry.file}`" if entry.file else "the library queue"
        for_whom = f" for {escape(entry.client)} only" if entry.client else ""
        note = f" ({escape(approved.note)})" if approved.note else ""
        text = (
            f"✅ <@{clicker.user}> approved this answer into the answer library{for_whom}, "
            f"{entry.confidentiality.value}{note}: {where}. It goes live after the next gated ingest"
            " (`deal-assistant library pending`)."
        )
        self._web.chat_postMessage(channel=record.channel_id, thread_ts=record.thread_ts, text=text)

    def _tell(self, who: Asker, text: str) -> None:
        try:
            self._web.chat_postEphemeral(channel=who.channel, user=who.user, text=text)
        except SlackClientError as e:
            log.warning("chat.postEphemeral to %s failed: %s", who.user, e)


def _approval(record: AnswerRecord, user: str) -> Approval:
    return Approval(
        question=record.question,
        answer=clean_answer(record.answer),
        approved_by=user,
        origin="slack",
        origin_ref=f"answer:{record.id}",
        written_for=record.client,
        sources=[
            EntrySource(source=str(s.get("source")), chunk_id=s.get("chunk_id")) for s in record.sources
        ],
        owner=record.owner,
    )


def _value(values: dict[str, Any], block: str) -> str:
    return str((values.get(block, {}).get(INPUT, {}) or {}).get("value") or "").strip()


def _text_input(
    block: str, label: str, initial: str, *, multiline: bool, optional: bool = False
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": INPUT,
        "multiline": multiline,
        "max_length": INPUT_LIMIT,
    }
    if initial:
        element["initial_value"] = initial[:INPUT_LIMIT]
    return {
        "type": "input",
        "block_id": block,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }


def approve_modal(record: AnswerRecord, channel: str) -> dict[str, Any]:
    """The edit-and-approve modal, prefilled with the answer; the question is editable, tags optional."""
    sources = ", ".join(dict.fromkeys(str(s.get("source")) for s in record.sources)) or "none"
    return {
        "type": "modal",
        "callback_id": APPROVE_VIEW,
        "private_metadata": f"{record.id}|{channel}",
        "title": {"type": "plain_text", "text": "Approve for the library"},
        "submit": {"type": "plain_text", "text": "Approve"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _text_input(QUESTION_BLOCK, "Question", record.question, multiline=False),
            _text_input(ANSWER_BLOCK, "Answer", clean_answer(record.answer), multiline=True),
            _text_input(TAGS_BLOCK, "Tags (comma separated)", "", multiline=False, optional=True),
            {
                "type": "input",
                "block_id": PUBLIC_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Confidentiality"},
                "element": {
                    "type": "checkboxes",
                    "action_id": INPUT,
                    "options": [
                        {
                            "text": {"type": "plain_text", "text": "Public: may be shown to clients"},
                            "value": "public",
                        }
                    ],
                },
            },
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"Sources: {escape(sources)[:2900]}"}],
            },
        ],
    }


def register_approvals(app: App, approvals: Approvals, *, clicker_of: ClickerOf, home_of: HomeOf) -> None:
    """The approval buttons, the modal and `/deal library` (register before the general `/deal`)."""

    @app.action(APPROVE)
    def on_approve(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        approvals.approve(action.get("value", ""), clicker=clicker_of(body, context))

    @app.action(EDIT_APPROVE)
    def on_edit(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        approvals.open_editor(
            action.get("value", ""), clicker=clicker_of(body, context), trigger_id=body.get("trigger_id")
        )

    @app.view(APPROVE_VIEW)
    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        values = view.get("state", {}).get("values", {})
        if not _value(values, ANSWER_BLOCK) or not _value(values, QUESTION_BLOCK):
            ack(
                response_action="errors",
                errors={ANSWER_BLOCK: "An approved entry needs a question and an answer."},
            )
            return
        ack()
        metadata = view.get("private_metadata", "")
        channel = metadata.partition("|")[2]
        user = body.get("user") or {}
        home_team, home_enterprise = home_of(context)
        submitter = Asker(
            channel=channel,
            user=str(user.get("id", "")),
            is_dm=channel.startswith("D"),
            user_team=user.get("team_id"),
            home_team=home_team,
            home_enterprise=home_enterprise,
        )
        approvals.submit(metadata, values, submitter=submitter)

    def is_library(command: dict[str, Any]) -> bool:
        return (command.get("text") or "").strip().lower() == "library"

    @app.command("/deal", matchers=[is_library])
    def on_library(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        ack(text="⏳ Checking the answer library…")
        asker = Asker.of_command(command, home_of(context))
        approvals.post_digest(asker)
