"""Library health: likely conflicts, answers a newer document contradicts, stale and ownerless rows,
answers that cite nothing checkable, and which rows are used most and never.

Near-duplicate questions are found with the project's embedding model (one pass over the questions, then
blockwise cosine similarity), compared only where both rows could answer the same request (same client,
or one of them for every client).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from assistant.answering.grounding import abbreviations_in, numbers_in
from assistant.library.facts import FactIndex, facts_in
from assistant.library.rows import LibraryRow
from assistant.library.usage import Usage
from assistant.text import client_key, keyword_terms

Kind = Literal["conflict", "outdated", "stale", "no owner", "uncheckable"]
KINDS: tuple[Kind, ...] = ("conflict", "outdated", "stale", "no owner", "uncheckable")
NO_OWNER = "(no owner)"
NEAR_DUPLICATE = 0.9  # cosine similarity of two questions asked the same way
SAME_ANSWER = 0.8  # share of content words two answers must share to say the same
MIN_WORDS = 8  # an answer shorter than this says too little to be checked
_BLOCK = 1024


class Embeds(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Document:
    """A non-library document of the live version, as the outdated-value check reads it."""

    source: str
    title: str
    effective_date: dt.date | None
    client: str | None
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    kind: Kind
    rows: tuple[LibraryRow, ...]
    detail: str


@dataclass
class LintReport:
    rows: list[LibraryRow]
    findings: list[Finding]
    problems: list[str] = field(default_factory=list)  # library files that could not be read
    usage: Usage | None = None

    @property
    def conflicts(self) -> int:
        return sum(f.kind in ("conflict", "outdated") for f in self.findings)

    def by_owner(self) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {}
        for finding in self.findings:
            for owner in dict.fromkeys(r.owner or NO_OWNER for r in finding.rows):
                out.setdefault(owner, []).append(finding)
        return dict(sorted(out.items()))


def lint_library(
    rows: list[LibraryRow],
    embedder: Embeds,
    documents: Iterable[Document],
    *,
    today: dt.date,
    max_age_days: int,
) -> LintReport:
    """Every finding about the library rows (see the module docstring)."""
    findings = [*near_duplicates(rows, embedder), *outdated(rows, documents)]
    findings += stale(rows, today=today, max_age_days=max_age_days)
    findings += [Finding("no owner", (r,), "no owner in the row or the file") for r in rows if not r.owner]
    findings += [Finding("uncheckable", (r,), why) for r in rows if (why := uncheckable(r.answer))]
    return LintReport(rows, findings)


def _same_audience(a: LibraryRow, b: LibraryRow) -> bool:
    return not a.client or not b.client or client_key(a.client) == client_key(b.client)


def _content(text: str) -> set[str]:
    return {t for t in keyword_terms(text) if not any(ch.isdigit() for ch in t)}


def answers_differ(a: str, b: str) -> bool:
    if " ".join(a.split()).casefold() == " ".join(b.split()).casefold():
        return False
    if numbers_in(a) != numbers_in(b):
        return True
    words_a, words_b = _content(a), _content(b)
    smaller = min(len(words_a), len(words_b)) or 1
    return len(words_a & words_b) / smaller < SAME_ANSWER


def near_duplicates(rows: list[LibraryRow], embedder: Embeds) -> list[Finding]:
    """Pairs of rows asking the same question with answers that differ."""
    if len(rows) < 2:
        return []
    vectors = np.asarray(embedder.embed([r.question for r in rows]), dtype=np.float32)
    findings = []
    for start in range(0, len(rows), _BLOCK):
        sims = vectors[start : start + _BLOCK] @ vectors.T
        for i, j in zip(*np.nonzero(sims >= NEAR_DUPLICATE), strict=True):
            a, b = start + int(i), int(j)
            if b <= a or not _same_audience(rows[a], rows[b]):
                continue
            if answers_differ(rows[a].answer, rows[b].answer):
                findings.append(
                    Finding(
                        "conflict",
                        (rows[a], rows[b]),
                        f"same question ({float(sims[i, j]):.2f} similar), different answers",
                    )
                )
    return findings


def outdated(rows: list[LibraryRow], documents: Iterable[Document]) -> list[Finding]:
    """Rows stating a value that a newer document (for every client, or the row's) states differently."""
    indexes: dict[str, FactIndex] = {}  # client key -> facts of that client's documents ("" : no client)
    dated: dict[str, tuple[Document, dt.date]] = {}
    for doc in documents:
        if doc.effective_date is None:
            continue
        dated[doc.source] = (doc, doc.effective_date)
        index = indexes.setdefault(client_key(doc.client), FactIndex())
        for text in doc.texts:
            for fact in facts_in(text):
                index.add(fact, doc.source)
    findings = []
    for row in rows:
        since = row.last_reviewed or row.effective_date
        stated = {(f.unit, f.value) for f in facts_in(row.answer)}
        shown: set[tuple[str, str]] = set()
        for fact in facts_in(row.answer):
            keys = {"", client_key(row.client)}
            for key in keys:
                for other, source in indexes.get(key, FactIndex()).disagreeing(fact, stated):
                    doc, date = dated[source]
                    if since is not None and date <= since:
                        continue
                    if (source, fact.value) in shown:
                        continue
                    shown.add((source, fact.value))
                    findings.append(
                        Finding(
                            "outdated",
                            (row,),
                            f'says "{_unit_text(fact.value, fact.unit)}" but {doc.title} ({source}, '
                            f'effective {date.isoformat()}) says "{other.sentence[:160]}"',
                        )
                    )
    return findings


def _unit_text(value: str, unit: str) -> str:
    return f"${value}" if unit == "$" else f"{value}{unit}" if unit == "%" else f"{value} {unit}"


def stale(rows: list[LibraryRow], *, today: dt.date, max_age_days: int) -> list[Finding]:
    limit = today - dt.timedelta(days=max_age_days)
    out = []
    for row in rows:
        if row.last_reviewed is None:
            out.append(Finding("stale", (row,), "never reviewed (no last_reviewed)"))
        elif row.last_reviewed < limit:
            out.append(Finding("stale", (row,), f"last reviewed {row.last_reviewed.isoformat()}"))
    return out


def uncheckable(answer: str) -> str | None:
    """Why an answer gives a reader nothing to check, or None when it states a number or a name."""
    words = answer.split()
    if len(words) < MIN_WORDS:
        return f"too short to be useful ({len(words)} words)"
    if numbers_in(answer) or abbreviations_in(answer) or _names_in(answer):
        return None
    return "no number and no name to check"


def _names_in(text: str) -> bool:
    """A capitalised word that does not open its sentence: a product, a place, a standard."""
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if any(len(w) > 1 and w[0].isupper() and w[1].islower() for w in sentence.split()[1:]):
            return True
    return False
