"""Confidentiality: what a request may read, and a last check that nothing shown names another client.

External audiences (a channel with client guests) read public documents only. A request for client X
reads documents without a client plus X's own, never another client's. Internal requests without a
client read everything: our own people may ask about our own past deals.
"""

from __future__ import annotations

import re

from assistant.models import Audience, Confidentiality, Request
from assistant.retrieval.retriever import Scope
from assistant.text import client_key, same_client


def scope_for(request: Request) -> Scope:
    """The retrieval scope of a request."""
    confidentiality: tuple[str, ...] | None = None
    client_keys: tuple[str, ...] | None = None
    if request.audience is Audience.EXTERNAL:
        confidentiality = (Confidentiality.PUBLIC.value,)
        client_keys = ("", client_key(request.client)) if request.client else ("",)
    elif request.client:
        client_keys = ("", client_key(request.client))
    return Scope(confidentiality, client_keys)


def forbidden_clients(request: Request, known_clients: list[str]) -> list[str]:
    """Client names that must not appear in what this request shows."""
    if request.audience is Audience.INTERNAL and not request.client:
        return []
    return [c for c in known_clients if not same_client(c, request.client)]


def name_pattern(names: list[str]) -> re.Pattern[str] | None:
    """A case-insensitive whole-word pattern for client names and their distinctive first word."""
    variants: set[str] = set()
    for name in names:
        variants.add(name)
        first = name.split()[0]
        # "Pinecrest Health" is also written "Pinecrest": guard the distinctive first word too.
        if len(first) >= 5 and first.lower() not in _COMMON_FIRST_WORDS:
            variants.add(first)
    if not variants:
        return None
    alternatives = "|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)


def partial_name_pattern(name: str) -> re.Pattern[str] | None:
    """A client named in part: its distinctive first word, or any two consecutive words of its name
    ("the credit union statements deal" for "Summit Valley Credit Union"). For routing an internal
    question to that client's documents, never for confidentiality (use `name_pattern`)."""
    words = name.split()
    pairs = [" ".join(words[i : i + 2]) for i in range(len(words) - 1)]
    return name_pattern([name, *pairs])


def mentions_any(text: str, pattern: re.Pattern[str] | None) -> bool:
    return bool(pattern and pattern.search(text))


_COMMON_FIRST_WORDS = {
    "state", "county", "city", "department", "national", "first", "united", "american", "general",
    "global", "public", "federal", "north", "south", "east", "west", "central", "mutual", "health",
    "commonwealth", "great", "new", "royal", "metro", "regional",
}  # fmt: skip
