"""Locating the clause of each playbook topic in a document, from the topic's own words.

Every clause (sentence or table row) is scored for every topic by four kinds of evidence: meaning
(embedding similarity of the clause, with its section, to the topic's title and description), the
topic's vocabulary in the clause (title and keywords), the same vocabulary in the section heading, and
a value in the unit the topic is judged in. The best clause above FOUND_SCORE is the topic's clause;
when it carries no value of that unit, a neighbouring sentence that does joins the quote.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.retrieval.embedding import Embedder
from assistant.sow_review.playbook import Topic
from assistant.sow_review.reading import Clause, Draft
from assistant.sow_review.values import Value, extract_values, in_unit
from assistant.text import keyword_terms

__all__ = ["FOUND_SCORE", "ClauseFinder", "Location", "Weights"]

FOUND_SCORE = 0.5


@dataclass(frozen=True)
class Weights:
    """How much each kind of evidence counts (they sum to 1)."""

    meaning: float = 0.5
    vocabulary: float = 0.3
    heading: float = 0.1
    value: float = 0.1


@dataclass(frozen=True)
class Location:
    """Where a topic's clause is: its section, the quoted sentences and the values read from them."""

    section: str
    clauses: list[Clause]
    values: list[Value]
    score: float

    @property
    def quote(self) -> str:
        return " ".join(c.text for c in self.clauses)


class ClauseFinder:
    """Finds topics' clauses in documents; topic vectors are computed once per topic text."""

    def __init__(
        self, embedder: Embedder, *, found_score: float = FOUND_SCORE, weights: Weights | None = None
    ) -> None:
        self._embedder = embedder
        self.found_score = found_score
        self.weights = weights or Weights()

    def scores(self, topics: list[Topic], clauses: list[Clause]) -> np.ndarray:
        """A (topics x clauses) matrix of combined scores in 0..1."""
        if not topics or not clauses:
            return np.zeros((len(topics), len(clauses)), dtype=np.float32)
        w = self.weights
        meaning = self._meaning(topics, clauses)
        clause_terms = [_stems(c.text) for c in clauses]
        section_terms = [_stems(c.section) for c in clauses]
        clause_values = [extract_values(c.text) for c in clauses]
        out = np.zeros((len(topics), len(clauses)), dtype=np.float32)
        for t, topic in enumerate(topics):
            phrases = _phrases(topic)
            for c in range(len(clauses)):
                vocabulary = _coverage(phrases, clause_terms[c])
                heading = _coverage(phrases, section_terms[c])
                has_value = float(_has_unit(clause_values[c], topic.measure))
                out[t, c] = (
                    w.meaning * max(0.0, float(meaning[t, c]))
                    + w.vocabulary * vocabulary
                    + w.heading * heading
                    + w.value * has_value
                )
        return out

    def locate(self, topics: list[Topic], draft: Draft) -> dict[str, Location | None]:
        """Each topic's clause in the draft, or None when no clause scores FOUND_SCORE."""
        matrix = self.scores(topics, draft.clauses)
        found: dict[str, Location | None] = {}
        for t, topic in enumerate(topics):
            if not draft.clauses:
                found[topic.id] = None
                continue
            best = int(np.argmax(matrix[t]))
            score = float(matrix[t, best])
            found[topic.id] = (
                self._location(topic, draft, draft.clauses[best], score)
                if score >= self.found_score
                else None
            )
        return found

    def _location(self, topic: Topic, draft: Draft, clause: Clause, score: float) -> Location:
        chosen = [clause]
        values = extract_values(clause.text)
        if topic.measure and not _has_unit(values, topic.measure):
            for other in draft.neighbours(clause):
                extra = extract_values(other.text)
                if _has_unit(extra, topic.measure):
                    chosen = sorted([clause, other], key=lambda c: c.index)
                    break
        values = extract_values(" ".join(c.text for c in chosen))  # offsets into the quote
        return Location(section=clause.section, clauses=chosen, values=values, score=score)

    def _meaning(self, topics: list[Topic], clauses: list[Clause]) -> np.ndarray:
        views = [f"{t.title}. {t.description}" for t in topics]
        topic_vectors = self._embedder.embed_cached(views)
        texts = [f"{c.section}: {c.text}" if c.section else c.text for c in clauses]
        clause_vectors = self._embedder.embed(texts)
        return np.asarray(topic_vectors @ clause_vectors.T)


def _stem(term: str) -> str:
    term = term.lower().strip("'’")
    return term[:6] if len(term) > 6 else term.rstrip("s")


def _stems(text: str) -> set[str]:
    return {_stem(t) for t in keyword_terms(text) if not t.replace(".", "").isdigit()}


def _phrases(topic: Topic) -> list[list[str]]:
    out = []
    for phrase in [topic.title, *topic.keywords]:
        stems = list(dict.fromkeys(_stem(t) for t in keyword_terms(phrase)))
        if stems:
            out.append(stems)
    return out


def _coverage(phrases: list[list[str]], terms: set[str]) -> float:
    """The best share of one phrase's terms found in `terms` (1.0: a whole phrase is there)."""
    return max((sum(s in terms for s in p) / len(p) for p in phrases), default=0.0)


def _has_unit(values: list[Value], unit: str | None) -> bool:
    return unit is not None and any(in_unit(v, unit) is not None for v in values)
