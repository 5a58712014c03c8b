"""`deal-assistant questionnaire` on a generated .xlsx RFP, real Assistant over the demo knowledge base."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from typer.testing import Result

from assistant.answering.core import Assistant
from assistant.models import Audience, Request, Status
from assistant.questionnaires import NOT_FOUND_TEXT, RESTRICTED_TEXT
from assistant.settings import Settings
from tests.questionnaire_builders import (
    DAYCARE,
    HITRUST,
    MAILROOM,
    MANDARIN,
    PRINT_MAIL,
    SOC2,
    SOC2_AGAIN,
    build_rfp_workbook,
    one_line,
    run_questionnaire_cli,
    sheet_records,
)

CLIENT = "Harbor Mutual"
FILLED_COLUMNS = ("Response", "Confidence", "Sources", "Needs review", "Approved")


@dataclass
class Run:
    result: Result
    source: Path
    output: Path
    digest_before: str


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, demo_settings: Settings) -> Run:
    folder = tmp_path_factory.mktemp("xlsx-rfp")
    source = build_rfp_workbook(folder / "harbor-rfp.xlsx")
    before = _digest(source)
    result = run_questionnaire_cli([str(source), "--client", CLIENT], cwd=folder, settings=demo_settings)
    return Run(result, source, folder / "harbor-rfp-filled.xlsx", before)


@pytest.fixture(scope="module")
def security(run: Run) -> dict[str, dict[str, object]]:
    """The Security sheet's rows keyed by their ID (or question, for rows without an ID)."""
    rows = sheet_records(run.output, "Security", header_row=2)
    return {str(r.get("ID") or r.get("Question") or f"blank-{i}"): r for i, r in enumerate(rows)}


def _expected(assistant: Assistant, question: str) -> tuple[str, str]:
    """(answer text, confidence label) the filled copy must hold: the real core's draft, CLI default."""
    answer = assistant.draft(Request(question=question, client=CLIENT, audience=Audience.INTERNAL))
    if answer.status is Status.NOT_FOUND:
        return NOT_FOUND_TEXT, "not found"
    if answer.status is Status.RESTRICTED:
        return RESTRICTED_TEXT, "restricted"
    assert answer.confidence is not None
    return answer.answer.strip(), answer.confidence.value


def test_cli_writes_the_copy_next_to_the_input_and_exits_zero(run: Run) -> None:
    assert run.result.exit_code == 0, run.result.output
    assert run.output.is_file()
    assert sorted(p.name for p in run.source.parent.iterdir()) == [
        "harbor-rfp-filled.xlsx",
        "harbor-rfp.xlsx",
    ]


def test_original_workbook_is_byte_for_byte_unchanged(run: Run) -> None:
    assert run.result.exit_code == 0, run.result.output
    assert _digest(run.source) == run.digest_before


def test_empty_response_column_is_reused_and_review_columns_follow_it(run: Run) -> None:
    ws = openpyxl.load_workbook(run.output)["Security"]
    headers = [cell.value for cell in ws[2]]
    assert headers == ["ID", "Question", *FILLED_COLUMNS, "Comments"]


def test_every_question_row_holds_the_real_drafts_answer_and_confidence(
    security: dict[str, dict[str, object]], demo_assistant: Assistant
) -> None:
    for row_id, question in (("1.1", SOC2), ("1.2", HITRUST), ("2.1", MANDARIN)):
        answer, confidence = _expected(demo_assistant, question)
        assert security[row_id]["Response"] == answer, row_id
        assert security[row_id]["Confidence"] == confidence, row_id


def test_unanswerable_question_gets_the_marker_and_needs_review(
    security: dict[str, dict[str, object]],
) -> None:
    mandarin = security["2.1"]
    assert mandarin["Response"] == NOT_FOUND_TEXT
    assert mandarin["Confidence"] == "not found"
    assert mandarin["Sources"] is None
    assert mandarin["Needs review"] == "yes"


def test_needs_review_is_yes_exactly_for_low_not_found_and_restricted(
    security: dict[str, dict[str, object]],
) -> None:
    answered = [r for r in security.values() if r.get("Confidence")]
    assert len(answered) == 4
    for row in answered:
        assert row["Confidence"] in {"high", "medium", "low", "not found", "restricted"}
        flagged = row["Confidence"] in {"low", "not found", "restricted"}
        assert row["Needs review"] == ("yes" if flagged else "no"), row
        if not flagged:
            assert row["Sources"], row


def test_repeated_question_gets_the_identical_answer(security: dict[str, dict[str, object]]) -> None:
    first, again = security["1.1"], security["2.2"]
    assert again["Question"] == SOC2_AGAIN
    assert [first[c] for c in FILLED_COLUMNS] == [again[c] for c in FILLED_COLUMNS]


def test_section_headers_and_blank_rows_are_left_alone(run: Run) -> None:
    ws = openpyxl.load_workbook(run.output)["Security"]
    for row in (3, 6, 7):
        assert [ws.cell(row, col).value for col in range(3, 7)] == [None] * 4, row
    assert ws["B7"].value == "Section 2: Operations"


def test_other_columns_keep_their_values_and_merged_banners_span_the_new_columns(run: Run) -> None:
    ws = openpyxl.load_workbook(run.output)["Security"]
    assert ws["H4"].value == "Attach the latest report"
    assert ws["H8"].value == "Required for our Shanghai office"
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:H1", "A3:H3"}
    assert ws.column_dimensions["H"].width == 30


def test_question_column_found_by_content_gets_labelled_columns_beside_it(
    run: Run, demo_assistant: Assistant
) -> None:
    rows = sheet_records(run.output, "Services", header_row=1)
    assert list(rows[0]) == ["Item", "Answer", "Confidence", "Sources", "Needs review", "Approved", "Weight"]
    by_item = {r["Item"]: r for r in rows}
    assert by_item[PRINT_MAIL]["Answer"] == _expected(demo_assistant, PRINT_MAIL)[0]
    assert by_item[MAILROOM]["Answer"] == _expected(demo_assistant, MAILROOM)[0]
    assert by_item[DAYCARE]["Answer"] == NOT_FOUND_TEXT
    assert by_item["Print and mail"]["Answer"] is None
    assert [r["Weight"] for r in rows] == [10, 5, None, 1]


def test_sheet_without_questions_is_untouched(run: Run) -> None:
    original = openpyxl.load_workbook(run.source)["Instructions"]
    filled = openpyxl.load_workbook(run.output)["Instructions"]
    assert list(filled.values) == list(original.values)


def test_summary_counts_match_the_written_file(run: Run, security: dict[str, dict[str, object]]) -> None:
    services = sheet_records(run.output, "Services", header_row=1)
    labels = [r["Confidence"] for r in [*security.values(), *services] if r.get("Confidence")]
    output = one_line(run.result.stdout)
    assert "Filled 7 questions (6 unique) in harbor-rfp-filled.xlsx" in output
    for label in ("high", "medium", "low"):
        assert f"{labels.count(label)} {label}" in output
    assert f"{labels.count('not found')} not found" in output
    assert f"{labels.count('restricted')} restricted" in output
    review = sum(1 for label in labels if label in {"low", "not found", "restricted"})
    assert f"{review} need" in output
    assert f"review: Security!B8: {MANDARIN}" in output
