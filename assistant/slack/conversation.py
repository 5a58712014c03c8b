"""What a Slack message asks for (ask, draft or help), in plain text, and the thread's earlier turns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from assistant.models import Turn
from assistant.slack.rendering import PLACEHOLDER_PREFIX

IntentKind = Literal["ask", "draft", "help"]

MAX_HISTORY_TURNS = 12

_DRAFT_PREFIX = re.compile(r"^\s*draft\s*:\s*", re.IGNORECASE)
_FOR_CLIENT = re.compile(r"\s+for\s+(?P<client>[^?!.,;:]+?)\s*[?!.]*\s*$", re.IGNORECASE)
_HELP = re.compile(r"^\s*(help|\?)\s*[?!.]*\s*$", re.IGNORECASE)
_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


@dataclass(frozen=True)
class Intent:
    """What a message asks for. `client` is the client it names, if any (not yet checked)."""

    kind: IntentKind
    question: str = ""
    client: str | None = None


def plain_text(slack_text: str, bot_user_id: str | None = None) -> str:
    """A message's text as a person reads it: the bot's mention removed, links and entities resolved."""

    def resolve(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return "" if target[1:] == bot_user_id else "@" + (label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        return f"{label} ({target})" if label and label != target else target

    text = _LINK.sub(resolve, slack_text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"[ \t]+", " ", text).strip()


def parse_intent(text: str, known_clients: list[str]) -> Intent:
    """Read a message's plain text: `help`, `draft: <question> for <client>`, or else a question."""
    if not text or _HELP.match(text):
        return Intent("help")
    draft = _DRAFT_PREFIX.match(text)
    if draft:
        question, client = split_client(text[draft.end() :], known_clients)
        return Intent("draft", question, client) if question else Intent("help")
    return Intent("ask", text)


def parse_command(text: str, known_clients: list[str]) -> Intent:
    """Read `/deal` text: `draft <question> [for <client>]`, `ask <question>`, `help`, or a bare question."""
    head, _, rest = text.strip().partition(" ")
    verb = head.lower().rstrip(":")
    if verb in ("", "help"):
        return Intent("help")
    if verb == "draft":
        question, client = split_client(rest, known_clients)
        return Intent("draft", question, client) if question else Intent("help")
    if verb == "ask":
        return Intent("ask", rest.strip()) if rest.strip() else Intent("help")
    return Intent("ask", text.strip())


def split_client(text: str, known_clients: list[str]) -> tuple[str, str | None]:
    """Split a trailing "for <client>" off a draft request.

    A known client is matched case-insensitively anywhere after the last "for"; anything else after a
    final "for" is taken as a client name only if it looks like one (capitalised), so "for healthcare
    clients" stays part of the question.
    """
    text = text.strip()
    lowered = text.lower()
    for client in sorted(known_clients, key=len, reverse=True):
        m = re.search(r"\s+for\s+(the\s+)?" + re.escape(client.lower()) + r"\s*[?!.]*\s*$", lowered)
        if m:
            return text[: m.start()].strip(), client
    m = _FOR_CLIENT.search(text)
    if m and m.group("client")[:1].isupper():
        return text[: m.start()].strip(), m.group("client").strip()
    return text, None


def history_from_replies(
    messages: list[dict[str, Any]], *, before_ts: str, bot_user_id: str | None, bot_id: str | None
) -> list[Turn]:
    """The thread's earlier turns (oldest first) from conversations.replies messages.

    The bot's own messages are assistant turns; other bots, placeholders and anything at or after
    `before_ts` (the message being answered) are left out.
    """
    turns: list[Turn] = []
    for m in sorted(messages, key=lambda m: float(m.get("ts", "0"))):
        if float(m.get("ts", "0")) >= float(before_ts):
            break
        mine = (bot_user_id and m.get("user") == bot_user_id) or (bot_id and m.get("bot_id") == bot_id)
        if not mine and (m.get("bot_id") or m.get("subtype")):
            continue
        text = plain_text(m.get("text") or "", bot_user_id)
        if not text or text.startswith(PLACEHOLDER_PREFIX):
            continue
        turns.append(Turn(role="assistant" if mine else "user", text=text))
    return turns[-MAX_HISTORY_TURNS:]
