"""How questionnaire text is recognised: questions, section headings, column headers and dedupe keys."""

from __future__ import annotations

import re

_NUMBERING = re.compile(
    r"^\s*(?:(?:q|question|req|requirement)\s*)?(?:[A-Z]\.|\(?\d+(?:\.\d+)*[.):]?|\(?[a-z][.)])\s+", re.I
)
_QUESTION_WORDS = frozenset(
    {
        *("what", "how", "why", "when", "where", "who", "whom", "whose", "which"),
        *("is", "are", "was", "were", "do", "does", "did", "can", "could", "will", "would"),
        *("should", "shall", "has", "have", "had", "may", "might"),
    }
)
_IMPERATIVES = frozenset(
    {
        *("describe", "provide", "explain", "list", "detail", "outline", "specify", "confirm", "indicate"),
        *("state", "identify", "summarize", "summarise", "share", "give", "please", "attach", "submit"),
        *("demonstrate", "discuss", "tell", "define", "clarify", "elaborate", "include", "supply"),
        *("enumerate", "illustrate"),
    }
)
_REQUIREMENT = re.compile(r"\b(shall|must|should|is required to|are required to)\b", re.I)
_SECTION = re.compile(r"^(section|part|chapter|category|module|appendix|schedule|annex|lot)\b", re.I)
_QUESTION_HEADERS = re.compile(
    r"^(rf[piq] |tender |vendor |supplier )?(question|requirement|query)s?"
    r"( text| description| details?| statement)?( \/ (question|requirement)s?)?$"
)
_ANSWER_HEADERS = re.compile(
    r"^(vendor |supplier |bidder |provider |respondent |your |proposer )?(answer|response)s?"
    r"( \/ (answer|response|comments?))?$"
)
_LETTER = re.compile(r"[^\W\d_]")


def squash(text: str) -> str:
    """Collapse runs of whitespace to single spaces and trim."""
    return " ".join(text.split())


def strip_numbering(text: str) -> str:
    """The text without a leading item number such as "4.3", "Q12." or "b)"."""
    text = squash(text)
    stripped = _NUMBERING.sub("", text, count=1)
    return stripped if _LETTER.search(stripped) else text


def has_numbering(text: str) -> bool:
    """Whether the text starts with an item number such as "4.3 " or "12) "."""
    match = _NUMBERING.match(text)
    return match is not None and any(ch.isdigit() for ch in match.group(0))


def _first_word(text: str) -> str:
    words = re.findall(r"[^\W_]+(?:'[^\W_]+)?", text.lower())
    return words[0] if words else ""


def looks_like_question(text: str) -> bool:
    """Ends with "?" or opens with an interrogative or an imperative such as "Describe" or "Do you"."""
    body = strip_numbering(text)
    if not _LETTER.search(body):
        return False
    if body.rstrip().endswith("?"):
        return True
    first = _first_word(body)
    return first in _IMPERATIVES or (first in _QUESTION_WORDS and len(body.split()) >= 3)


def looks_like_requirement(text: str) -> bool:
    """A requirement statement ("The vendor shall ...") that expects a response although it asks nothing."""
    return bool(_REQUIREMENT.search(text)) and len(text.split()) >= 4


def looks_like_section_heading(text: str) -> bool:
    """A heading between questions ("Section 3: Security", "Data protection"), not an item to answer."""
    body = squash(text)
    if looks_like_question(body) or looks_like_requirement(body):
        return False
    if _SECTION.match(body) or body.endswith(":"):
        return True
    return len(strip_numbering(body).split()) <= 4 and not body.endswith((".", "!", ";"))


def header_key(text: str) -> str:
    """A column header reduced for matching: lower case, single spaces, no trailing colon or asterisk."""
    return squash(text.replace("/", " / ")).lower().strip(" :*")


def is_question_header(text: str) -> bool:
    """A header naming the question column: "Question", "Requirement", "RFP Question", ..."""
    return bool(_QUESTION_HEADERS.match(header_key(text)))


def is_answer_header(text: str) -> bool:
    """A header naming the answer column: "Answer", "Response", "Vendor Response", ..."""
    return bool(_ANSWER_HEADERS.match(header_key(text)))


def has_letters(text: str) -> bool:
    """Whether the text contains at least one letter (IDs like "3.1" do not)."""
    return bool(_LETTER.search(text))


def question_key(text: str) -> str:
    """The dedupe key of a question: numbering, case, punctuation and spacing ignored."""
    body = strip_numbering(text).lower()
    return squash(re.sub(r"[^\w\s]|_", " ", body))
