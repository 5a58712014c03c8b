"""The marker a filled copy carries, so a reviewed copy can be recognised and read back.

xlsx: a very hidden sheet `_deal_assistant` with one row per question (sheet, row, question, the columns
written, cited paths and chunk ids). docx: a custom XML part holding the same as JSON, in the order the
answers appear. Both carry the fill's id (a repeat import of the same copy is recognised) and client.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from openpyxl.workbook.workbook import Workbook

from assistant.questionnaires.layout import (
    APPROVED,
    DocumentQuestionnaire,
    Fill,
    SheetPlace,
    WorkbookQuestionnaire,
)

MARKER = "deal-assistant-questionnaire"
VERSION = 1
SHEET = "_deal_assistant"
_NS = "urn:deal-assistant:questionnaire"
_PART = "/customXml/deal-assistant-questionnaire.xml"


@dataclass(frozen=True)
class MarkedQuestion:
    question: str
    paths: tuple[str, ...]
    chunk_ids: tuple[str, ...]
    sheet: str | None = None
    row: int | None = None
    question_col: int | None = None
    answer_col: int | None = None
    approved_col: int | None = None
    header_row: int | None = None


@dataclass(frozen=True)
class Marker:
    fill_id: str
    client: str | None
    questions: list[MarkedQuestion]


def mark_workbook(
    questionnaire: WorkbookQuestionnaire,
    fills: Sequence[Fill],
    columns: dict[str, dict[str, int]],
    *,
    client: str | None,
) -> None:
    wb = questionnaire.workbook
    if SHEET in wb.sheetnames:
        del wb[SHEET]  # a copy filled again gets a fresh marker
    ws = wb.create_sheet(SHEET)
    ws.sheet_state = "veryHidden"
    ws.append([MARKER, VERSION, uuid.uuid4().hex, client or ""])
    for question, fill in zip(questionnaire.questions, fills, strict=True):
        place = question.place
        assert isinstance(place, SheetPlace)
        cols = columns[place.layout.sheet]
        ws.append(
            [
                place.layout.sheet,
                place.row,
                question.text,
                place.layout.question_col,
                cols["Answer"],
                cols[APPROVED],
                place.layout.header_row or 0,
                json.dumps(list(fill.paths)),
                json.dumps(list(fill.chunk_ids)),
            ]
        )


def read_workbook_marker(wb: Workbook) -> Marker | None:
    if SHEET not in wb.sheetnames:
        return None
    rows = [list(r) for r in wb[SHEET].iter_rows(values_only=True)]
    if not rows or rows[0][:1] != [MARKER]:
        return None
    head = rows[0]
    questions = []
    for r in rows[1:]:
        questions.append(
            MarkedQuestion(
                question=str(r[2] or ""),
                paths=tuple(json.loads(r[7] or "[]")),
                chunk_ids=tuple(json.loads(r[8] or "[]")),
                sheet=str(r[0]),
                row=int(r[1]),
                question_col=int(r[3]),
                answer_col=int(r[4]),
                approved_col=int(r[5]),
                header_row=int(r[6]) or None,
            )
        )
    return Marker(
        fill_id=str(head[2]), client=str(head[3]) if len(head) > 3 and head[3] else None, questions=questions
    )


def mark_document(questionnaire: DocumentQuestionnaire, fills: Sequence[Fill], *, client: str | None) -> None:
    data: dict[str, Any] = {
        "marker": MARKER,
        "version": VERSION,
        "fill_id": uuid.uuid4().hex,
        "client": client,
        "questions": [
            {"question": q.text, "paths": list(f.paths), "chunk_ids": list(f.chunk_ids)}
            for q, f in zip(questionnaire.questions, fills, strict=True)
        ],
    }
    text = json.dumps(data, ensure_ascii=False).replace("&", "&amp;").replace("<", "&lt;")
    blob = f'<?xml version="1.0" encoding="UTF-8"?><questionnaire xmlns="{_NS}">{text}</questionnaire>'
    document_part = questionnaire.document.part
    for rel in list(document_part.rels.values()):
        if rel.reltype == RELATIONSHIP_TYPE.CUSTOM_XML and str(rel.target_part.partname) == _PART:
            document_part.drop_rel(rel.rId)
    part = Part(PackURI(_PART), "application/xml", blob.encode("utf-8"), document_part.package)
    document_part.relate_to(part, RELATIONSHIP_TYPE.CUSTOM_XML)


def read_document_marker(document: Any) -> Marker | None:
    import xml.etree.ElementTree as ET

    for rel in document.part.rels.values():
        if rel.reltype != RELATIONSHIP_TYPE.CUSTOM_XML or rel.is_external:
            continue
        try:
            root = ET.fromstring(rel.target_part.blob)
        except ET.ParseError:
            continue
        if root.tag != f"{{{_NS}}}questionnaire":
            continue
        data = json.loads(root.text or "{}")
        if data.get("marker") != MARKER:
            continue
        return Marker(
            fill_id=str(data.get("fill_id") or ""),
            client=data.get("client"),
            questions=[
                MarkedQuestion(str(q["question"]), tuple(q.get("paths", [])), tuple(q.get("chunk_ids", [])))
                for q in data.get("questions", [])
            ],
        )
    return None
