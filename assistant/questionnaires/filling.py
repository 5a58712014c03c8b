"""Fills a questionnaire: drafts each distinct question once with the answering core, then writes the copy."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from assistant.models import Answer, Audience, Confidence, Request, Status
from assistant.questionnaires.layout import Fill, Questionnaire
from assistant.questionnaires.phrasing import question_key, strip_numbering
from assistant.questionnaires.reading import read_questionnaire
from assistant.questionnaires.summary import QuestionnaireSummary
from assistant.questionnaires.writing import check_output, write_filled

NOT_FOUND_TEXT = "No approved answer: needs an expert"
RESTRICTED_TEXT = "Restricted: the approved answer cannot be shared with this audience; needs an expert"
NOT_FOUND = "not found"
RESTRICTED = "restricted"

Progress = Callable[[int, int], None]


class Drafter(Protocol):
    """What filling needs from the answering core."""

    def draft(self, request: Request) -> Answer: ...


def fill_questionnaire(
    path: Path,
    out_path: Path,
    *,
    client: str | None,
    audience: Audience,
    answerer: Drafter,
    max_questions: int,
    max_bytes: int,
    progress: Progress | None = None,
) -> QuestionnaireSummary:
    """Read the questionnaire at path, draft every question and write the filled copy to out_path.

    The original is never modified; the copy appears whole or not at all. Raises QuestionnaireError
    (one-line message) for a protected, corrupt, empty, unsupported, oversized or question-less file.
    `progress(done, total)` is called with the count of distinct questions drafted so far.
    """
    questionnaire = read_questionnaire(path, max_bytes=max_bytes, max_questions=max_questions)
    return fill_questions(
        questionnaire, out_path, client=client, audience=audience, answerer=answerer, progress=progress
    )


def fill_questions(
    questionnaire: Questionnaire,
    out_path: Path,
    *,
    client: str | None,
    audience: Audience,
    answerer: Drafter,
    progress: Progress | None = None,
) -> QuestionnaireSummary:
    """Draft each distinct question of an already read questionnaire once and write the filled copy."""
    check_output(questionnaire.path, out_path)
    distinct: dict[str, str] = {}
    for question in questionnaire.questions:
        distinct.setdefault(question_key(question.text), question.text)
    total = len(distinct)
    if progress:
        progress(0, total)
    fill_of: dict[str, Fill] = {}
    for done, (key, text) in enumerate(distinct.items(), start=1):
        request = Request(question=strip_numbering(text), client=client, audience=audience)
        fill_of[key] = fill_from(answerer.draft(request))
        if progress:
            progress(done, total)
    fills = [fill_of[question_key(q.text)] for q in questionnaire.questions]
    write_filled(questionnaire, fills, out_path, client=client)
    labels = Counter(fill.confidence for fill in fills)
    return QuestionnaireSummary(
        source=questionnaire.path,
        output=out_path,
        questions=len(fills),
        unique=total,
        high=labels[Confidence.HIGH.value],
        medium=labels[Confidence.MEDIUM.value],
        low=labels[Confidence.LOW.value],
        not_found=labels[NOT_FOUND],
        restricted=labels[RESTRICTED],
        to_review=[
            f"{q.where}: {q.text}"
            for q, fill in zip(questionnaire.questions, fills, strict=True)
            if fill.needs_review
        ],
    )


def fill_from(answer: Answer) -> Fill:
    """What goes into the file for one drafted answer; anything not answered gets a plain marker."""
    if answer.status is Status.RESTRICTED:
        return Fill(RESTRICTED_TEXT, RESTRICTED, (), needs_review=True)
    if answer.status is not Status.ANSWERED or not answer.answer.strip():
        return Fill(NOT_FOUND_TEXT, NOT_FOUND, (), needs_review=True)
    confidence = answer.confidence or Confidence.LOW
    sources = tuple(dict.fromkeys(f"{c.title} ({c.source})" for c in answer.citations))
    return Fill(
        answer.answer.strip(),
        confidence.value,
        sources,
        needs_review=confidence is Confidence.LOW,
        paths=tuple(dict.fromkeys(c.source for c in answer.citations)),
        chunk_ids=tuple(dict.fromkeys(c.chunk_id for c in answer.citations)),
    )
