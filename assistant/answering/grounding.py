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
    text: str  # without its citation markers, list marker or bold markup
    cites: tuple[int, ...]
    line: int = 0  # the reply line it is on, so a rewritten reply keeps its paragraphs and lists
    marker: str = ""  # the list marker ("- ", "2. ") that opened its line, if it is the line's first


_LIST_MARKER = re.compile(r"^(?:[-*•]|\d{1,2}[.)])\s+")


def reply_sentences(reply: str) -> list[ReplySentence]:
    """The reply's sentences with the citations each carries ("[2]" opening a sentence ends the last one).

    A list marker opening a line ("1.", "-") and Markdown bold are layout, not text: a numbered list's
    "1." is not a number the sources must state.
    """
    pieces: list[tuple[str, int, str]] = []
    for line_number, line in enumerate(reply.splitlines()):
        line = line.strip().replace("**", "")
        marker = _LIST_MARKER.match(line)
        line = line[marker.end() :] if marker else line
        for sentence in sentences_of(line):
            lead = _LEADING_CITATIONS.match(sentence)
            if lead and pieces:
                text, number, opener = pieces[-1]
                pieces[-1] = (text + lead.group(), number, opener)
                sentence = sentence[lead.end() :].strip()
            if sentence:
                opener = marker.group() if marker and (not pieces or pieces[-1][1] != line_number) else ""
                pieces.append((sentence, line_number, opener))
    out = []
    for piece, line_number, opener in pieces:
        cites = tuple(int(n) for n in CITATION.findall(piece))
        text = " ".join(CITATION.sub(" ", piece).split())
        out.append(ReplySentence(text, cites, line_number, opener))
    return out


def rejoined(sentences: Sequence[ReplySentence]) -> str:
    """Sentences back into a reply: one line per reply line, list markers where they were."""
    lines: dict[int, list[str]] = {}
    for sentence in sentences:
        lines.setdefault(sentence.line, []).append(sentence.marker + _rendered(sentence))
    return "\n".join(" ".join(parts) for parts in lines.values())


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


_QUANTITY_AFTER = re.compile(
    r"\s*(?:(?:-|to|and)\s*\d[\d,.]*\s*)?(?:business\s+|calendar\s+|working\s+)?(?:minutes?|mins?|hours?|hrs?|"
    r"days?|weeks?|months?|years?)\b|\s?(?:a\.m\.|p\.m\.|am\b|pm\b)",
    re.I,
)
_QUANTITY_BEFORE = re.compile(r"\bnet\s*$", re.I)
_NOT_INITIALLED = frozenset(("of", "the", "and", "for"))  # words an abbreviation skips ("Bank of X": BX)


def quantities_in(text: str) -> set[str]:
    """The amounts a text states (money, percentages, durations and times, "net 30" terms) as values;
    dates, standard numbers ("ISO 27001", "SOC 2") and counts are left out."""
    found = set()
    plain = CITATION.sub(" ", text)
    for m in _NUMBER.finditer(plain):
        after, before = _QUANTITY_AFTER.match(plain, m.end()), _QUANTITY_BEFORE.search(plain, 0, m.start())
        if m.group("cur") or m.group("unit") or after or before:
            found |= {value for value, _ in numbers_in(m.group())}
    return found


def opening_facts_left_out(offline: str, reply: str) -> list[str]:
    """The amounts and abbreviations of the offline answer's opening sentence that the reply does not state.

    The composer opens with the sentence its evidence ranks best for the question; a reply that drops
    its "HITRUST" or its "1 business day" has dropped the best-supported fact. Later offline sentences
    are often context, so only the opening is required.
    """
    first_line = next((line for line in CITATION.sub(" ", offline).splitlines() if line.strip()), "")
    opening = (sentences_of(first_line.strip()) or [""])[0]
    amounts = sorted(quantities_in(opening) - {value for value, _ in numbers_in(CITATION.sub(" ", reply))})
    return amounts + sorted(abbreviations_in(opening) - _abbreviations_stated(reply))


def _abbreviations_stated(text: str) -> set[str]:
    """Every abbreviation a text states: written ("RTO", "BAAs", "p.m.") or spelled out ("recovery time
    objective" states RTO), compared upper case without dots."""
    tokens = re.findall(r"[\w.&]+", text)
    stated = {t.replace(".", "").upper() for t in tokens}
    stated |= {t[:-1].upper() for t in tokens if len(t) > 2 and t.endswith("s") and t[:-1].isupper()}
    words = [t for t in re.findall(r"[A-Za-z]+", text) if t.lower() not in _NOT_INITIALLED]
    for size in range(2, 6):
        stated |= {"".join(w[0] for w in words[i : i + size]).upper() for i in range(len(words) - size + 1)}
    return stated


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
    """The reply with each sentence citing the source that grounds it, where its own markers do not.

    Small models forget markers, or number their sentences [1], [2], [3] instead of their sources. A
    sentence that cites nothing, a source that was not retrieved, or a source that does not ground it,
    is given the source that does by the same rules `sentence_problem` applies (its numbers,
    abbreviations and content words are that source's), the best-covering source first. A sentence no
    single source grounds keeps its markers, and the reply is then refused as before. A reply whose
    sentences are all grounded in what they cite is returned unchanged.
    """
    sentences = reply_sentences(reply)

    def grounded(sentence: ReplySentence) -> bool:
        cites_known = sentence.cites and all(1 <= n <= len(sources) for n in sentence.cites)
        return bool(cites_known) and sentence_problem(0, sentence, sources, min_share) is None

    if all(grounded(s) or not content_stems(s.text) for s in sentences):
        return reply
    pieces = []
    for sentence in sentences:
        cites = sentence.cites
        if content_stems(sentence.text) and not grounded(sentence):
            grounding = [
                (_grounded_share(sentence, source), n)
                for n, source in enumerate(sources, start=1)
                if sentence_problem(0, ReplySentence(sentence.text, (n,)), sources, min_share) is None
            ]
            cites = (max(grounding)[1],) if grounding else cites
        pieces.append(ReplySentence(sentence.text, cites, sentence.line, sentence.marker))
    return rejoined(pieces)


def _rendered(sentence: ReplySentence) -> str:
    """A sentence with its citation markers before its final stop: "Text [1]." """
    body = sentence.text.rstrip()
    end = body[-1] if body and body[-1] in ".!?" else ""
    body = body[: len(body) - len(end)].rstrip()
    return body + "".join(f" [{n}]" for n in sentence.cites) + end


def without_unsupported_wording(
    reply: str, sources: Sequence[ScoredChunk], min_share: float, max_dropped: float
) -> tuple[str, int]:
    """The reply without its sentences whose only fault is unsupported wording, and how many went.

    Each such sentence either cites nothing or is not worded from what it cites (`is_unsupported_wording`);
    it is dropped when at most `max_dropped` of the sentences are (Tuning.droppable_share) and at least
    one grounded sentence stays. Otherwise, or when a sentence states an unknown number or abbreviation,
    the reply is returned whole and the checks refuse it as before.
    """
    sentences = reply_sentences(reply)
    if any(not 1 <= n <= len(sources) for s in sentences for n in s.cites):
        return reply, 0  # refused by the checks as citing what was not retrieved
    problems = [sentence_problem(n, s, sources, min_share) for n, s in enumerate(sentences, start=1)]
    if any(p is not None and not is_unsupported_wording(p) for p in problems):
        return reply, 0
    dropped = sum(1 for p in problems if p is not None)
    if not dropped or dropped > max_dropped * len(sentences) or dropped == len(sentences):
        return reply, 0
    kept = [s for s, p in zip(sentences, problems, strict=True) if p is None]
    return rejoined(kept), dropped


def _word_family(stem_: str) -> str:
    """A stem cut to its first five letters, so "implementing" meets "implementation" and "valid" meets
    "validity"; a shared prefix this long rarely joins unrelated words, and when it does the check it
    serves only gets more lenient."""
    return stem_[:5]


_ASPECT_BREAK = re.compile(r"[,;&]|\b(?:and|as well as|plus|along with)\b", re.I)


def aspects_left_out(question: str, offline: str, reply: str) -> list[str]:
    """Aspects of the question ("payment terms", "price validity") the offline answer addresses and the
    reply does not: none of the aspect's words is in the reply, by word family, where one is offline.

    A model that answers one half of "payment terms and price validity" writes a grounded reply that
    still answers less than the offline composer did.
    """
    said = {_word_family(s) for s in content_stems(CITATION.sub(" ", reply))}
    covered = {_word_family(s) for s in content_stems(CITATION.sub(" ", offline))}
    left_out = []
    for aspect in _ASPECT_BREAK.split(question):
        families = {_word_family(s) for s in content_stems(aspect)}
        if families & covered and not families & said:
            left_out.append(" ".join(aspect.split()).rstrip("?.!"))
    return left_out


def is_unsupported_wording(problem: str) -> bool:
    """A sentence problem that is the wording, not a fact: it cites nothing or its content words are not
    the cited text's. An unknown number or abbreviation is an invented fact."""
    return problem.endswith("cites no source") or "of the content words" in problem


def initialisms(names: Sequence[str]) -> set[str]:
    """Initials a client name is abbreviated to ("Summit Valley Credit Union" -> "SVCU", "SVC")."""
    out = set()
    for name in names:
        words = [w for w in re.findall(r"[A-Za-z]+", name) if w.lower() not in _NOT_INITIALLED]
        if len(words) >= 2:
            out.add("".join(w[0] for w in words).upper())
            out.add("".join(w[0] for w in words[:-1]).upper())  # "Credit Union" or "Health" left off
    return {i for i in out if len(i) >= 2}
