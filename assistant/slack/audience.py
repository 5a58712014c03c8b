"""Who will see a reply: the audience and client of a channel and a user, from config and Slack.

External when the channel is shared with another organisation (Slack Connect, also while the share is
pending), when the channels file says so, or when the person asking is a guest or from another
organisation: users.info's team (or Enterprise Grid organisation) is compared with the bot's own, from
auth.test, never taken from the event. Slack's answers are cached for a few minutes. When Slack cannot
tell (an error, an answer without the channel or user, a user without a team), we assume external, and
such an answer is not cached.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.config_files import load_config_file
from assistant.models import Audience
from assistant.slack.status import api_error

log = logging.getLogger(__name__)

CACHE_SECONDS = 300.0


class ChannelSetting(BaseModel):
    """One entry of the channels file: the client a channel works for, and an audience override."""

    model_config = ConfigDict(extra="forbid")

    client: str | None = None
    audience: Audience | None = None


class ChannelsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channels: dict[str, ChannelSetting] = Field(default_factory=dict)


def load_channels(path: Path | None) -> dict[str, ChannelSetting]:
    """Read the channels YAML file (`channels: {C123: {client: ..., audience: external}}`)."""
    if path is None:
        return {}
    return load_config_file(path, ChannelsFile, "Slack channels file").channels


@dataclass(frozen=True)
class Asker:
    """Where a message was posted and by whom, as the event or command reports it."""

    channel: str
    user: str
    is_dm: bool = False
    user_team: str | None = None  # the asking user's team, when the payload says
    home_team: str | None = None  # the team the bot is installed in (auth.test)
    home_enterprise: str | None = None  # its Enterprise Grid organisation, if any (auth.test)

    @classmethod
    def of_command(cls, command: dict[str, Any], home: tuple[str | None, str | None]) -> Asker:
        """Who ran a slash command, and where; `home` is the bot's (team, enterprise) from auth.test."""
        channel = str(command.get("channel_id", ""))
        return cls(
            channel=channel,
            user=str(command.get("user_id", "")),
            is_dm=channel.startswith("D"),
            user_team=command.get("user_team_id") or command.get("team_id"),
            home_team=home[0],
            home_enterprise=home[1],
        )


@dataclass(frozen=True)
class Placement:
    """The audience and client a reply is for, and why it is external (for logs)."""

    audience: Audience
    client: str | None = None
    reasons: tuple[str, ...] = ()


class _TtlCache:
    def __init__(self, seconds: float, clock: Callable[[], float]) -> None:
        self._seconds = seconds
        self._clock = clock
        self._items: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is None or hit[0] <= self._clock():
                return None
            return hit[1]

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._items[key] = (self._clock() + self._seconds, value)


class AudienceResolver:
    """Decides the Placement of a reply from the channels file and Slack's conversations/users info."""

    def __init__(
        self,
        web: WebClient,
        channels: dict[str, ChannelSetting],
        *,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._web = web
        self._channels = channels
        self._channel_cache = _TtlCache(cache_seconds, clock)
        self._user_cache = _TtlCache(cache_seconds, clock)

    def channel_setting(self, channel: str) -> ChannelSetting:
        return self._channels.get(channel, ChannelSetting())

    def resolve(self, asker: Asker) -> Placement:
        setting = self.channel_setting(asker.channel)
        reasons = list(self._user_reasons(asker))
        if setting.audience is not None:
            if setting.audience is Audience.EXTERNAL:
                reasons.append("channel configured external")
        elif not asker.is_dm:
            reasons += self._channel_reasons(asker.channel)
        audience = Audience.EXTERNAL if reasons else Audience.INTERNAL
        return Placement(audience=audience, client=setting.client, reasons=tuple(reasons))

    def _user_reasons(self, asker: Asker) -> list[str]:
        reasons = []
        # Within a Grid organisation another workspace is still us, so only a plain install compares teams.
        if not asker.home_enterprise and asker.user_team and asker.user_team != asker.home_team:
            reasons.append("user from another organisation")
        user = self._user_info(asker.user)
        if user is None:
            return [*reasons, "user unknown to Slack"]
        if user.get("is_restricted") or user.get("is_ultra_restricted"):
            reasons.append("guest user")
        if user.get("is_stranger"):
            reasons.append("user from another organisation")
        organisation = _organisation_reason(user, asker)
        if organisation:
            reasons.append(organisation)
        return list(dict.fromkeys(reasons))

    def _channel_reasons(self, channel: str) -> list[str]:
        info = self._channel_info(channel)
        if info is None:
            return ["channel unknown to Slack"]
        if info.get("is_im"):
            return []
        if info.get("is_ext_shared"):
            return ["channel shared with another organisation"]
        if (
            info.get("is_pending_ext_shared")
            or info.get("pending_shared")
            or info.get("pending_connected_team_ids")
        ):
            return ["channel pending an external share"]
        return []

    def _channel_info(self, channel: str) -> dict[str, Any] | None:
        cached = self._channel_cache.get(channel)
        if cached is not None:
            return dict(cached)
        try:
            info = self._web.conversations_info(channel=channel).get("channel")
        except SlackApiError as e:
            reason = api_error(e)
            log.warning("conversations.info for %s failed (%s); treating it as external", channel, reason)
            return None
        if not isinstance(info, dict) or not info:
            log.warning("conversations.info for %s had no channel; treating it as external", channel)
            return None
        self._channel_cache.put(channel, info)
        return dict(info)

    def _user_info(self, user: str) -> dict[str, Any] | None:
        cached = self._user_cache.get(user)
        if cached is not None:
            return dict(cached)
        try:
            info = self._web.users_info(user=user).get("user")
        except SlackApiError as e:
            log.warning("users.info for %s failed (%s); treating the user as external", user, api_error(e))
            return None
        if not isinstance(info, dict) or not info:
            log.warning("users.info for %s had no user; treating the user as external", user)
            return None
        self._user_cache.put(user, info)
        return dict(info)


def _organisation_reason(user: dict[str, Any], asker: Asker) -> str | None:
    """Why users.info places a user outside the bot's organisation, or None when it is the same one."""
    team = user.get("team_id")
    if asker.home_enterprise:
        enterprise = (user.get("enterprise_user") or {}).get("enterprise_id") or user.get("enterprise_id")
        if enterprise == asker.home_enterprise or (enterprise is None and team and team == asker.home_team):
            return None
        return "user from another organisation" if enterprise or team else "user's organisation unknown"
    if not asker.home_team:
        return "the bot's own workspace unknown"
    if not team:
        return "user's workspace unknown"
    return None if team == asker.home_team else "user from another organisation"
