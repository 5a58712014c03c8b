"""Reads back a filled questionnaire after people reviewed it: each answer as it stands now, and whether
a reviewer marked it Approved (yes, y, x or ✓).

Only a copy Deal Assistant filled is read (it carries the marker of `marking`), and only while its layout
is still recognisable: rows may move and columns may be inserted, but if most questions can no longer be
found where the marker says, the file is refused rather than guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import docx
import openpyxl
from docx.oxml.ns import qn
from openpyxl.worksheet.worksheet import Worksheet

from assistant.errors import QuestionnaireError
from assistant.questionnaires.layout import ANSWER, APPROVED, CONFIDENCE
from assistant.questionnaires.marking import (
    MarkedQuestion,
    Marker,
    read_document_marker,
    read_workbook_marker,
)
from assistant.questionnaires.reading import check_file
from assistant.text import squash

APPROVING = frozenset({"yes", "y", "x", "✓", "✔", "☑"})
MIN_RECOGNISED = 0.5  # share of the marked questions that must still be found
_META = re.compile(rf"^{CONFIDENCE}: .*· Needs review: \w+(?: · {APPROVED}:(?P<mark>.*))?$")
NOT_OURS = (
    "was not filled by Deal Assistant (it has no marker): "
    "only a copy filled by `deal-assistant questionnaire` can be imported"
)


@dataclass(frozen=True)
class ReviewedAnswer:
    where: str
    question: str
    answer: str
    approved: bool
    paths: tuple[str, ...]
    chunk_ids: tuple[str, ...]


@dataclass(frozen=True)
class ReviewedQuestionnaire:
    path: Path
    fill_id: str
    client: str | None
    answers: list[ReviewedAnswer]
    unrecognised: list[str]  # questions of the marker no longer found


def is_approving(text: str | None) -> bool:
    return squash(str(text or "")).strip().lower().rstrip(".!") in APPROVING


def read_reviewed(path: Path, *, max_bytes: int) -> ReviewedQuestionnaire:
    """The reviewed answers of a filled copy; QuestionnaireError for a foreign or unrecognisable file."""
    suffix = check_file(path, max_bytes)
    try:
        if suffix == ".xlsx":
            return _read_workbook(path)
        return _read_document(path)
    except QuestionnaireError:
        raise
    except Exception as e:  # openpyxl and python-docx raise many types for a damaged package
        raise QuestionnaireError(f"{path.name} is corrupt: {e}") from e


def _check_recognised(path: Path, marker: Marker, unrecognised: list[str]) -> None:
    total = len(marker.questions)
    if not total or (total - len(unrecognised)) / total < MIN_RECOGNISED:
        raise QuestionnaireError(
            f"{path.name}: the layout changed beyond recognition ({total - len(unrecognised)} of {total} "
            "answers found where Deal Assistant wrote them); fill it again or approve answers one by one"
        )


def _read_workbook(path: Path) -> ReviewedQuestionnaire:
    wb = openpyxl.load_workbook(path)
    marker = read_workbook_marker(wb)
    if marker is None:
        raise QuestionnaireError(f"{path.name} {NOT_OURS}")
    answers, unrecognised = [], []
    for q in marker.questions:
        found = _find_in_sheet(wb[q.sheet] if q.sheet in wb.sheetnames else None, q)
        if found is None:
            unrecognised.append(q.question)
            continue
        ws, row, shift = found
        assert q.answer_col is not None and q.approved_col is not None
        answer = ws.cell(row, q.answer_col + shift).value
        mark = ws.cell(row, q.approved_col + shift).value
        answers.append(
            ReviewedAnswer(
                where=f"{ws.title}!{ws.cell(row, (q.question_col or 1) + shift).coordinate}",
                question=q.question,
                answer=str(answer or "").strip(),
                approved=is_approving(mark),
                paths=q.paths,
                chunk_ids=q.chunk_ids,
            )
        )
    _check_recognised(path, marker, unrecognised)
    return ReviewedQuestionnaire(path, marker.fill_id, marker.client, answers, unrecognised)


def _find_in_sheet(ws: Worksheet | None, q: MarkedQuestion) -> tuple[Worksheet, int, int] | None:
    """The question's sheet, row and column shift (columns inserted before it), or None if it is gone."""
    if ws is None or q.question_col is None or q.approved_col is None or q.row is None:
        return None
    shift = 0
    if q.header_row:
        labels = [squash(str(c.value or "")) for c in ws[q.header_row]]
        if APPROVED not in labels:
            return None
        shift = labels.index(APPROVED) + 1 - q.approved_col
    col = q.question_col + shift
    if squash(str(ws.cell(q.row, col).value or "")) == q.question:
        return ws, q.row, shift
    for (cell,) in ws.iter_rows(min_col=col, max_col=col):
        if squash(str(cell.value or "")) == q.question:
            return ws, cell.row, shift  # the row moved (sorted, rows inserted)
    return None


def _read_document(path: Path) -> ReviewedQuestionnaire:
    document = docx.Document(str(path))
    marker = read_document_marker(document)
    if marker is None:
        raise QuestionnaireError(f"{path.name} {NOT_OURS}")
    metas = [p for p in document.element.body.iter(qn("w:p")) if _META.match(_text(p))]
    if len(metas) != len(marker.questions):
        _check_recognised(path, marker, [q.question for q in marker.questions])
    answers, unrecognised = [], []
    for number, (q, meta) in enumerate(zip(marker.questions, metas, strict=True), start=1):
        answer = _answer_before(meta)
        if answer is None:
            unrecognised.append(q.question)
            continue
        mark = _META.match(_text(meta))
        answers.append(
            ReviewedAnswer(
                where=f"question {number}",
                question=q.question,
                answer=answer,
                approved=bool(mark and is_approving(mark.group("mark"))),
                paths=q.paths,
                chunk_ids=q.chunk_ids,
            )
        )
    _check_recognised(path, marker, unrecognised)
    return ReviewedQuestionnaire(path, marker.fill_id, marker.client, answers, unrecognised)


def _text(p: object) -> str:
    return squash("".join(t.text or "" for t in p.iter(qn("w:t"))))  # type: ignore[attr-defined]


def _answer_before(meta: object) -> str | None:
    """The answer paragraphs before a meta line: the rest of its table cell, or back to "Answer: "."""
    in_cell = meta.getparent().tag == qn("w:tc")  # type: ignore[attr-defined]
    parts: list[str] = []
    node = meta.getprevious()  # type: ignore[attr-defined]
    while node is not None and node.tag == qn("w:p"):
        text = _text(node)
        if not in_cell and text.startswith(f"{ANSWER}:"):
            parts.append(text[len(ANSWER) + 1 :].strip())
            return "\n\n".join(reversed([p for p in parts if p]))
        parts.append(text)
        node = node.getprevious()
    return "\n\n".join(reversed([p for p in parts if p])) if in_cell else None
