"""Which channel threads the bot takes part in, who started each, and which were muted.

In a channel the bot answers a follow-up without a new mention only in a thread it has answered in, and
only from the person who started that thread; `mute` in the thread stops even that (a mention still
works). Kept in memory and bounded: after a restart a thread needs a mention again, which is the safe
side. A mention counts only in the person's own words: not inside a quote, nor in a forwarded message.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

MAX_THREADS = 10_000
_MUTE = re.compile(r"^\s*mute(?:\s+(?:this|the)\s+thread)?\s*[.!]*\s*$", re.IGNORECASE)
_QUOTE_LINE = re.compile(r"^\s*(?:&gt;|>)")
_QUOTED_KINDS = {"rich_text_quote", "rich_text_preformatted"}


@dataclass
class _Thread:
    starter: str
    muted: bool = False


class BotThreads:
    """The channel threads the bot answered in (thread-safe, the most recent MAX_THREADS kept)."""

    def __init__(self, limit: int = MAX_THREADS) -> None:
        self._limit = limit
        self._threads: OrderedDict[tuple[str, str], _Thread] = OrderedDict()
        self._lock = threading.Lock()

    def join(self, channel: str, thread_ts: str, starter: str | None) -> None:
        """The bot answered in this thread, which `starter` began (None: unknown, no follow-ups)."""
        if not starter:
            return
        with self._lock:
            known = self._threads.get((channel, thread_ts))
            if known is None:
                self._threads[(channel, thread_ts)] = _Thread(starter)
            self._threads.move_to_end((channel, thread_ts))
            while len(self._threads) > self._limit:
                self._threads.popitem(last=False)

    def mute(self, channel: str, thread_ts: str) -> bool:
        """Stop unmentioned follow-ups in the thread; False if the bot was not part of it."""
        with self._lock:
            known = self._threads.get((channel, thread_ts))
            if known is not None:
                known.muted = True
            return known is not None

    def follows(self, channel: str, thread_ts: str, user: str) -> bool:
        """True when a message of `user` in this thread is a follow-up the bot should answer unasked."""
        with self._lock:
            known = self._threads.get((channel, thread_ts))
            return known is not None and not known.muted and known.starter == user


def is_mute(text: str) -> bool:
    """A reply asking the bot to keep quiet in the thread ("mute")."""
    return bool(_MUTE.match(text))


def mentions_directly(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """True when the person's own words mention the bot: a mention inside a quote (`> ...`, a quote or
    code block in the rich text) or only in a forwarded/shared message (attachments) does not count."""
    if not bot_user_id:
        return False
    blocks = event.get("blocks") or []
    if blocks:
        return any(_mentions_in(b, bot_user_id) for b in blocks if b.get("type") == "rich_text")
    own = [line for line in str(event.get("text") or "").splitlines() if not _QUOTE_LINE.match(line)]
    return f"<@{bot_user_id}" in "\n".join(own)


def _mentions_in(element: dict[str, Any], bot_user_id: str) -> bool:
    if element.get("type") in _QUOTED_KINDS:
        return False
    if element.get("type") == "user" and element.get("user_id") == bot_user_id:
        return True
    return any(_mentions_in(e, bot_user_id) for e in element.get("elements") or [] if isinstance(e, dict))
