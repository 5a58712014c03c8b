"""Letter formulas in a model reply: salutations and sign-offs are cut, placeholders make it unusable.

Small models asked for "an RFP response" like to write a letter ("Dear [Client's Name], ... Sincerely,
[Your Name]"). A salutation line or a closing block can be cut and the rest checked as usual; a
placeholder left inside the text cannot be filled by us, so the reply is refused. Courtesy sentences
("Thank you for your inquiry.", "We understand that you need ...", "We look forward to working with
you.") that cite no source carry no fact and are cut too.
"""

from __future__ import annotations

import re

from assistant.answering.grounding import CITATION
from assistant.text import sentences_of

NOT_FOUND_TOKEN = "NOT_IN_KNOWLEDGE_BASE"
_NOT_FOUND_LETTERS = re.sub(r"[^a-z]", "", NOT_FOUND_TOKEN.lower())

_SALUTATION = re.compile(
    r"^\s*(?:dear|hello|hi|greetings|good (?:morning|afternoon|day))\b[^.!?\n]{0,60}[,:!]?\s*$"
    r"|^\s*to whom it may concern\b.*$",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^\s*(?:sincerely|yours (?:sincerely|truly|faithfully)|(?:best|kind|warm|warmest)(?: regards| wishes)?"
    r"|regards|respectfully(?: yours)?|thank you|thanks|cheers|best)\s*[,.!]?\s*(?:\[[^\]]*\])?\s*$",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(
    r"\[(?!\d+\])[^\]\n]{1,60}\]|\{[^}\n]{1,60}\}|<[A-Za-z][^>\n]{0,60}>|\bX{3,}\b|_{3,}|\bTBD\b"
)
_FORMULA = re.compile(
    r"\b(?:dear (?:sir|madam|client|customer|team)|sincerely|yours truly|best regards|kind regards"
    r"|warm regards|to whom it may concern)\b",
    re.IGNORECASE,
)


def is_abstention(reply: str) -> bool:
    """The model said the sources do not answer, in whatever case, spacing or punctuation."""
    return _NOT_FOUND_LETTERS in re.sub(r"[^a-z]", "", reply.lower())


_COURTESY = re.compile(
    r"^(?:thank you\b|thanks for\b|we (?:hope|trust) (?:this|that|you)\b|we look forward\b|we understand\b|"
    r"we (?:are|would be) (?:happy|glad|delighted|pleased) to (?:answer|discuss|help|assist|provide more)\b|"
    r"please (?:do not|don't) hesitate\b|please (?:let us know|feel free|contact us)\b|"
    r"(?:if|should) you have any (?:further |other |additional )?(?:questions|concerns)\b)",
    re.IGNORECASE,
)


def _without_courtesy(line: str) -> str:
    """A line without its courtesy sentences; one that cites a source is checked as usual, not cut."""
    kept = [s for s in sentences_of(line.strip()) if not (_COURTESY.match(s) and not CITATION.search(s))]
    return " ".join(kept)


def without_letter_formulas(reply: str) -> str:
    """The reply without its letter frame: a title and salutation opening it (the salutation within its
    first three lines), everything from a sign-off line on, and courtesy sentences."""
    lines = reply.strip().splitlines()
    opening = [i for i, line in enumerate(lines[:6]) if _SALUTATION.match(line)]
    if opening and sum(1 for line in lines[: opening[0]] if line.strip()) <= 2:
        lines = lines[opening[0] + 1 :]  # "RFP Response to ...", "Dear [Client's Name],"
    for i, line in enumerate(lines):
        if _SIGN_OFF.match(line):
            lines = lines[:i]
            break
    kept = [_without_courtesy(line) if line.strip() else "" for line in lines]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def letter_problem(reply: str) -> str | None:
    """Why a (cleaned) reply still reads as a letter template, or None."""
    placeholder = _PLACEHOLDER.search(reply)
    if placeholder:
        return f"the answer contains a placeholder ({placeholder.group()!r})"
    formula = _FORMULA.search(reply)
    if formula:
        return f"the answer contains a letter formula ({formula.group()!r})"
    return None
