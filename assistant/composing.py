"""The offline composer: an answer built only from retrieved text, each claim followed by its citation.

No language model: an approved answer-library row is reused verbatim when it matches; otherwise the
sentences (or table rows) most similar to the question are picked from the best chunks. Nothing is
paraphrased, so no number, name or claim can appear that is not in the cited text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.catalog import keyword_terms
from assistant.models import ScoredChunk

_BOUNDARY = re.compile(r"[.!?](?=\s+[A-Z0-9\"'(\[$])")
_ABBREVIATION = re.compile(
    r"(?:\b[A-Za-z]|a\.m|p\.m|e\.g|i\.e|etc|vs|no|nos|inc|corp|co|ltd|llc|st|dr|mr|mrs|ms|u\.s|approx|dept|"
    r"fig|sec|art|vol|ref|min|max|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)$",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
MIN_SENTENCE_CHARS = 25
_EMPHASIS = re.compile(r"\*\*|__|`")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Sentence:
    text: str
    chunk: ScoredChunk
    order: int  # position within its chunk


@dataclass(frozen=True)
class Composition:
    """Selected sentences grouped by the chunk they cite, in reading order."""

    sentences: list[Sentence]
    approved: ScoredChunk | None = None  # an answer-library row reused verbatim

    def cited(self) -> list[ScoredChunk]:
        """The chunks this composition cites, in order of first appearance (citation [1] first)."""
        chunks = ([self.approved] if self.approved else []) + [s.chunk for s in self.sentences]
        return list({id(c): c for c in chunks}.values())


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


def split_sentences(chunk: ScoredChunk) -> list[Sentence]:
    """Sentences of prose, rows of tables; Q&A rows give their answer's sentences."""
    text = chunk.chunk.text
    if chunk.chunk.kind == "qa":
        text = text.split("\nA:", 1)[-1] if "\nA:" in text else text
    units: list[str] = []
    for line in text.split("\n"):
        line = _BULLET.sub("", line).strip()
        if not line:
            continue
        if chunk.chunk.kind == "table":
            units.append(line)
        else:
            units += sentences_of(line)
    return [
        Sentence(u, chunk, i)
        for i, u in enumerate(units)
        if len(u) >= MIN_SENTENCE_CHARS or any(ch.isdigit() for ch in u)
    ]


def keyword_overlap(question: str, text: str) -> float:
    """Share of the question's content terms found in the text (stem-insensitive, crude)."""
    terms = keyword_terms(question)
    if not terms:
        return 0.0
    lowered = text.lower()
    return sum(1 for t in terms if t[:5] in lowered) / len(terms)


def sentence_context(sentence: Sentence) -> str:
    """What a sentence means in place: under its section heading, or after its library question."""
    chunk = sentence.chunk.chunk
    context = chunk.question if chunk.kind == "qa" else chunk.heading_path or chunk.meta.title
    return f"{context}: {sentence.text}" if context else sentence.text


@dataclass(frozen=True)
class Selection:
    sentences: list[Sentence]
    best_similarity: float  # how well the best single sentence matches the question: the evidence


def select_sentences(
    question: str,
    query_vector: np.ndarray,
    support: list[ScoredChunk],
    embed: Callable[[list[str]], np.ndarray],
    max_sentences: int = 4,
    margin: float = 0.12,
) -> Selection:
    """The sentences that best answer the question, at most `max_sentences`, in reading order."""
    candidates = [s for chunk in support for s in split_sentences(chunk)]
    if not candidates:
        return Selection([], 0.0)
    vectors = embed([sentence_context(s) for s in candidates])
    sims = vectors @ query_vector
    scores = [
        float(sim)
        + 0.25 * keyword_overlap(question, s.text)
        + 0.05 * s.chunk.similarity
        + (0.03 if _DIGIT.search(s.text) else 0.0)
        for sim, s in zip(sims, candidates, strict=True)
    ]
    ranked = sorted(range(len(candidates)), key=lambda i: -scores[i])
    best = scores[ranked[0]]
    chosen: list[int] = []
    for i in ranked:
        if len(chosen) >= max_sentences or scores[i] < best - margin:
            break
        if any(_repeats(candidates[i], candidates[j]) for j in chosen):
            continue
        chosen.append(i)
    rank_of = {id(c): n for n, c in enumerate(support)}
    chosen.sort(key=lambda i: (rank_of[id(candidates[i].chunk)], candidates[i].order))
    return Selection([candidates[i] for i in chosen], float(sims.max()))


def _repeats(a: Sentence, b: Sentence) -> bool:
    """Two sentences saying the same thing (e.g. one answer in two libraries): most words shared."""
    wa, wb = set(keyword_terms(a.text)), set(keyword_terms(b.text))
    if not wa or not wb:
        return a.text.strip().lower() == b.text.strip().lower()
    return len(wa & wb) / len(wa | wb) >= 0.8


def render_cited(composition: Composition) -> str:
    """Answer text with a citation marker after each claim, numbered as in `Composition.cited`."""
    number = {id(c): n for n, c in enumerate(composition.cited(), start=1)}
    parts = []
    if composition.approved:
        parts.append(f"{_approved_text(composition.approved)} [{number[id(composition.approved)]}]")
    parts += [f"{_as_sentence(readable(s))} [{number[id(s.chunk)]}]" for s in composition.sentences]
    return " ".join(parts)


def render_prose(composition: Composition) -> str:
    """Proposal prose without citation markers (sources are listed under it)."""
    parts = [_approved_text(composition.approved)] if composition.approved else []
    parts += [_as_sentence(readable(s)) for s in composition.sentences]
    return " ".join(parts)


def _approved_text(chunk: ScoredChunk) -> str:
    text = chunk.chunk.text
    return text.split("\nA:", 1)[1].strip() if "\nA:" in text else text


def readable(sentence: Sentence) -> str:
    """A table row as a phrase: "Measure: Uptime | Commitment: 99.9%" reads "Uptime: 99.9%".

    Only labels are dropped, never values, so every fact of the row is still shown word for word.
    """
    if sentence.chunk.chunk.kind != "table" or " | " not in sentence.text:
        return sentence.text
    cells = [c.strip() for c in sentence.text.split(" | ")]
    values = [c.split(": ", 1)[1] if ": " in c else c for c in cells]
    if len(values) == 2:
        return f"{values[0]}: {values[1]}"
    rest = "; ".join(cells[1:])
    return f"{values[0]} ({rest})"


def _as_sentence(text: str) -> str:
    text = _EMPHASIS.sub("", text).strip()
    return text if text[-1:] in ".!?:" else text + "."
