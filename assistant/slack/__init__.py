"""The Slack edge: a slack-bolt app that answers and drafts in threads over the answering core.

`build_bot` assembles it (a `SlackBot`) from a `BotConfig` of plain values; `HttpEndpoint` serves it
over HTTP, `run_socket_mode` over Socket Mode. The names resolve on first use, so importing one Slack
module does not load them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.exports import lazy_exports

if TYPE_CHECKING:
    from assistant.slack.app import SlackBot, build_bot
    from assistant.slack.config import BotConfig
    from assistant.slack.serving import HttpEndpoint, run_socket_mode

__all__ = ["BotConfig", "HttpEndpoint", "SlackBot", "build_bot", "run_socket_mode"]

__getattr__, __dir__ = lazy_exports(
    globals(),
    {
        "BotConfig": "assistant.slack.config",
        "HttpEndpoint": "assistant.slack.serving",
        "SlackBot": "assistant.slack.app",
        "build_bot": "assistant.slack.app",
        "run_socket_mode": "assistant.slack.serving",
    },
)
