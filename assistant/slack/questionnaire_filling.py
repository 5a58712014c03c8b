"""Fills the RFP questionnaire attached to a Slack message: the bot's FileHandler, from attachment to upload.

Checks come before any work (a supported type, a client, the size limit); the file is downloaded into a
scratch folder that is removed afterwards, filled with the answering core for the thread's audience, and
the filled copy is uploaded into the thread with the summary. Project errors are raised for the bot to post
as a one-line reason, so nothing half-written is ever uploaded.
"""

from __future__ import annotations

import logging
import math
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError, SlackClientError

from assistant.errors import DealAssistantError, QuestionnaireError
from assistant.models import Audience
from assistant.questionnaires import (
    SUPPORTED,
    Drafter,
    QuestionnaireSummary,
    default_output_path,
    fill_questions,
    read_questionnaire,
)
from assistant.sizes import describe_size
from assistant.slack.config import BotConfig
from assistant.slack.conversation import split_client
from assistant.slack.files import FileMessage
from assistant.slack.rendering import (
    PLACEHOLDER_PREFIX,
    SlackMessage,
    escape,
    render_text,
    render_with_table,
    table_block,
)
from assistant.slack.status import api_error

log = logging.getLogger(__name__)

PROGRESS_MIN_QUESTIONS = 20  # files with more questions than this get progress updates
PROGRESS_STEP = 0.1  # share of the drafting between two progress updates
PROGRESS_SECONDS = 3.0  # least time between two progress updates
QUIET_SECONDS = 30.0  # most time without an update while drafting goes on

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_UNSAFE_NAME = re.compile(r"[^\w .()+,-]+")
_SUPPORTED_TEXT = " or ".join(SUPPORTED)


class DraftsForClients(Drafter, Protocol):
    """What filling from Slack needs from the answering core: drafts, and the clients it knows."""

    def known_clients(self) -> list[str]: ...


class QuestionnaireFiller:
    """The bot's FileHandler: fills the first .xlsx/.docx questionnaire of a message and uploads the copy."""

    def __init__(
        self,
        core: DraftsForClients,
        *,
        max_bytes: int,
        max_questions: int,
        scratch_dir: Path | None = None,
        progress_seconds: float = PROGRESS_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._core = core
        self._max_bytes = max_bytes
        self._max_questions = max_questions
        self._scratch_dir = scratch_dir
        self._progress_seconds = progress_seconds
        self._clock = clock

    def __call__(self, message: FileMessage) -> None:
        """Fill the message's questionnaire; raises a project error with a one-line reason if it cannot."""
        files = [message.details(f) for f in message.files]
        file = _first_supported(files)
        name = _local_name(file)
        client = self._client(message)
        self._check_size(file, name)
        for_whom = f"*{escape(name)}* for *{escape(client)}*" + _audience_note(message.audience)
        status = StatusMessage(message)
        others = " (one file at a time: the other attachments are left out)" if len(files) > 1 else ""
        status.show(f"{PLACEHOLDER_PREFIX} Filling {for_whom}…{others}")
        with tempfile.TemporaryDirectory(prefix="deal-questionnaire-", dir=self._scratch_dir) as scratch:
            path = Path(scratch) / name
            path.write_bytes(message.download(file, max_bytes=self._max_bytes))
            questionnaire = read_questionnaire(
                path, max_bytes=self._max_bytes, max_questions=self._max_questions
            )
            count = len(questionnaire.questions)
            progress = None
            if count > PROGRESS_MIN_QUESTIONS:
                progress = DraftingProgress(
                    status,
                    f"Filling {for_whom} ({count} questions)",
                    min_seconds=self._progress_seconds,
                    clock=self._clock,
                )
            summary = fill_questions(
                questionnaire,
                default_output_path(path),
                client=client,
                audience=message.audience,
                answerer=self._core,
                progress=progress,
            )
            content = summary.output.read_bytes()
        _upload(message, summary, content)
        log.info(
            "filled %s for %s (%s) in %s: %d questions, %d to review",
            name,
            client,
            message.audience.value,
            message.channel,
            summary.questions,
            summary.needs_review,
        )
        status.show(f"✅ Filled {for_whom}: the copy is in this thread for review.", summary)

    def _client(self, message: FileMessage) -> str:
        named = named_client(message.text, self._core.known_clients())
        mapped = message.client
        if mapped and named and named.strip().lower() != mapped.strip().lower():
            raise DealAssistantError(
                f"This channel works for {mapped}: questionnaires here are filled only for {mapped}."
            )
        client = mapped or named
        if not client:
            raise DealAssistantError(
                'Which client is this questionnaire for? Send it again with "fill this in for <client>".'
            )
        return client

    def _check_size(self, file: dict[str, Any], name: str) -> None:
        size = int(file.get("size") or 0)
        if size > self._max_bytes:
            limit = describe_size(self._max_bytes)
            raise QuestionnaireError(f"{name} is {describe_size(size)}; the limit is {limit}")


def questionnaire_filler(config: BotConfig, core: DraftsForClients) -> QuestionnaireFiller:
    """The FileHandler the bot runs with, under the configured size and question limits."""
    return QuestionnaireFiller(core, max_bytes=config.max_upload_bytes, max_questions=config.max_questions)


def named_client(text: str, known_clients: list[str]) -> str | None:
    """The client a message names: "... for <client>" ending one of its sentences, or a known client."""
    for sentence in _SENTENCE_END.split(text):
        _, client = split_client(sentence, known_clients)
        if client:
            return client
    lowered = text.lower()
    for known in sorted(known_clients, key=len, reverse=True):
        if re.search(r"\b" + re.escape(known.lower()) + r"\b", lowered):
            return known
    return None


class StatusMessage:
    """The one message in the thread that says how the filling goes: the bot's placeholder, updated."""

    def __init__(self, message: FileMessage) -> None:
        self._status = message.status

    def show(self, mrkdwn: str, summary: QuestionnaireSummary | None = None) -> None:
        """Replace the status text (post it if there is no message yet), with the summary's counts as a
        table when given; Slack errors are only logged."""
        rendered = render_text(mrkdwn) if summary is None else summary_message(mrkdwn, summary)
        try:
            self._status.show(rendered)
        except SlackClientError:
            log.warning("cannot show the questionnaire status in %s", self._status.channel, exc_info=True)


class DraftingProgress:
    """A Progress callback that updates the status message, at most every PROGRESS_STEP of the drafting
    and `min_seconds`, and at least every QUIET_SECONDS."""

    def __init__(
        self, status: StatusMessage, label: str, *, min_seconds: float, clock: Callable[[], float]
    ) -> None:
        self._status = status
        self._label = label
        self._min_seconds = min_seconds
        self._clock = clock
        self._shown = 0
        self._shown_at = clock()

    def __call__(self, done: int, total: int) -> None:
        if total == 0 or done >= total:
            return  # the final status replaces the progress
        now = self._clock()
        elapsed = now - self._shown_at
        step = max(1, math.ceil(total * PROGRESS_STEP))
        due = done == 0 or (done - self._shown >= step and elapsed >= self._min_seconds)
        if not due and elapsed < QUIET_SECONDS:
            return
        self._shown, self._shown_at = done, now
        self._status.show(
            f"{PLACEHOLDER_PREFIX} {self._label}: {done} of {total} distinct questions drafted"
            f" ({done * 100 // total}%)…"
        )


def _first_supported(files: list[dict[str, Any]]) -> dict[str, Any]:
    for file in files:
        if Path(str(file.get("name") or "")).suffix.lower() in SUPPORTED:
            return file
    names = ", ".join(str(f.get("name") or f.get("id") or "file") for f in files[:3])
    more = f" and {len(files) - 3} more" if len(files) > 3 else ""
    raise QuestionnaireError(
        f"I fill questionnaires saved as {_SUPPORTED_TEXT}; {names}{more} is not one of those. "
        f"Save it as {_SUPPORTED_TEXT} and send it again."
    )


def _local_name(file: dict[str, Any]) -> str:
    """The file's name, safe to use in a folder of ours and kept for the filled copy."""
    original = Path(str(file.get("name") or "")).name
    suffix = Path(original).suffix.lower()
    stem = _UNSAFE_NAME.sub("_", Path(original).stem).strip(" ._")[:100]
    return f"{stem or 'questionnaire'}{suffix}"


def _upload(message: FileMessage, summary: QuestionnaireSummary, content: bytes) -> None:
    name = summary.output.name
    try:
        message.upload(name, content, title=name, comment=summary.text())
    except SlackApiError as e:
        hint = " (is the files:write scope granted?)" if api_error(e) == "missing_scope" else ""
        raise DealAssistantError(f"could not upload {name} to this thread: {api_error(e)}{hint}") from e


def summary_message(head: str, summary: QuestionnaireSummary) -> SlackMessage:
    """The filled questionnaire's counts by confidence as a table, and the questions to review."""
    counts = [
        ["high", str(summary.high)],
        ["medium", str(summary.medium)],
        ["low (review)", str(summary.low)],
        ["not found (review)", str(summary.not_found)],
        ["restricted (review)", str(summary.restricted)],
    ]
    header = ["Drafted answers", f"{summary.unique} unique of {summary.questions}"]
    review = "\n".join(f"• {escape(q)}" for q in summary.to_review[:20])
    tail = f"*To review*\n{review}" if review else ""
    fallback = "\n".join([head, escape(summary.text()), tail]).strip()
    return render_with_table(head, table_block(header, counts), tail, fallback)


def _audience_note(audience: Audience) -> str:
    if audience is Audience.EXTERNAL:
        return " (external audience here: answers from public documents only)"
    return ""
