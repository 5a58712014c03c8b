"""The library entry point `fill_questionnaire` (used by the Slack bot) with the real Assistant."""

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl
import pytest

from assistant.answering.core import Assistant
from assistant.errors import QuestionnaireError
from assistant.models import Answer, Audience, Citation, Confidence, Status
from assistant.questionnaires import NOT_FOUND_TEXT, RESTRICTED_TEXT, QuestionnaireSummary, fill_questionnaire
from assistant.questionnaires.filling import fill_from
from tests.questionnaire_builders import (
    MAILROOM,
    MANDARIN,
    PRINT_MAIL,
    SOC2,
    SOC2_AGAIN,
    build_workbook,
    sheet_records,
    table_rows,
)

MAX_QUESTIONS = 100
MAX_BYTES = 10 * 1024 * 1024


def _fill(path: Path, out: Path, assistant: Assistant) -> QuestionnaireSummary:
    return fill_questionnaire(
        path,
        out,
        client="Harbor Mutual",
        audience=Audience.EXTERNAL,
        answerer=assistant,
        max_questions=MAX_QUESTIONS,
        max_bytes=MAX_BYTES,
    )


def test_progress_counts_distinct_questions_and_summary_counts_every_one(
    tmp_path: Path, demo_assistant: Assistant
) -> None:
    path = build_workbook(tmp_path / "rfp.xlsx", [["Question"], [SOC2], [MANDARIN], [SOC2_AGAIN]])
    calls: list[tuple[int, int]] = []
    summary = fill_questionnaire(
        path,
        tmp_path / "out.xlsx",
        client="Harbor Mutual",
        audience=Audience.EXTERNAL,
        answerer=demo_assistant,
        progress=lambda done, total: calls.append((done, total)),
        max_questions=MAX_QUESTIONS,
        max_bytes=MAX_BYTES,
    )
    assert calls == [(0, 2), (1, 2), (2, 2)]
    assert (summary.questions, summary.unique, summary.not_found) == (3, 2, 1)
    assert summary.high + summary.medium + summary.low + summary.not_found + summary.restricted == 3
    assert summary.output == tmp_path / "out.xlsx"
    assert f"Sheet!A3: {MANDARIN}" in summary.to_review
    assert summary.text().startswith("Filled 3 questions (2 unique) in out.xlsx: ")
    assert "1 not found" in summary.text()


def test_answer_column_with_human_answers_is_kept_and_new_columns_are_added(
    tmp_path: Path, demo_assistant: Assistant
) -> None:
    rows: list[list[object]] = [
        ["Question", "Answer"],
        [PRINT_MAIL, "Yes, see attachment 3."],
        [MAILROOM, None],
    ]
    path = build_workbook(tmp_path / "rfp.xlsx", rows)
    _fill(path, tmp_path / "out.xlsx", demo_assistant)
    records = sheet_records(tmp_path / "out.xlsx", "Sheet", header_row=1)
    headers = [c.value for c in openpyxl.load_workbook(tmp_path / "out.xlsx")["Sheet"][1]]
    assert headers == ["Question", "Answer", "Confidence", "Sources", "Needs review", "Approved", "Answer"]
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["Sheet"]
    assert ws["G2"].value == "Yes, see attachment 3."
    assert ws["B2"].value and ws["B2"].value != "Yes, see attachment 3."
    assert all(r["Confidence"] in {"high", "medium", "low"} for r in records)


def test_sheet_with_formulas_gets_columns_after_the_last_one_so_formulas_stay_valid(
    tmp_path: Path, demo_assistant: Assistant
) -> None:
    rows: list[list[object]] = [
        ["Requirement", "Weight", "Score"],
        [SOC2, 3, "=B2*2"],
        [MAILROOM, 5, "=B3*2"],
    ]
    path = build_workbook(tmp_path / "rfp.xlsx", rows)
    _fill(path, tmp_path / "out.xlsx", demo_assistant)
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["Sheet"]
    assert [c.value for c in ws[1]] == [
        "Requirement",
        "Weight",
        "Score",
        "Answer",
        "Confidence",
        "Sources",
        "Needs review",
        "Approved",
    ]
    assert (ws["C2"].value, ws["C3"].value) == ("=B2*2", "=B3*2")
    assert ws["D2"].value and ws["E2"].value in {"high", "medium", "low"}


def test_question_cells_merged_across_columns_are_questions_but_row_wide_banners_are_not(
    tmp_path: Path, demo_assistant: Assistant
) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Question", None, "Response"])
    ws.append(["What we need to know about your services"])
    ws.append([PRINT_MAIL, None, None])
    for row in (1, 3):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    ws.merge_cells("A2:C2")
    wb.save(tmp_path / "rfp.xlsx")

    summary = _fill(tmp_path / "rfp.xlsx", tmp_path / "out.xlsx", demo_assistant)
    filled = openpyxl.load_workbook(tmp_path / "out.xlsx")["Sheet"]
    assert summary.questions == 1
    assert [c.value for c in filled[1]] == [
        "Question",
        None,
        "Response",
        "Confidence",
        "Sources",
        "Needs review",
        "Approved",
    ]
    assert filled["C3"].value and filled["D3"].value in {"high", "medium", "low"}
    assert filled["C2"].value is None
    assert {str(r) for r in filled.merged_cells.ranges} == {"A1:B1", "A3:B3", "A2:C2"}


def test_requirement_statements_under_a_requirement_header_are_answered(
    tmp_path: Path, demo_assistant: Assistant
) -> None:
    rows: list[list[object]] = [
        ["Ref", "RFP Requirement"],
        ["R1", "The vendor shall provide secure print and mail production."],
        ["", "Data protection"],
        ["R2", "Supplier must offer a digital mailroom service"],
    ]
    path = build_workbook(tmp_path / "rfp.xlsx", rows)
    summary = _fill(path, tmp_path / "out.xlsx", demo_assistant)
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["Sheet"]
    assert [ws.cell(row, 3).value is not None for row in (2, 3, 4)] == [True, False, True]
    assert summary.questions == 2


def test_docx_table_without_response_column_gets_one_and_placeholders_are_replaced(
    tmp_path: Path, demo_assistant: Assistant
) -> None:
    document = docx.Document()
    plain = document.add_table(rows=1, cols=2)
    plain.rows[0].cells[0].text, plain.rows[0].cells[1].text = "#", "Requirement"
    cells = plain.add_row().cells
    cells[0].text, cells[1].text = "1", MANDARIN
    placeholder = document.add_table(rows=1, cols=2)
    placeholder.rows[0].cells[0].text, placeholder.rows[0].cells[1].text = "Question", "Vendor Response"
    cells = placeholder.add_row().cells
    cells[0].text, cells[1].text = PRINT_MAIL, "[Vendor to complete]"
    document.save(str(tmp_path / "rfp.docx"))

    _fill(tmp_path / "rfp.docx", tmp_path / "out.docx", demo_assistant)
    first = table_rows(tmp_path / "out.docx", 0)
    assert first[0] == ["#", "Requirement", "Response"]
    assert first[1][2].startswith(NOT_FOUND_TEXT)
    second = table_rows(tmp_path / "out.docx", 1)
    assert second[0] == ["Question", "Vendor Response"]
    assert "[Vendor to complete]" not in second[1][1]
    assert "Needs review: " in second[1][1]


def test_docx_question_cells_merged_across_columns_are_answered_and_full_width_rows_skipped(
    tmp_path: Path, demo_assistant: Assistant
) -> None:
    document = docx.Document()
    table = document.add_table(rows=3, cols=4)
    header, banner, question = (row.cells for row in table.rows)
    header[0].text, header[3].text = "No.", "Response"
    header[1].merge(header[2]).text = "Question"
    banner[0].merge(banner[3]).text = "What we need to know about your services"
    question[0].text = "1"
    question[1].merge(question[2]).text = MAILROOM
    document.save(str(tmp_path / "rfp.docx"))

    summary = _fill(tmp_path / "rfp.docx", tmp_path / "out.docx", demo_assistant)
    rows = table_rows(tmp_path / "out.docx")
    assert summary.questions == 1
    assert rows[1] == ["What we need to know about your services"] * 4
    assert rows[2][:3] == ["1", MAILROOM, MAILROOM]
    assert "Needs review: " in rows[2][3]


def test_failed_save_leaves_no_file_behind(tmp_path: Path, demo_assistant: Assistant) -> None:
    path = build_workbook(tmp_path / "rfp.xlsx", [["Question"], [SOC2]])
    blocked = tmp_path / "out.xlsx"
    blocked.mkdir()  # os.replace cannot put a file where a folder is
    with pytest.raises(QuestionnaireError, match="could not write"):
        _fill(path, blocked, demo_assistant)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx", "rfp.xlsx"]
    assert list(blocked.iterdir()) == []


def _citation(number: int, source: str) -> Citation:
    return Citation(number=number, source=source, title=source.split("/")[-1], chunk_id=f"{source}#{number}")


def test_not_found_answer_is_written_as_the_marker_without_the_nearest_documents() -> None:
    answer = Answer(
        question=MANDARIN,
        status=Status.NOT_FOUND,
        answer="No approved answer. Nearest documents: Managed Print and Mail Centers.",
        nearest=["offerings/managed-print-mail.md"],
    )
    fill = fill_from(answer)
    assert (fill.answer, fill.confidence, fill.sources, fill.needs_review) == (
        NOT_FOUND_TEXT,
        "not found",
        (),
        True,
    )


def test_restricted_answer_names_no_sources() -> None:
    answer = Answer(
        question="What is our Cobalt Ridge price?",
        status=Status.RESTRICTED,
        answer="This is covered only in confidential documents.",
        citations=[_citation(1, "sows/cobalt-ridge.docx")],
    )
    fill = fill_from(answer)
    assert (fill.answer, fill.confidence, fill.sources, fill.needs_review) == (
        RESTRICTED_TEXT,
        "restricted",
        (),
        True,
    )


def test_answered_sources_are_listed_once_and_only_low_confidence_needs_review() -> None:
    citations = [
        _citation(1, "offerings/a.md"),
        _citation(2, "offerings/a.md"),
        _citation(3, "offerings/b.md"),
    ]
    high = Answer(
        question="q", status=Status.ANSWERED, answer=" Yes. ", confidence=Confidence.HIGH, citations=citations
    )
    low = high.model_copy(update={"confidence": Confidence.LOW})
    assert fill_from(high).sources == ("a.md (offerings/a.md)", "b.md (offerings/b.md)")
    assert (fill_from(high).answer, fill_from(high).needs_review) == ("Yes.", False)
    assert fill_from(low).needs_review is True
