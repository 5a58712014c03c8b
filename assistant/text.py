"""Text analysis shared by indexing, retrieval, composing and the adapters: terms, sentences, client names.

One definition each: the content terms of a query (what the keyword index and the grounding checks
compare), the abbreviation-aware sentence splitter, whitespace squashing, and `same_client`, the one rule
by which two client names are the same client (confidentiality depends on it).
"""

from __future__ import annotations

import re

STOPWORDS = frozenset(
    """
    a an and are as at be by can do does did for from has have how i if in is it its of on or our
    the this that to was we what when where which who why will with you your us me my they them
    about any there their then than so not no yes pls please hey hi
    """.split()  # noqa: SIM905
)
_TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z.%$']*")
_SPACE = re.compile(r"\s+")

_BOUNDARY = re.compile(r"[.!?](?=\s+[A-Z0-9\"'(\[$])")
_ABBREVIATION = re.compile(
    r"(?:\b[A-Za-z]|a\.m|p\.m|e\.g|i\.e|etc|vs|no|nos|inc|corp|co|ltd|llc|st|dr|mr|mrs|ms|u\.s|approx|dept|"
    r"fig|sec|art|vol|ref|min|max|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)$",
    re.IGNORECASE,
)


def client_key(client: str | None) -> str:
    """The normalised form used to compare client names ("" for documents without a client)."""
    return " ".join((client or "").casefold().split())


def same_client(a: str | None, b: str | None) -> bool:
    """True when two client names name the same client (case and spacing ignored)."""
    return client_key(a) == client_key(b)


def squash(text: str) -> str:
    """Runs of whitespace (newlines included) as single spaces, trimmed."""
    return _SPACE.sub(" ", text).strip()


def keyword_terms(text: str) -> list[str]:
    """Content terms of a query, lower-cased, without stopwords, in order, deduplicated."""
    seen: dict[str, None] = {}
    for raw in _TOKEN.findall(text):
        term = raw.strip(".'").lower()
        if (term and term not in STOPWORDS and len(term) > 1) or term.isdigit():
            seen.setdefault(term, None)
    return list(seen)


def sentences_of(line: str) -> list[str]:
    """Split a line of prose into sentences, not breaking after abbreviations such as "p.m." or "e.g."."""
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(line):
        before = line[start : m.start()].rsplit(None, 1)[-1] if line[start : m.start()].strip() else ""
        if m.group() == "." and _ABBREVIATION.search(before):
            continue
        out.append(line[start : m.end()].strip())
        start = m.end()
    tail = line[start:].strip()
    if tail:
        out.append(tail)
    return out
