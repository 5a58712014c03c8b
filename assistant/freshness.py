"""Freshness: which documents supersede which, fact by fact, and overdue reviews.

A document is superseded only when that is declared (a `supersedes:` metadata key naming one or more paths
relative to the knowledge root) or when it is the same document re-issued: same type, same client, and the
same title or file name once years, dates and edition words are set aside (`digital-mailroom-2023.md`
and `digital-mailroom.md`). A shared `offering` tag is a product family, never a version key.

A re-issued edition replaces its predecessor entirely. A different document that declares it supersedes
another does not hide it: only the older document's statements that the newer one makes again (about
the same thing, in other words or with other values) give way, so everything else it says stays
usable. Supersession is resolved within what a request may read: a newer document the audience cannot
see never hides, or names itself in a note about, an older one it can.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from assistant.models import Citation, Note, NoteKind
from assistant.text import client_key

_EDITION = re.compile(
    r"\b(?:19|20)\d{2}(?:[-_./]\d{1,2}){0,2}\b|\b(?:v|ver|version|rev|edition|ed)\s*\d+\b|"
    r"\(?(?:superseded|archived|old|new|current|draft|final)\)?|\bedition\b",
    re.IGNORECASE,
)
_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Supersession:
    """`old` is replaced by `new` (declared, or a re-issue of the same document)."""

    old: str
    new: str
    new_title: str
    new_date: str  # ISO date of the newer document, "" when it has none
    new_confidentiality: str
    new_client_key: str
    declared: bool
    reissue: bool  # the same document in a new edition: it replaces the old one entirely


def _identity(text: str) -> str:
    """A title or file name without years, dates and edition words: what stays the same on re-issue."""
    stem = text.rsplit("/", 1)[-1]
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", stem)
    return _NON_WORD.sub(" ", _EDITION.sub(" ", stem.casefold())).strip()


def _declared(meta: Mapping[str, Any]) -> list[str]:
    value = meta.get("supersedes")
    if value is None:
        value = (meta.get("extra") or {}).get("supersedes")
    if isinstance(value, str):
        return [value.strip().lstrip("./")]
    if isinstance(value, list):
        return [str(v).strip().lstrip("./") for v in value if str(v).strip()]
    return []


def supersessions(files: Mapping[str, tuple[str, Mapping[str, Any]]]) -> dict[str, Supersession]:
    """Every superseded document of a version: old source -> its supersession.

    `files` maps a source path to (doc type, metadata) as the catalog stores them.
    """
    out: dict[str, Supersession] = {}

    def record(old: str, new: str, declared: bool) -> None:
        _, meta = files[new]
        old_meta = files[old][1]
        same = {_identity(str(meta.get("title") or "")), _identity(new)} & {
            _identity(str(old_meta.get("title") or "")),
            _identity(old),
        }
        out[old] = Supersession(
            old=old,
            new=new,
            new_title=str(meta.get("title") or new),
            new_date=str(meta.get("effective_date") or ""),
            new_confidentiality=str(meta.get("confidentiality") or ""),
            new_client_key=client_key(meta.get("client")),
            declared=declared,
            reissue=bool(same - {""}) and files[old][0] == files[new][0],
        )

    for source, (_, meta) in files.items():
        for old in _declared(meta):
            if old in files and old != source:
                record(old, source, declared=True)
    groups: dict[tuple[str, str, str], list[str]] = {}
    for source, (doc_type, meta) in files.items():
        key_client = client_key(meta.get("client"))
        for identity in {_identity(str(meta.get("title") or "")), _identity(source)} - {""}:
            groups.setdefault((doc_type, key_client, identity), []).append(source)
    for members in groups.values():
        dated = [m for m in dict.fromkeys(members) if files[m][1].get("effective_date")]
        if len(dated) < 2:
            continue
        newest = max(dated, key=lambda m: str(files[m][1]["effective_date"]))
        for m in dated:
            if m not in out and str(files[m][1]["effective_date"]) < str(files[newest][1]["effective_date"]):
                record(m, newest, declared=False)
    return out


def visible_supersessions(
    all_supersessions: Mapping[str, Supersession],
    confidentiality: Iterable[str] | None,
    client_keys: Iterable[str] | None,
) -> dict[str, Supersession]:
    """The supersessions whose newer document the request may read (None: unrestricted)."""
    levels = set(confidentiality) if confidentiality is not None else None
    clients = set(client_keys) if client_keys is not None else None
    return {
        old: s
        for old, s in all_supersessions.items()
        if (levels is None or s.new_confidentiality in levels)
        and (clients is None or s.new_client_key in clients)
    }


def superseded_note(old_title: str, s: Supersession) -> Note:
    """The note shown when statements of an older document were left out in favour of the newer one."""
    date = f" (effective {s.new_date})" if s.new_date else ""
    text = f"Older statements in {old_title} were left out: {s.new_title}{date} supersedes them."
    return Note(kind=NoteKind.SUPERSEDED, text=text)


def replaced_note(old_title: str, s: Supersession) -> Note:
    """The note shown when a re-issued document's earlier edition was left out."""
    date = f" (effective {s.new_date})" if s.new_date else ""
    text = f"Not used: {old_title} is replaced by its newer edition, {s.new_title}{date}."
    return Note(kind=NoteKind.REPLACED_EDITION, text=text)


def review_notes(citations: list[Citation]) -> list[Note]:
    """One note per cited document that is past its review date."""
    seen: set[str] = set()
    notes = []
    for c in citations:
        if c.review_overdue and c.review_by and c.source not in seen:
            seen.add(c.source)
            text = f"{c.title} was due for review on {c.review_by.isoformat()}: check it is still current."
            notes.append(Note(kind=NoteKind.REVIEW_DUE, text=text))
    return notes


def is_overdue(review_by: dt.date | None, today: dt.date) -> bool:
    return review_by is not None and review_by < today
