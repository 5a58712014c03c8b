"""Whether a model's reply is grounded: sentence by sentence, in the sources each sentence cites.

A sentence must cite; its numbers must be numbers of the cited text as whole tokens (so "9%" is not
found in "99.9%", and "1,000" is "1000"); its abbreviations must be written in the cited text; and most
of its content words must be words of the cited text, compared by a light stem (not by a prefix found
anywhere, which lets "free" pass on "freight").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from assistant.answering.composing import sentences_of
from assistant.models import ScoredChunk
from assistant.text import keyword_terms

CITATION = re.compile(r"\[(\d+)\]")
_LEADING_CITATIONS = re.compile(r"^(?:\s*\[\d+\])+")
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9.,])(?P<cur>[$€£]\s?)?(?P<num>\d[\d,]*(?:[.:]\d+)*)"
    r"(?P<unit>\s?(?:%|percent\b|per cent\b|USD\b|dollars?\b))?"
)
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_ABBREVIATION = re.compile(r"\b(?:[A-Z]\.){2,}|\b[A-Z][A-Z0-9&]{1,7}\b")
_STEM_SUFFIXES = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("ly", ""))


@dataclass(frozen=True)
class ReplySentence:
    text: str  # without its citation markers
    cites: tuple[int, ...]


def reply_sentences(reply: str) -> list[ReplySentence]:
    """The reply's sentences with the citations each carries ("[2]" opening a sentence ends the last one)."""
    pieces: list[str] = []
    for line in reply.splitlines():
        for sentence in sentences_of(line.strip()):
            lead = _LEADING_CITATIONS.match(sentence)
            if lead and pieces:
                pieces[-1] += lead.group()
                sentence = sentence[lead.end() :].strip()
            if sentence:
                pieces.append(sentence)
    out = []
    for piece in pieces:
        cites = tuple(int(n) for n in CITATION.findall(piece))
        text = " ".join(CITATION.sub(" ", piece).split())
        out.append(ReplySentence(text, cites))
    return out


def numbers_in(text: str) -> set[tuple[str, str]]:
    """Whole-token numbers as (value, unit): "$1,000" -> ("1000", "$"), "99.9 percent" -> ("99.9", "%")."""
    found: set[tuple[str, str]] = set()
    for m in _NUMBER.finditer(text):
        unit = (m.group("unit") or "").strip().lower()
        kind = "$" if m.group("cur") or unit in ("usd", "dollar", "dollars") else "%" if unit else ""
        raw = m.group("num").rstrip(",")
        values = [raw.replace(",", "")] if _THOUSANDS.match(raw) else [v for v in raw.split(",") if v]
        found.update((_normalised(v), kind) for v in values)
    return found


def _normalised(value: str) -> str:
    if ":" in value:  # a time of day
        return value
    try:
        return format(Decimal(value).normalize(), "f")
    except InvalidOperation:
        return value


def stem(term: str) -> str:
    """A light stem so that "mailed", "mails" and "mailing" meet "mail" (and "received" meets "receive")."""
    t = term.lower().strip(".'")
    t = t.removesuffix("'s")
    for suffix, replacement in _STEM_SUFFIXES:
        if t.endswith(suffix) and len(t) - len(suffix) >= 3 and not (suffix == "s" and t.endswith("ss")):
            t = t[: -len(suffix)] + replacement
            break
    return t[:-1] if len(t) > 4 and t.endswith("e") else t


def content_stems(text: str) -> list[str]:
    """Stems of the content words of a text, numbers left out (they are checked as numbers)."""
    return [stem(t) for t in keyword_terms(text) if not any(ch.isdigit() for ch in t)]


def abbreviations_in(text: str) -> set[str]:
    """Capitalised abbreviations ("SVCU", "P.H.") in the form they are compared: letters only, upper case."""
    return {m.group().replace(".", "") for m in _ABBREVIATION.finditer(text)}


def source_text(source: ScoredChunk) -> str:
    """What the prompt showed of a source: its title, section and text."""
    return f"{source.chunk.meta.title}\n{source.chunk.heading_path}\n{source.chunk.text}"


def sentence_problem(
    number: int, sentence: ReplySentence, sources: Sequence[ScoredChunk], min_share: float
) -> str | None:
    """Why one sentence of a reply is not grounded in the sources it cites, or None (`min_share`: the
    share of its content words that must appear in them, Tuning.grounded_share)."""
    where = f"sentence {number}"
    if not sentence.cites:
        return f"{where} cites no source" if content_stems(sentence.text) else None
    cited = "\n".join(source_text(sources[n - 1]) for n in sentence.cites)
    known_numbers = numbers_in(cited)
    known_numbers |= {(value, "") for value, _ in known_numbers}
    for value, unit in sorted(numbers_in(sentence.text)):
        if (value, unit) not in known_numbers:
            shown = f"{value}{unit}" if unit == "%" else f"{unit}{value}"
            return f"the number {shown!r} in {where} does not appear in the sources it cites"
    # Compared with every word of the cited text, so "PM" is found in "p.m." but "SVCU" is not in a name.
    cited_words = {w.replace(".", "").upper() for w in re.findall(r"[\w.&]+", cited)}
    unknown = sorted(abbreviations_in(sentence.text) - cited_words)
    if unknown:
        return f"the abbreviation {unknown[0]!r} in {where} does not appear in the sources it cites"
    stems = content_stems(sentence.text)
    if stems:
        known = set(content_stems(cited))
        share = sum(1 for s in stems if s in known) / len(stems)
        if share < min_share:
            return f"only {share:.0%} of the content words of {where} appear in the sources it cites"
    return None


def _grounded_share(sentence: ReplySentence, source: ScoredChunk) -> float:
    stems = content_stems(sentence.text)
    known = set(content_stems(source_text(source)))
    return sum(1 for s in stems if s in known) / len(stems) if stems else 0.0


def attributed(reply: str, sources: Sequence[ScoredChunk], min_share: float) -> str:
    """The reply with a citation added to each sentence that has none but is grounded in one source.

    Small models often write a correct sentence and forget its marker. A sentence without one is given
    the source that grounds it by the same rules `sentence_problem` applies (its numbers, abbreviations
    and content words are that source's), the best-covering source first; a sentence no single source
    grounds stays uncited, and the reply is then refused as before. A reply whose sentences all cite
    is returned unchanged.
    """
    sentences = reply_sentences(reply)
    if all(s.cites or not content_stems(s.text) for s in sentences):
        return reply
    pieces = []
    for sentence in sentences:
        cites = sentence.cites
        if not cites and content_stems(sentence.text):
            grounding = [
                (_grounded_share(sentence, source), n)
                for n, source in enumerate(sources, start=1)
                if sentence_problem(0, ReplySentence(sentence.text, (n,)), sources, min_share) is None
            ]
            cites = (max(grounding)[1],) if grounding else ()
        body = sentence.text.rstrip()
        end = body[-1] if body and body[-1] in ".!?" else ""
        body = body[: len(body) - len(end)].rstrip()
        markers = "".join(f" [{n}]" for n in cites)
        pieces.append(f"{body}{markers}{end}")
    return " ".join(pieces)


def initialisms(names: Sequence[str]) -> set[str]:
    """Initials a client name is abbreviated to ("Summit Valley Credit Union" -> "SVCU", "SVC")."""
    out = set()
    for name in names:
        words = [w for w in re.findall(r"[A-Za-z]+", name) if w.lower() not in ("of", "the", "and", "for")]
        if len(words) >= 2:
            out.add("".join(w[0] for w in words).upper())
            out.add("".join(w[0] for w in words[:-1]).upper())  # "Credit Union" or "Health" left off
    return {i for i in out if len(i) >= 2}
