"""Generators of test questionnaires (.xlsx, .docx, broken files), readers of filled copies, a CLI runner."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.document import Document
from openpyxl.styles import Font
from typer.testing import CliRunner, Result

from assistant.cli.main import app
from assistant.settings import Settings

SOC2 = "Do you hold SOC 2 Type II certification?"
MAILROOM = "Describe your digital mailroom service."
PRINT_MAIL = "Describe your managed print and mail services."
CCM = "Explain your customer communications management (CCM) platform."
MANDARIN = "Do you provide 24/7 call center outsourcing in Mandarin?"
DAYCARE = "Do you offer on-site daycare for employees?"
HITRUST = "Are you HITRUST certified?"
MARKETING = "Describe your marketing campaign services."
# The same question as SOC2 once case, spacing and punctuation are ignored.
SOC2_AGAIN = "do you hold  SOC 2 Type II certification"


def build_rfp_workbook(path: Path) -> Path:
    """A three-sheet RFP: instructions (no questions), a security sheet with a Question header, merged
    title and section rows, blank rows, an empty Response column and a Comments column; and a services
    sheet whose question column is found by content alone."""
    wb = openpyxl.Workbook()
    intro = wb.active
    intro.title = "Instructions"
    for line in (
        "Harbor Mutual: request for proposal",
        "Please answer every question on the following sheets.",
        "Return this workbook to procurement by 1 March.",
        "Contact procurement@harbormutual.example with any queries.",
    ):
        intro.append([line])

    security = wb.create_sheet("Security")
    security["A1"] = "Harbor Mutual RFP: security and compliance"
    security.merge_cells("A1:D1")
    security.append(["ID", "Question", "Response", "Comments"])
    for cell in security[2]:
        cell.font = Font(bold=True)
    security["A3"] = "Section 1: Certifications"
    security.merge_cells("A3:D3")
    security.append(["1.1", SOC2, None, "Attach the latest report"])
    security.append(["1.2", HITRUST, None, None])
    security.append([])
    security.append([None, "Section 2: Operations", None, None])
    security.append(["2.1", MANDARIN, None, "Required for our Shanghai office"])
    security.append(["2.2", SOC2_AGAIN, None, None])
    security.column_dimensions["B"].width = 50
    security.column_dimensions["D"].width = 30

    services = wb.create_sheet("Services")
    services.append(["Item", "Weight"])
    services.append([PRINT_MAIL, 10])
    services.append([MAILROOM, 5])
    services.append(["Print and mail", None])
    services.append([DAYCARE, 1])
    wb.save(path)
    return path


def build_rfp_document(path: Path) -> Path:
    """A Word RFP: numbered question paragraphs, a List Number question, a heading and prose that are not
    questions, and a question table with a merged section row, an empty Response column and a repeat."""
    document: Document = docx.Document()
    document.add_heading("Harbor Mutual request for proposal", level=1)
    document.add_paragraph("Have a question about this RFP? Write to procurement@harbormutual.example.")
    document.add_heading("4 Services", level=2)
    document.add_paragraph(f"4.1 {PRINT_MAIL}")
    document.add_paragraph(f"4.2 {SOC2}")
    document.add_paragraph(MANDARIN, style="List Number")
    document.add_paragraph("Responses are due on 1 March.")
    table = document.add_table(rows=1, cols=3)
    for cell, title in zip(table.rows[0].cells, ("No.", "Question", "Response"), strict=True):
        cell.text = title
    section = table.add_row().cells
    merged = section[0].merge(section[2])
    merged.text = "Section 5: Platforms"
    for number, question in (("5.1", CCM), ("5.2", DAYCARE), ("5.3", SOC2_AGAIN)):
        cells = table.add_row().cells
        cells[0].text = number
        cells[1].text = question
    document.save(str(path))
    return path


def build_workbook(path: Path, rows: list[list[object]]) -> Path:
    """A one-sheet workbook with the given rows."""
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


def build_document(path: Path, paragraphs: list[str]) -> Path:
    """A Word document with the given plain paragraphs."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def build_protected(path: Path) -> Path:
    """What Office writes for a password-protected file: an OLE compound document, whatever the suffix."""
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504 + b"EncryptedPackage")
    return path


def build_truncated(path: Path, good: Path) -> Path:
    """A copy of a good package cut in half, as an interrupted download leaves it."""
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def build_zip_without_office_parts(path: Path) -> Path:
    """A valid zip that is not an Office package."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("notes.txt", "not a workbook")
    path.write_bytes(buffer.getvalue())
    return path


def sheet_records(path: Path, sheet: str, header_row: int) -> list[dict[str, object]]:
    """The rows under header_row of one sheet of a workbook, as {header: value} (empty rows included)."""
    ws = openpyxl.load_workbook(path)[sheet]
    headers = [cell.value for cell in ws[header_row]]
    return [
        {str(h): value for h, value in zip(headers, row, strict=False) if h is not None}
        for row in ws.iter_rows(min_row=header_row + 1, values_only=True)
    ]


def paragraph_texts(path: Path) -> list[str]:
    """The body paragraphs of a Word document, in order."""
    return [p.text for p in docx.Document(str(path)).paragraphs]


def table_rows(path: Path, index: int = 0) -> list[list[str]]:
    """The cell texts of one table of a Word document, row by row (merged cells repeat)."""
    table = docx.Document(str(path)).tables[index]
    return [[cell.text for cell in row.cells] for row in table.rows]


def run_questionnaire_cli(
    args: list[str], *, cwd: Path, settings: Settings | None = None, env: dict[str, str] | None = None
) -> Result:
    """`deal-assistant questionnaire ARGS` in cwd (no ./.env there), over settings' knowledge base if given.

    The environment's own DEAL_/SLACK_ variables are hidden, so this is safe in module-scoped fixtures too.
    """
    environment: dict[str, str | None] = {
        name: None for name in os.environ if name.startswith(("DEAL_", "SLACK_"))
    }
    if settings is not None:
        environment.update(
            DEAL_DATA_DIR=str(settings.data_dir),
            DEAL_KNOWLEDGE_DIR=str(settings.knowledge_dir),
            DEAL_COLLECTION_PREFIX=settings.collection_prefix,
            DEAL_TOP_K=str(settings.top_k),
        )
        if settings.chroma_url:
            environment["DEAL_CHROMA_URL"] = settings.chroma_url
    environment.update(env or {})
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        return CliRunner().invoke(app, ["questionnaire", *args], env=environment)


def one_line(text: str) -> str:
    """Terminal output with rich's line wrapping undone."""
    return " ".join(text.split())
