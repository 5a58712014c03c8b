"""Where the questions of a questionnaire were found and where their answers go, per file format."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from docx.document import Document
from docx.table import Table
from docx.text.paragraph import Paragraph
from openpyxl.workbook.workbook import Workbook

ANSWER = "Answer"
CONFIDENCE = "Confidence"
SOURCES = "Sources"
NEEDS_REVIEW = "Needs review"
APPROVED = "Approved"  # left empty: a reviewer marks the rows to take into the answer library
COLUMNS = (ANSWER, CONFIDENCE, SOURCES, NEEDS_REVIEW, APPROVED)


@dataclass(frozen=True)
class Fill:
    """What is written for one question: the answer text, its confidence label, sources and review flag."""

    answer: str
    confidence: str  # "high", "medium", "low", "not found" or "restricted"
    sources: tuple[str, ...]
    needs_review: bool
    paths: tuple[str, ...] = ()  # the cited documents' paths in the knowledge folder
    chunk_ids: tuple[str, ...] = ()

    @property
    def review_text(self) -> str:
        return "yes" if self.needs_review else "no"


@dataclass
class SheetLayout:
    """One worksheet's question column, header row and existing empty columns the fill can reuse."""

    sheet: str
    question_col: int
    header_row: int | None
    reusable: dict[str, int] = field(default_factory=dict)  # COLUMNS label -> existing empty column
    question_end_col: int = 0  # last column of question cells merged across columns (0: question_col)


@dataclass
class TableLayout:
    """One docx table with a Question/Requirement column, and its empty response column if any."""

    table: Table
    header_row: int
    question_col: int
    response_col: int | None


@dataclass(frozen=True)
class SheetPlace:
    layout: SheetLayout
    row: int


@dataclass(frozen=True)
class ParagraphPlace:
    paragraph: Paragraph


@dataclass(frozen=True)
class TablePlace:
    layout: TableLayout
    row: int


@dataclass(frozen=True)
class FoundQuestion:
    """A question as written in the file, a readable location ("Security!B7") and where its answer goes."""

    text: str
    where: str
    place: SheetPlace | ParagraphPlace | TablePlace


@dataclass
class WorkbookQuestionnaire:
    path: Path
    workbook: Workbook
    sheets: list[SheetLayout]
    questions: list[FoundQuestion]


@dataclass
class DocumentQuestionnaire:
    path: Path
    document: Document
    tables: list[TableLayout]
    questions: list[FoundQuestion]


Questionnaire = WorkbookQuestionnaire | DocumentQuestionnaire
