"""An approved answer-library entry: who approved what, when, from which sources, for whom."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, Field

from assistant.models import Confidentiality

Origin = Literal["slack", "questionnaire"]

_CITATION = re.compile(r"\s*\[\d+\]")


class EntrySource(BaseModel):
    """A document an approved answer came from: its path in the knowledge folder and, if known, the chunk."""

    source: str
    chunk_id: str | None = None


class Approval(BaseModel):
    """What a person approved, before it is stored: the input of `AnswerLibrary.approve`."""

    question: str
    answer: str
    approved_by: str
    origin: Origin
    origin_ref: str  # what makes a second approval of the same thing a repeat (answer id, fill id + row)
    written_for: str | None = None  # the client the answer was drafted for, if any
    sources: list[EntrySource] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    public: bool = False  # only when the approver says so
    owner: str | None = None


class Entry(BaseModel):
    """An approved entry as stored; `file` is the library file it was written to (None: not yet)."""

    id: int
    key: str  # the entry_id column of its library row
    approved_at: dt.datetime
    approved_by: str
    question: str
    answer: str
    tags: list[str]
    client: str | None  # kept as this client's (see scoping); None: usable for every client
    written_for: str | None
    confidentiality: Confidentiality
    sources: list[EntrySource]
    origin: Origin
    origin_ref: str
    owner: str | None
    file: str | None = None
    written_at: dt.datetime | None = None


def clean_answer(text: str) -> str:
    """An answer as the library keeps it: citation markers dropped, whitespace tidied."""
    lines = [" ".join(_CITATION.sub("", line).split()) for line in text.strip().splitlines()]
    return "\n".join(lines).strip()
