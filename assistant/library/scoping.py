"""Whose an approved entry is, and who may read it: client scoping and confidentiality.

A library file's sidecar applies to all of its rows, so an entry kept as one client's goes to that
client's own file. An entry is that client's when it names the client or repeats the client's figures,
or when it comes from a client's documents at all (a draft for no client that quotes a SOW).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from assistant.answering.grounding import numbers_in
from assistant.errors import LibraryError
from assistant.library.entries import Approval
from assistant.models import Confidentiality
from assistant.text import client_key


@dataclass(frozen=True)
class SourceFacts:
    """What scoping needs to know of a cited document (from the live catalog)."""

    client: str | None
    confidentiality: str
    numbers: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class Scope:
    client: str | None
    confidentiality: Confidentiality
    note: str | None = None  # why the approver's choice was narrowed, to tell them


def names_client(text: str, client: str) -> bool:
    words = [w for w in re.split(r"\W+", client) if len(w) > 2]
    lowered = text.lower()
    if re.search(r"\b" + re.escape(client.lower()) + r"\b", lowered):
        return True
    # "Pinecrest" alone names Pinecrest Health; "Health" alone does not
    return bool(words) and re.search(r"\b" + re.escape(words[0].lower()) + r"\b", lowered) is not None


def scope_of(approval: Approval, facts: Mapping[str, SourceFacts]) -> Scope:
    """The client an entry is kept for and its confidentiality (internal unless the approver said public)."""
    cited = [facts[s.source] for s in approval.sources if s.source in facts]
    clients = {client_key(f.client): f.client for f in cited if f.client}
    client: str | None = None
    written_for = approval.written_for
    if written_for:
        own_numbers = set().union(
            *(f.numbers for f in cited if client_key(f.client) == client_key(written_for))
        )
        figures = bool(own_numbers & numbers_in(approval.answer))
        cites_own = client_key(written_for) in clients
        if names_client(approval.answer, written_for) or figures or cites_own:
            client = written_for
    others = {k: v for k, v in clients.items() if k != client_key(client)}
    if others and client is None and len(others) == 1:
        client = next(iter(others.values()))
    elif others:
        names = ", ".join(sorted(str(v) for v in others.values()))
        raise LibraryError(
            f"this answer draws on documents of {names}; approve a draft written for that client instead"
        )
    if not approval.public:
        return Scope(client, Confidentiality.INTERNAL)
    if any(f.confidentiality == Confidentiality.CONFIDENTIAL.value for f in cited):
        return Scope(client, Confidentiality.INTERNAL, "kept internal: it draws on confidential documents")
    return Scope(client, Confidentiality.PUBLIC)
