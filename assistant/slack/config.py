"""The plain values the bot is built from (tokens, files, limits), as Bolt's `App` takes its parameters.

The CLI builds a `BotConfig` from the Settings in one place (`assistant.cli.slack_commands.bot_config`);
nothing in the Slack package reads the Settings or the environment itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assistant.errors import ConfigError
from assistant.sizes import MIB
from assistant.slack.downloading import DOWNLOAD_SECONDS

__all__ = ["BotConfig", "Mode", "check_credentials"]

Mode = Literal["socket", "http"]


@dataclass(frozen=True)
class BotConfig:
    """What the bot needs to run: Slack credentials, its data files and its limits."""

    feedback_path: Path  # the SQLite file answers and ratings are logged in
    bot_token: str | None = None  # SLACK_BOT_TOKEN
    signing_secret: str | None = None  # SLACK_SIGNING_SECRET (HTTP mode)
    app_token: str | None = None  # SLACK_APP_TOKEN (Socket Mode)
    api_url: str | None = None  # the Web API base URL; Slack's default when None
    channels_file: Path | None = None  # channel ids -> client and audience override
    experts_file: Path | None = None  # document owners -> Slack user ids
    workers: int = 8  # questions answered at once
    slow_after: float = 3.0  # seconds before a channel gets the offline answer first
    download_seconds: float = DOWNLOAD_SECONDS  # total time one file download may take
    max_upload_bytes: int = 10 * MIB  # largest questionnaire, SOW or library file accepted
    max_questions: int = 1000  # most questions filled from one questionnaire


def check_credentials(config: BotConfig, mode: Mode) -> None:
    """Raise ConfigError naming every variable the mode needs that is not set."""
    needed = ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN" if mode == "socket" else "SLACK_SIGNING_SECRET"]
    values = {
        "SLACK_BOT_TOKEN": config.bot_token,
        "SLACK_APP_TOKEN": config.app_token,
        "SLACK_SIGNING_SECRET": config.signing_secret,
    }
    missing = [name for name in needed if not values[name]]
    if missing:
        hint = " (or run with --mode http)" if mode == "socket" else ""
        raise ConfigError(f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set{hint}")
