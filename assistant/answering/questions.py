"""Question analysis: what a question asks (its parts and their kind) and the terms it cannot do without.

Nothing here knows a corpus: the rules are about English questions (a yes/no opening, "how many", a
second question after the first) and about the shape of names (acronyms, product names written in
CamelCase, identifiers with digits, capitalised multi-word names), never about particular words of the
knowledge base.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

QuestionKind = Literal["yes_no", "quantity", "list", "description"]

_YES_NO = re.compile(
    r"^(?:(?:so|and|also|ok|okay|hey|quick q(?:uestion)?)[,:]?\s+)?"
    r"(?:can|could|do|does|did|is|are|was|were|will|would|have|has|should|may|must)\b",
    re.I,
)
_QUANTITY = re.compile(
    r"\b(?:how\s+(?:many|much|long|fast|soon|quick|quickly|often|big|large|far|late|early)|what\s+(?:share|"
    r"percent(?:age)?|rate|price|fee|cost|number|minimum|maximum|cap|limit|deadline|time|cut-?off)|"
    r"when|by\s+when|what\s+time|turnaround|price|rate|fee|percentage|cut-?off)\b",
    re.I,
)
_LIST = re.compile(
    r"\b(?:which|list|what\s+are\s+(?:the|all|your)|name\s+(?:the|all)|all\s+(?:the|of))\b", re.I
)
_SECOND_QUESTION = re.compile(
    r"(?<=[?;])\s+(?=\S)|,?\s+(?:and|also|plus)\s+(?=(?:what|how|did|do|does|which|who|when|where|is|are|"
    r"can|will|list|describe|state|explain|provide|give|name)\b)",
    re.I,
)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’&./-]*")
# Acronyms that work as ordinary words in sales questions; their absence from a knowledge base says
# nothing about whether a question is covered.
_PLAIN_ACRONYMS = frozenset(
    """
    RFP RFI RFQ RFPS SOW SOWS SLA SLAS KPI KPIS FAQ HQ ASAP FYI OK US USA UK EU CEO CFO CIO CTO COO IT PM AM
    ET CT MT PT EST CST PST EDT CDT PDT ID IDS FTE FTES YOY ROI TCO QA TBD NA PDF PDFS II III IV VI
    """.split()  # noqa: SIM905
)
_DECADE = re.compile(r"^(?:19|20)?\d0'?s$")
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_DIMENSION = re.compile(r"^\d+(?:\.\d+)?x\d+(?:\.\d+)?$", re.I)
_CLIENT_LIST = re.compile(
    r"\b(?:which|what)\s+(?:[a-z-]+\s+){0,2}(?:clients|customers|accounts|utilities|insurers|agencies|banks|"
    r"companies|carriers|health\s+plans)\b|\bwho\s+(?:are|else\s+is)\s+(?:your|our)\s+(?:[a-z-]+\s+)?"
    r"(?:clients|customers)\b|\bnames?\s+(?:please|of\s+(?:your|the)\s+(?:clients|customers))\b",
    re.I,
)
_QUESTION_OPENING = re.compile(
    r"^(?:and\s+|also\s+|plus\s+)?(?:what|how|did|do|does|which|who|when|where|is|are|can|could|will|would|"
    r"has|have|why|list|describe|state|explain|provide|give|name)\b",
    re.I,
)


_SPECIFIC = re.compile(
    r"\b(?:deal|contract|sow|signed|agreed|their|they|them|renewal|this\s+client|that\s+client)\b", re.I
)
_CODE = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+$")


_DESIGNATION = re.compile(r"([A-Z]{2,6})[ -](\d+)\b(?![-,.]?\d)")
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
_QUOTED = re.compile(r"""(^|[\s:(])['"‘“](.+?)['"’”](?=$|[\s.,;:)?!])""")


@dataclass(frozen=True)
class QuestionPart:
    """One question of a possibly multi-part message, with what kind of answer it wants."""

    text: str
    kind: QuestionKind


def question_parts(text: str, limit: int = 3) -> list[QuestionPart]:
    """The questions in a message, in order (one for a simple question; at most `limit`)."""
    pieces = [p.strip(" ,;") for p in _SECOND_QUESTION.split(text.strip())]
    parts: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        is_question = piece.endswith("?") or bool(_QUESTION_OPENING.match(piece))
        if parts and (len(_WORD.findall(piece)) < 3 or len(parts) >= limit or not is_question):
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    if len(parts) > 1 and len(_WORD.findall(parts[0])) < 3:
        parts = [" ".join(parts[:2]), *parts[2:]]
    return [QuestionPart(p, kind_of(p)) for p in parts] or [QuestionPart(text, kind_of(text))]


def asked_text(text: str) -> str:
    """The question itself when a request wraps it in quotes ("Draft our answer to 3.4: 'Describe ...'")."""
    quoted = [m.group(2) for m in _QUOTED.finditer(text)]
    longest = max(quoted, key=len, default="")
    return longest.strip() if len(_WORD.findall(longest)) >= 5 else text


def numbers_in(text: str) -> set[str]:
    """The numbers a text states ("SOC 1", "5 million", "99.9%"), as written, without separators."""
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def kind_of(text: str) -> QuestionKind:
    """What kind of answer a question wants."""
    stripped = text.strip()
    if _YES_NO.search(stripped) or stripped.rstrip("?").lower().endswith(("doable", "possible", "ok")):
        return "yes_no"
    if _QUANTITY.search(stripped):
        return "quantity"
    if _LIST.search(stripped):
        return "list"
    return "description"


_ASKS_MONEY = re.compile(
    r"\b(?:price|priced|pricing|rate|fee|fees|cost|costs|charge|charged|pay|paid|paying|spend|dollars?|"
    r"how\s+much\s+(?:does|do|did|is|are|would|will|we|they|it))\b",
    re.I,
)
_ASKS_PERCENT = re.compile(
    r"\b(?:percent|percentage|share|what\s+portion|%|rate\s+of|cap\s+on|mark[\s-]?ups?|margins?|discounts?|"
    r"commissions?)\b",
    re.I,
)
_ASKS_TIME = re.compile(
    r"\b(?:how\s+(?:long|fast|soon|quick|quickly|late|early)|when|by\s+when|what\s+time|turnaround|"
    r"deadline|cut-?off|same[- ]day|today|tonight|within|days?|weeks?|hours?|minutes?)\b",
    re.I,
)
_ASKS_COUNT = re.compile(r"\bhow\s+many\b|\bnumber\s+of\b|\bheadcount\b|\bvolume\b|\bcapacity\b", re.I)
MONEY = re.compile(r"(?:[$€£]|\b(?:USD|CAD|EUR|GBP)\b)\s?\d|\d\s?(?:dollars|cents)\b", re.I)
PERCENT = re.compile(r"\d\s?(?:%|percent\b)", re.I)
TIME = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:-|to)?\s*\d*\s*(?:business\s+|calendar\s+|working\s+)?(?:minutes?|mins?|hours?|"
    r"hrs?|days?|weeks?|months?|years?)\b|\d{1,2}(?::\d{2})?\s*(?:a\.m\.|p\.m\.|am|pm)\b|\bnoon\b|"
    r"\bsame\s+(?:business\s+)?day\b|\bnext\s+(?:business\s+)?day\b|\bT\+\d\b",
    re.I,
)
COUNT = re.compile(r"\d")


_PER_UNIT = re.compile(r"\bper[- ]([a-z]{2,})", re.I)


def value_asked(text: str) -> re.Pattern[str] | None:
    """The shape of the value a question asks for (money, a percentage, a time, a count), or None.

    A price "per" something ("what per-bill rate", "pay per image") is a price stated per that thing.
    """
    if _ASKS_MONEY.search(text):
        unit = _PER_UNIT.search(text)
        if unit:
            noun = re.escape(unit.group(1).lower().removesuffix("s"))
            return re.compile(
                rf"(?=.*(?:{MONEY.pattern}))(?=.*(?:\bper[- ]|/\s?|\beach\s){noun}s?\b)", re.I | re.S
            )
        return MONEY
    if _ASKS_PERCENT.search(text):
        return PERCENT
    if _ASKS_TIME.search(text) and re.search(r"\b(?:how|when|what|which|by)\b", text, re.I):
        return TIME
    if _ASKS_COUNT.search(text):
        return COUNT
    return None


def asks_for_client_names(text: str) -> bool:
    """True for a question whose answer is a list of our clients (confidential to anyone outside)."""
    return bool(_CLIENT_LIST.search(text))


def salient_terms(text: str) -> list[str]:
    """Names a covered question could not be answered without: acronyms, CamelCase product names,
    identifiers with digits (standard numbers, sizes) and capitalised multi-word names.

    Ordinary words are left out: slang and paraphrase use words the knowledge base never does.
    """
    found: dict[str, None] = {}
    run: list[str] = []
    previous_end = -1
    previous_text = ""

    def close_run() -> None:
        if len(run) >= 2:
            found.setdefault(" ".join(run), None)
        run.clear()

    for m in _WORD.finditer(text):
        raw = m.group()
        if text[previous_end : m.start()].strip() if previous_end >= 0 else False:
            close_run()  # a run of capitalised words is broken by anything but a space
        starts_sentence = previous_end < 0 or previous_text.endswith((".", "?", "!", ":"))
        previous_end, previous_text = m.end(), raw
        for piece in raw.split("/"):
            word = piece.strip("'’.,-")
            bare = re.sub(r"['’]s$", "", word)
            if bare and _is_name_like(bare):
                found.setdefault(bare, None)
        designation = _DESIGNATION.match(text, m.start())
        if designation and designation.group(1).upper() not in _PLAIN_ACRONYMS:
            found.setdefault(f"{designation.group(1)} {designation.group(2)}", None)  # "SOC 1", "ISO 27701"
        word = raw.strip("'’.,-")
        capitalised = word[:1].isupper() and word[1:].islower() and len(word) > 2 and "'" not in word
        if capitalised and not starts_sentence and "/" not in raw:
            run.append(word)
        else:
            close_run()
    close_run()
    return list(found)


def is_specific(text: str) -> bool:
    """True when a question points at one deal: a contract or SOW number, or words about a deal."""
    return bool(_SPECIFIC.search(text)) or any(_CODE.match(w) for w in _WORD.findall(text))


def _is_name_like(word: str) -> bool:
    letters = re.sub(r"[^A-Za-z]", "", word)
    if len(letters) >= 3 and letters[:-1].isupper() and letters[-1] == "s":
        letters, word = letters[:-1], word[:-1]  # a plural acronym: CRMs
    if _DECADE.match(word) or _YEAR.match(word):
        return False
    if _DIMENSION.match(word):
        return True
    if letters.isupper() and len(letters) >= 2:
        return word.upper().rstrip("S") not in _PLAIN_ACRONYMS and word.upper() not in _PLAIN_ACRONYMS
    if re.search(r"[a-z][A-Z]", word) and not word.isupper():
        return True  # CamelCase product names: WhatsApp, ServiceNow
    digits = sum(ch.isdigit() for ch in word)
    return word.isdigit() and digits >= 4  # standard and form numbers: 27701, 22301
