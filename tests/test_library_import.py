"""Approving a whole reviewed questionnaire: filled by Deal Assistant, edited and marked by people."""

from __future__ import annotations

import csv
from pathlib import Path

import docx
import openpyxl
import pytest

from assistant.answering.core import Assistant
from assistant.errors import QuestionnaireError
from assistant.library import AnswerLibrary
from assistant.library.importing import import_reviewed
from assistant.models import Audience
from assistant.questionnaires import fill_questionnaire
from assistant.settings import Settings
from tests.library_fixtures import knowledge_copy, library_for
from tests.questionnaire_builders import (
    CCM,
    DAYCARE,
    PRINT_MAIL,
    SOC2,
    build_rfp_document,
    build_rfp_workbook,
    build_workbook,
)

MAX_BYTES = 10 * 1024 * 1024
EDITED = (
    "Yes. Our print and mail centers hold SOC 2 Type II reports, renewed every year by an outside auditor."
)


@pytest.fixture
def library(demo_settings: Settings, tmp_path: Path) -> AnswerLibrary:
    settings = demo_settings.model_copy(
        update={"knowledge_dir": knowledge_copy(tmp_path), "library_db": tmp_path / "library.sqlite3"}
    )
    return library_for(settings)


def _fill(path: Path, assistant: Assistant) -> Path:
    out = path.with_name(f"{path.stem}-filled{path.suffix}")
    fill_questionnaire(
        path,
        out,
        client="Harbor Mutual",
        audience=Audience.INTERNAL,
        answerer=assistant,
        max_questions=100,
        max_bytes=MAX_BYTES,
    )
    return out


def _library_rows(library: AnswerLibrary) -> list[dict[str, str]]:
    out = []
    for file in sorted((library.knowledge_dir / "rfp-answers").glob("approved*.csv")):
        with file.open(encoding="utf-8", newline="") as f:
            out += list(csv.DictReader(f))
    return out


def test_reviewed_workbook_rows_marked_approved_are_imported_with_their_edited_answers(
    tmp_path: Path, demo_assistant: Assistant, library: AnswerLibrary
) -> None:
    filled = _fill(build_rfp_workbook(tmp_path / "rfp.xlsx"), demo_assistant)
    wb = openpyxl.load_workbook(filled)
    ws = wb["Security"]
    headers = [c.value for c in ws[2]]
    assert headers[:7] == ["ID", "Question", "Response", "Confidence", "Sources", "Needs review", "Approved"]
    assert all(ws.cell(r, 7).value is None for r in range(3, ws.max_row + 1)), "Approved starts empty"
    assert wb["_deal_assistant"].sheet_state == "veryHidden"
    soc2_row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 2).value == SOC2)
    ws.cell(soc2_row, 3).value = EDITED  # the reviewer rewrote the answer
    ws.cell(soc2_row, 7).value = "Yes"
    services = wb["Services"]
    approved_col = [c.value for c in services[1]].index("Approved") + 1
    print_row = next(r for r in range(2, services.max_row + 1) if services.cell(r, 1).value == PRINT_MAIL)
    services.cell(print_row, approved_col).value = "x"
    daycare_row = next(r for r in range(2, services.max_row + 1) if services.cell(r, 1).value == DAYCARE)
    services.cell(daycare_row, approved_col).value = "✓"  # marked, but the reviewer cleared the answer
    services.cell(daycare_row, approved_col - 4).value = None
    wb.save(filled)

    result = import_reviewed(library, filled, approved_by="dana", max_bytes=MAX_BYTES)

    taken = {a.entry.question: a.entry for a in result.added}
    assert set(taken) == {SOC2, PRINT_MAIL}, result.text()
    assert taken[SOC2].answer == EDITED, "the Answer cell as the reviewer left it"
    assert taken[SOC2].approved_by == "dana" and taken[SOC2].origin == "questionnaire"
    assert any("no answer" in s for s in result.skipped)
    assert {r["question"] for r in _library_rows(library)} == {SOC2, PRINT_MAIL}
    again = import_reviewed(library, filled, approved_by="dana", max_bytes=MAX_BYTES)
    assert again.added == [] and len(library.store.entries()) == 2, (
        "importing the same copy twice adds nothing"
    )


def test_reviewed_document_answers_marked_approved_are_imported(
    tmp_path: Path, demo_assistant: Assistant, library: AnswerLibrary
) -> None:
    filled = _fill(build_rfp_document(tmp_path / "rfp.docx"), demo_assistant)
    document = docx.Document(str(filled))
    metas = [p for p in document.paragraphs if p.text.startswith("Confidence:")]
    cells = [
        p
        for t in document.tables
        for row in t.rows
        for cell in row.cells
        for p in cell.paragraphs
        if p.text.startswith("Confidence:")
    ]
    assert metas and cells and all(p.text.endswith("· Approved: ") for p in metas + cells)
    # paragraph question 4.1 (print and mail): edit the answer and approve it
    first_meta = metas[0]
    answer_paragraph = next(p for p in document.paragraphs if p.text.startswith("Answer:"))
    for run in answer_paragraph.runs[1:]:
        run.text = ""
    answer_paragraph.runs[-1].text = EDITED
    first_meta.add_run("yes")
    # table question 5.1 (CCM): approve as is
    ccm_cell = next(row.cells[2] for t in document.tables for row in t.rows if row.cells[1].text == CCM)
    ccm_meta = next(p for p in ccm_cell.paragraphs if p.text.startswith("Confidence:"))
    ccm_meta.add_run("Y")
    document.save(str(filled))

    result = import_reviewed(library, filled, approved_by="dana", max_bytes=MAX_BYTES)

    taken = {a.entry.question: a.entry for a in result.added}
    assert set(taken) == {PRINT_MAIL, CCM}, result.text()
    assert taken[PRINT_MAIL].answer == EDITED
    assert "Confidence:" not in taken[CCM].answer and taken[CCM].answer


def test_a_file_not_filled_by_deal_assistant_is_refused(tmp_path: Path, library: AnswerLibrary) -> None:
    foreign = build_workbook(
        tmp_path / "theirs.xlsx", [["Question", "Answer", "Approved"], [SOC2, "Yes.", "yes"]]
    )
    with pytest.raises(QuestionnaireError, match="not filled by Deal Assistant"):
        import_reviewed(library, foreign, approved_by="dana", max_bytes=MAX_BYTES)
    assert library.store.entries() == []


def test_a_filled_copy_whose_layout_changed_beyond_recognition_is_refused(
    tmp_path: Path, demo_assistant: Assistant, library: AnswerLibrary
) -> None:
    filled = _fill(build_rfp_workbook(tmp_path / "rfp.xlsx"), demo_assistant)
    wb = openpyxl.load_workbook(filled)
    for name in ("Security", "Services"):
        ws = wb[name]
        ws.delete_cols(1, ws.max_column)  # someone pasted over everything
        ws.append(["Question", "Answer", "Approved"])
        ws.append(["Something else entirely?", "Yes.", "yes"])
    wb.save(filled)
    with pytest.raises(QuestionnaireError, match="beyond recognition"):
        import_reviewed(library, filled, approved_by="dana", max_bytes=MAX_BYTES)
    assert library.store.entries() == []
