"""A reviewed questionnaire attached with "approve these answers": its Approved rows go into the library.

Other messages with files go on to the next handler (the questionnaire filler).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from assistant.errors import DealAssistantError, QuestionnaireError
from assistant.library import AnswerLibrary
from assistant.library.importing import import_reviewed
from assistant.models import Audience
from assistant.questionnaires import SUPPORTED
from assistant.slack.files import FileHandler, FileMessage
from assistant.slack.rendering import escape

APPROVE_FILES = re.compile(r"\bapprove\b.*\banswers?\b", re.IGNORECASE | re.DOTALL)
_UNSAFE = re.compile(r"[^\w.-]+")


class LibraryFileHandler:
    """The bot's FileHandler: approves a reviewed questionnaire, or hands the message to `fallback`."""

    def __init__(self, library: AnswerLibrary, fallback: FileHandler | None, *, max_bytes: int) -> None:
        self._library = library
        self._fallback = fallback
        self._max_bytes = max_bytes

    def __call__(self, message: FileMessage) -> None:
        if not APPROVE_FILES.search(message.text):
            if self._fallback is None:
                raise DealAssistantError('To approve a reviewed questionnaire, say "approve these answers".')
            self._fallback(message)
            return
        if message.audience is not Audience.INTERNAL:
            raise DealAssistantError(
                "Only members of our workspace can approve answers, and not in a channel shared with clients."
            )
        files = [message.details(f) for f in message.files]
        file = next((f for f in files if Path(str(f.get("name") or "")).suffix.lower() in SUPPORTED), None)
        if file is None:
            raise QuestionnaireError(
                "attach the reviewed questionnaire (.xlsx or .docx) Deal Assistant filled"
            )
        name = _UNSAFE.sub("_", Path(str(file.get("name"))).name)
        with tempfile.TemporaryDirectory(prefix="deal-library-") as scratch:
            path = Path(scratch) / name
            path.write_bytes(message.download(file, max_bytes=self._max_bytes))
            result = import_reviewed(
                self._library,
                path,
                approved_by=message.user,
                max_bytes=self._max_bytes,
                client=message.client,
            )
        message.reply("✅ " + escape(result.text()))
