"""Assembling an answer from its parts: each part's paragraph, the refusals, the yes/no verdict.

The answering core decides each part (answered, not found, restricted); this module words the result:
citation-numbered paragraphs in reading order, "the knowledge base does not mention ...", "the rest of
the question can't be answered here", and a "No: " opening only where the cited sentence says no.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answering.composing import Composition, Selection, keyword_overlap, render_cited, render_prose
from assistant.answering.questions import QuestionPart
from assistant.models import Answer, Audience, Confidence, Note, Request, ScoredChunk, Status

__all__ = [
    "CONFIDENCE_ORDER",
    "PartResult",
    "interleaved",
    "listed",
    "not_found_answer",
    "paragraph",
    "restricted_message",
    "unique_chunks",
    "verdict",
]

_NEGATION = re.compile(
    r"\b(?:not|no|never|cannot|can't|doesn't|don't|isn't|aren't|won't|neither|nor)\b", re.I
)
CONFIDENCE_ORDER = {Confidence.LOW: 0, Confidence.MEDIUM: 1, Confidence.HIGH: 2}


@dataclass
class PartResult:
    """How one question of a message was answered."""

    part: QuestionPart
    status: Status
    composition: Composition | None = None
    confidence: Confidence | None = None
    message: str = ""  # for a part that is not answered: what to say instead
    notes: list[Note] = field(default_factory=list)
    visible: list[ScoredChunk] = field(default_factory=list)
    support: list[ScoredChunk] = field(default_factory=list)
    missing_terms: list[str] = field(default_factory=list)
    score: float | None = None  # the evidence score: the best sentence's similarity


def paragraph(mode: str, r: PartResult, number: dict[str, int], several: bool) -> str:
    """What one part contributes to the answer: its composition, or what to say instead."""
    if r.status is Status.ANSWERED and r.composition is not None:
        if not (r.composition.sentences or r.composition.approved):
            return ""  # everything it would say is in an earlier part's paragraph
        body = render_prose(r.composition) if mode == "draft" else render_cited(r.composition, number)
        return f"{r.message}{body}" if r.message else body
    if r.status is Status.RESTRICTED:
        return "The rest of the question can't be answered here." if several else ""
    if r.missing_terms:
        return f"The knowledge base does not mention {listed(r.missing_terms)}."
    return f"The knowledge base does not say: {r.part.text.rstrip('?')}?" if several else ""


def not_found_answer(base: Answer, results: list[PartResult]) -> Answer:
    """No part answered: say what the knowledge base does not mention, or that it does not answer."""
    missing = unique_text([t for r in results for t in r.missing_terms])
    nearest: list[str] = []
    for r in results:
        for s in r.visible:
            if s.chunk.meta.title not in nearest:
                nearest.append(s.chunk.meta.title)
    nearest = nearest[:3]
    if missing:
        text = f"The knowledge base does not mention {listed(missing)}."
    else:
        text = "The knowledge base does not answer this."
    if nearest:
        text += " Nearest documents: " + "; ".join(nearest) + "."
    if base.mode == "draft":
        text = "No approved answer: needs an expert. " + text
    scores = [r.score for r in results if r.score is not None]
    update = {"status": Status.NOT_FOUND, "answer": text, "nearest": nearest}
    return base.model_copy(update={**update, "evidence": max(scores) if scores else None})


def verdict(part: QuestionPart, selection: Selection, approved: ScoredChunk | None, on_topic: float) -> str:
    """ "Yes: " or "No: " before a yes/no answer, only where the source itself says so."""
    if part.kind != "yes_no":
        return ""
    lead = approved.chunk.text.split("\nA:", 1)[-1].strip() if approved else ""
    if not lead and selection.anchor is not None:
        lead = selection.anchor.text
    if approved is None and selection.anchor is not None and selection.anchor.chunk.chunk.kind == "qa":
        lead = selection.anchor.chunk.chunk.text.split("\nA:", 1)[-1].strip()
    opening = lead.lstrip("*_ ").split(None, 1)[0].strip(",.:;!").lower() if lead.strip() else ""
    if opening in ("yes", "no"):
        return ""  # the source opens with its own verdict, shown as written
    if (
        selection.anchor is not None
        and _NEGATION.search(selection.anchor.text)
        and keyword_overlap(part.text, selection.anchor.text) >= on_topic
    ):
        return "No: "
    return ""


def listed(terms: list[str]) -> str:
    quoted = [f'"{t}"' for t in terms]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def interleaved(lists: list[list[ScoredChunk]]) -> list[ScoredChunk]:
    """Round-robin over the parts' chunk lists, so every part's best evidence comes early."""
    out: list[ScoredChunk] = []
    for i in range(max((len(x) for x in lists), default=0)):
        out += [x[i] for x in lists if i < len(x)]
    return out


def unique_chunks(chunks: list[ScoredChunk]) -> list[ScoredChunk]:
    return list({c.chunk.id: c for c in reversed(chunks)}.values())[::-1]


def unique_text(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def restricted_message(request: Request) -> str:
    if request.audience is Audience.EXTERNAL:
        return (
            "This is covered only in internal or client-confidential documents, which can't be shared in "
            "a channel with external guests. Ask in an internal channel or a DM."
        )
    return (
        f"This is covered only in another client's confidential documents, which can't be used for "
        f"{request.client}."
    )
