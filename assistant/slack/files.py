"""The seam for messages that carry files (e.g. a questionnaire to fill): what a file handler receives.

The bot hands an addressed message with `files` to the registered `FileHandler` in its file pool;
the handler downloads, works, and replies or uploads in the thread through the `FileMessage` it gets.
A file's details (and so its download link) come from files.info rather than from the event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.errors import DealAssistantError
from assistant.models import Audience
from assistant.sizes import describe_size
from assistant.slack.downloading import FileDownloader, FileHosts
from assistant.slack.rendering import SlackMessage, render_text
from assistant.slack.status import ThreadStatus, api_error

log = logging.getLogger(__name__)


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
    downloader: FileDownloader | None = None  # None: Slack's file hosts and the default deadline
    _replaced: bool = field(default=False, repr=False)
    _details: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    _status: ThreadStatus | None = field(default=None, init=False, repr=False)

    @property
    def status(self) -> ThreadStatus:
        """The thread's status message: the acknowledgement at first, replaced as the work goes on."""
        if self._status is None:
            self._status = ThreadStatus(self.web, self.channel, self.thread_ts, self.placeholder_ts)
        return self._status

    def details(self, file: dict[str, Any]) -> dict[str, Any]:
        """The file object as files.info reports it (asked once per file), over the event's copy.

        The event's copy is what the poster's client sent along; files.info is Slack's own record, so
        its name, size and links win. A stub (Slack Connect) cannot do without it.
        """
        file_id = str(file.get("id") or "")
        if not file_id:
            return dict(file)
        if file_id not in self._details:
            try:
                info = self.web.files_info(file=file_id).get("file") or {}
            except SlackApiError as e:
                if file.get("file_access") == "check_file_info" or not file.get("name"):
                    raise DealAssistantError(
                        f"cannot read the attached file's details from Slack ({api_error(e)})"
                    ) from e
                log.warning("files.info for %s failed (%s); using the event's copy", file_id, api_error(e))
                info = {}
            self._details[file_id] = dict(info)
        return {**file, **self._details[file_id]}

    def download(self, file: dict[str, Any], *, max_bytes: int | None = None) -> bytes:
        """The file's content, fetched with the bot token from Slack's file hosts only."""
        file = self.details(file)
        url = file.get("url_private_download") or file.get("url_private")
        name = file.get("name") or file.get("id") or "file"
        if not url:
            raise DealAssistantError(f"{name}: Slack gave no download link for this file")
        if max_bytes is not None and int(file.get("size") or 0) > max_bytes:
            raise DealAssistantError(f"{name} is larger than {describe_size(max_bytes)}")
        downloader = self.downloader or FileDownloader(
            self.web.token or "", FileHosts.for_api(self.web.base_url)
        )
        return downloader.download(str(url), name=str(name), max_bytes=max_bytes)

    def reply(self, message: SlackMessage | str) -> None:
        """Post in the thread (mrkdwn text, already escaped); the first reply replaces the status message
        (the placeholder), the later ones are posted after it."""
        msg = render_text(message) if isinstance(message, str) else message
        if not self._replaced:
            self._replaced = True
            self.status.show(msg)
            return
        self.status.post(msg)

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
