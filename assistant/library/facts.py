"""Stated values in text ("99.9% uptime", "within 24 hours", "$0.038 per image") and what they are about.

A fact is a number with its unit and the content words of its sentence; two facts are about the same
thing when they share the unit and most of those words, and disagree when their numbers differ.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from assistant.answering.grounding import content_stems, stem
from assistant.text import sentences_of

_VALUE = re.compile(
    r"(?<![A-Za-z0-9.,])(?P<cur>[$€£]\s?)?(?P<num>\d[\d,]*(?:\.\d+)?)\s?(?P<unit>%|percent\b|[A-Za-z]+)?"
)
_UNIT_ALIASES = {
    "percent": "%",
    "hrs": "hour",
    "hr": "hour",
    "mins": "minute",
    "min": "minute",
    "yrs": "year",
}
_UNITS = {"%", "hour", "day", "minute", "second", "week", "month", "year", "business", "calendar"}
MIN_SHARED = 3  # content words two sentences must share to be about the same thing
MIN_SHARE = 0.6  # ... and this share of the shorter one's


@dataclass(frozen=True)
class Fact:
    unit: str
    value: str
    subject: frozenset[str]
    sentence: str


def facts_in(text: str) -> list[Fact]:
    """The unit-bearing numbers of a text, one per number, with their sentence's content words."""
    out: list[Fact] = []
    for line in text.splitlines():
        for sentence in sentences_of(line.strip()):
            found = list(_VALUE.finditer(sentence))
            if not found:
                continue
            units = {_unit(m) for m in found}
            subject = frozenset(s for s in content_stems(sentence) if s not in units)
            for m in found:
                unit = _unit(m)
                if unit:
                    out.append(Fact(unit, m.group("num").replace(",", ""), subject, sentence))
    return out


def _unit(m: re.Match[str]) -> str:
    if m.group("cur"):
        return "$"
    word = (m.group("unit") or "").lower()
    word = _UNIT_ALIASES.get(word, word)
    word = stem(word) if word != "%" else word
    return word if word in _UNITS else ""


class FactIndex:
    """Facts of many documents, found again by unit and shared content words."""

    def __init__(self) -> None:
        self._facts: list[tuple[Fact, str]] = []
        self._by_word: dict[tuple[str, str], list[int]] = defaultdict(list)

    def add(self, fact: Fact, where: str) -> None:
        index = len(self._facts)
        self._facts.append((fact, where))
        for word in fact.subject:
            self._by_word[(fact.unit, word)].append(index)

    def disagreeing(self, fact: Fact, stated: set[tuple[str, str]]) -> list[tuple[Fact, str]]:
        """Indexed facts about the same thing with another value (none of which `stated` also says)."""
        shared: Counter[int] = Counter()
        for word in fact.subject:
            shared.update(self._by_word.get((fact.unit, word), ()))
        out = []
        for index, count in shared.items():
            other, where = self._facts[index]
            smaller = min(len(fact.subject), len(other.subject)) or 1
            if count < MIN_SHARED or count / smaller < MIN_SHARE:
                continue
            if other.value != fact.value and (other.unit, other.value) not in stated:
                out.append((other, where))
        return out
