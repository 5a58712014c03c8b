"""A thread's status message: the one bot message that says how the work goes, posted once, then replaced.

The acknowledgement ("Looking that up…", "Working on your file…"), a file's progress and the final
reply all stand in the same message: `show` replaces it (chat.update) and remembers its ts, and posts a
new one in the thread when there is none yet or Slack refuses the update (the message was deleted, or
is too old to edit), so the reply is never lost.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.slack.rendering import SlackMessage

log = logging.getLogger(__name__)

__all__ = ["ThreadStatus", "api_error"]


class ThreadStatus:
    """The status message of one thread (`ts` None until there is one)."""

    def __init__(
        self,
        web: WebClient,
        channel: str,
        thread_ts: str | None,
        ts: str | None = None,
        *,
        unfurl_links: bool | None = None,
    ) -> None:
        self._web = web
        self.channel = channel
        self.thread_ts = thread_ts  # None: a new top-level message
        self.ts = ts
        self._unfurl_links = unfurl_links  # None: Slack's default

    def show(self, message: SlackMessage) -> str:
        """Replace the status message with `message` (posting it if there is none, or if the update fails);
        returns its ts. A failed post raises SlackClientError for the caller to log or report."""
        if self.ts is not None:
            try:
                self._web.chat_update(
                    channel=self.channel, ts=self.ts, text=message.text, blocks=message.blocks
                )
                return self.ts
            except SlackApiError as e:
                log.warning(
                    "chat.update of the status in %s failed (%s); posting instead", self.channel, api_error(e)
                )
        self.ts = self.post(message)
        return self.ts

    def post(self, message: SlackMessage) -> str:
        """Post `message` as a new message in the thread (the status stays where it is); returns its ts."""
        response = self._web.chat_postMessage(
            channel=self.channel,
            thread_ts=self.thread_ts,
            text=message.text,
            blocks=message.blocks,
            unfurl_links=self._unfurl_links,  # None is left out of the call
        )
        return str(response["ts"])


def api_error(e: SlackApiError) -> str:
    """The error code Slack answered with ("missing_scope"), or the exception's text without a response."""
    return str(e.response.get("error", e)) if e.response is not None else str(e)
