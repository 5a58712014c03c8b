"""The seam for messages that carry files (e.g. a questionnaire to fill): what a file handler receives.

The bot hands an addressed message with `files` to the registered `FileHandler` in its worker pool;
the handler downloads, works, and replies or uploads in the thread through the `FileMessage` it gets.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient

from assistant.errors import DealAssistantError
from assistant.models import Audience
from assistant.slack.rendering import SlackMessage, render_text


@dataclass
class FileMessage:
    """An addressed message with files, where it was posted, and who will see the reply."""

    channel: str
    thread_ts: str
    user: str
    text: str  # the message in plain text, the bot's mention removed
    files: list[dict[str, Any]]  # Slack file objects as delivered with the event
    audience: Audience
    client: str | None  # from the channel mapping; the handler may read another from `text`
    web: WebClient
    placeholder_ts: str | None = None  # the acknowledgement, which `reply` replaces first
    _replaced: bool = field(default=False, repr=False)

    def download(self, file: dict[str, Any], *, max_bytes: int | None = None) -> bytes:
        """The file's content, fetched from `url_private_download` with the bot token."""
        url = file.get("url_private_download") or file.get("url_private")
        name = file.get("name") or file.get("id") or "file"
        if not url:
            raise DealAssistantError(f"{name}: Slack gave no download link for this file")
        if max_bytes is not None and int(file.get("size") or 0) > max_bytes:
            raise DealAssistantError(f"{name} is larger than {max_bytes / 1_000_000:.0f} MB")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.web.token}"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                if "text/html" in (response.headers.get("Content-Type") or ""):
                    raise DealAssistantError(
                        f"{name}: Slack refused the download (is the files:read scope granted?)"
                    )
                data: bytes = response.read(max_bytes + 1 if max_bytes is not None else -1)
        except urllib.error.URLError as e:
            raise DealAssistantError(f"{name}: download failed ({e.reason})") from e
        if max_bytes is not None and len(data) > max_bytes:
            raise DealAssistantError(f"{name} is larger than {max_bytes / 1_000_000:.0f} MB")
        return data

    def reply(self, message: SlackMessage | str) -> None:
        """Post in the thread (mrkdwn text, already escaped); the first reply replaces the placeholder."""
        msg = render_text(message) if isinstance(message, str) else message
        if self.placeholder_ts and not self._replaced:
            self._replaced = True
            self.web.chat_update(
                channel=self.channel, ts=self.placeholder_ts, text=msg.text, blocks=msg.blocks
            )
            return
        self.web.chat_postMessage(
            channel=self.channel, thread_ts=self.thread_ts, text=msg.text, blocks=msg.blocks
        )

    def upload(
        self, filename: str, content: bytes, *, title: str | None = None, comment: str | None = None
    ) -> None:
        """Upload a file into the thread (files_upload_v2), with an optional comment."""
        self.web.files_upload_v2(
            channel=self.channel,
            thread_ts=self.thread_ts,
            filename=filename,
            content=content,
            title=title or filename,
            initial_comment=comment,
        )


FileHandler = Callable[[FileMessage], None]
