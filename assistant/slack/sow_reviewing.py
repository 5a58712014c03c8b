"""Reviews a draft SOW attached to a message that says "review this SOW" (or `/deal review`) in Slack.

Internal only: refused in channels with client guests, Slack Connect channels and for guests (the
thread's audience decides), because a review carries the playbook's limits. The thread gets the summary
(counts by colour, RED first) and, for a Word draft, the commented copy; the summary and the copy carry
no history from other clients' SOWs. Files are fetched through the bot's safe downloader only.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slack_sdk.errors import SlackApiError

from assistant.errors import DealAssistantError
from assistant.models import Audience
from assistant.slack.config import BotConfig
from assistant.slack.files import FileHandler, FileMessage
from assistant.slack.rendering import PLACEHOLDER_PREFIX, escape
from assistant.sow_review import DRAFT_SUFFIXES, Colour, Review, Reviewer, summary_line, write_commented_copy

log = logging.getLogger(__name__)

MAX_RED_SHOWN = 8
_ASKS_FOR_REVIEW = re.compile(
    r"^\s*(?:/deal\s+)?review\b|\breview\b.{0,40}\b(?:sow|statement of work)\b", re.I
)
_UNSAFE_NAME = re.compile(r"[^\w .()+,-]+")
_MARK = {Colour.RED: "🔴", Colour.YELLOW: "🟡", Colour.MISSING: "⚪", Colour.GREEN: "🟢"}
HOW_TO = 'Attach the draft SOW (.docx, .pdf or .md) to a message to me that says "review this SOW".'


def asks_for_review(text: str) -> bool:
    """True for "review this SOW", "please review the attached statement of work", "/deal review"."""
    return bool(_ASKS_FOR_REVIEW.search(text or ""))


class SowReviewer:
    """A FileHandler: reviews a message's first draft SOW; posts the summary and the commented copy."""

    def __init__(
        self, reviewer: Callable[[], Reviewer], *, max_bytes: int, scratch_dir: Path | None = None
    ) -> None:
        self._reviewer = reviewer  # built per review, so a promoted playbook is used at once
        self._max_bytes = max_bytes
        self._scratch_dir = scratch_dir

    def __call__(self, message: FileMessage) -> None:
        if message.audience is not Audience.INTERNAL:
            raise DealAssistantError(
                "SOW reviews are internal: not in channels with client guests or for guest accounts."
                " DM me instead."
            )
        if not message.files:
            message.reply(HOW_TO)
            return
        file = _first_draft(message)
        name = _local_name(file)
        message.reply(f"{PLACEHOLDER_PREFIX} Reviewing *{escape(name)}* against the playbook…")
        with tempfile.TemporaryDirectory(prefix="deal-sow-", dir=self._scratch_dir) as scratch:
            path = Path(scratch) / name
            path.write_bytes(message.download(file, max_bytes=self._max_bytes))
            review = self._reviewer().review_file(path, client=message.client)
            copy = None
            if path.suffix.lower() == ".docx":
                out = Path(scratch) / f"{path.stem}-reviewed.docx"
                write_commented_copy(path, review, out)
                copy = out.read_bytes()
        message.reply(summary_text(review))
        if copy is not None:
            _upload(message, f"{Path(name).stem}-reviewed.docx", copy)
        log.info("reviewed %s in %s: %s", name, message.channel, summary_line(review))


def summary_text(review: Review) -> str:
    """The thread summary: counts by colour, then the RED items with their reasons (no history)."""
    counts = review.counts()
    lines = [
        f"*SOW review of {escape(review.document)}*: "
        + ", ".join(f"{_MARK[c]} {counts[c.value]} {c.value}" for c in _MARK)
    ]
    reds = [f for f in review.ordered() if f.status is Colour.RED]
    for f in reds[:MAX_RED_SHOWN]:
        lines.append(f"🔴 *{escape(f.title)}*: {escape(f.reason)}")
    if len(reds) > MAX_RED_SHOWN:
        lines.append(f"… and {len(reds) - MAX_RED_SHOWN} more RED items in the commented copy.")
    yellows = [f.title for f in review.ordered() if f.status is Colour.YELLOW]
    if yellows:
        lines.append("🟡 To read: " + escape(", ".join(yellows)))
    return "\n".join(lines)


def review_router(reviewing: FileHandler, otherwise: FileHandler | None) -> FileHandler:
    """The bot's FileHandler: SOW review when the message asks for one, else `otherwise` (questionnaires)."""

    def handle(message: FileMessage) -> None:
        if asks_for_review(message.text) or otherwise is None:
            reviewing(message)
        else:
            otherwise(message)

    return handle


def sow_reviewer(config: BotConfig, reviewer: Callable[[], Reviewer]) -> SowReviewer:
    """The SOW review handler under the configured file size limit."""
    return SowReviewer(reviewer, max_bytes=config.max_upload_bytes)


def _first_draft(message: FileMessage) -> dict[str, Any]:
    files = [message.details(f) for f in message.files]
    for file in files:
        if Path(str(file.get("name") or "")).suffix.lower() in DRAFT_SUFFIXES:
            return file
    raise DealAssistantError(f"I review draft SOWs saved as .docx, .pdf or .md. {HOW_TO}")


def _local_name(file: dict[str, Any]) -> str:
    original = Path(str(file.get("name") or "")).name
    stem = _UNSAFE_NAME.sub("_", Path(original).stem).strip(" ._")[:100]
    return f"{stem or 'draft'}{Path(original).suffix.lower()}"


def _upload(message: FileMessage, name: str, content: bytes) -> None:
    try:
        message.upload(
            name, content, title=name, comment="Commented copy: a review comment at each YELLOW/RED clause."
        )
    except SlackApiError as e:
        error = e.response.get("error", e) if e.response is not None else e
        raise DealAssistantError(f"could not upload {name} to this thread: {error}") from e
