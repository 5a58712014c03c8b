"""`deal-assistant questionnaire` on a generated .docx RFP, real Assistant over the demo knowledge base."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import Result

from assistant.answering.core import Assistant
from assistant.models import Audience, Request, Status
from assistant.questionnaires import NOT_FOUND_TEXT
from assistant.settings import Settings
from tests.questionnaire_builders import (
    CCM,
    DAYCARE,
    MANDARIN,
    PRINT_MAIL,
    SOC2,
    SOC2_AGAIN,
    build_rfp_document,
    one_line,
    paragraph_texts,
    run_questionnaire_cli,
    table_rows,
)

CLIENT = "Harbor Mutual"


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
    folder = tmp_path_factory.mktemp("docx-rfp")
    (folder / "out").mkdir()
    source = build_rfp_document(folder / "harbor-rfp.docx")
    before = _digest(source)
    output = folder / "out" / "answers.docx"
    args = [str(source), "--client", CLIENT, "-o", str(output), "--audience", "internal"]
    result = run_questionnaire_cli(args, cwd=folder, settings=demo_settings)
    return Run(result, source, output, before)


@pytest.fixture(scope="module")
def paragraphs(run: Run) -> list[str]:
    assert run.result.exit_code == 0, run.result.output
    return paragraph_texts(run.output)


def _internal_draft(assistant: Assistant, question: str) -> str:
    answer = assistant.draft(Request(question=question, client=CLIENT, audience=Audience.INTERNAL))
    assert answer.status is Status.ANSWERED, question
    return answer.answer.strip()


def _block_after(paragraphs: list[str], question: str) -> tuple[int, int]:
    """Start and end (exclusive) of the paragraphs inserted after the question ending with `question`."""
    start = next(i for i, text in enumerate(paragraphs) if text.endswith(question)) + 1
    end = next(i for i in range(start, len(paragraphs)) if paragraphs[i].startswith("Confidence: ")) + 1
    return start, end


def _after(paragraphs: list[str], question: str) -> tuple[list[str], str]:
    """The answer paragraphs and the confidence/sources/review line inserted after a question."""
    start, end = _block_after(paragraphs, question)
    return paragraphs[start : end - 1], paragraphs[end - 1]


def test_cli_writes_the_named_output_and_leaves_the_original_unchanged(run: Run) -> None:
    assert run.result.exit_code == 0, run.result.output
    assert run.output.is_file()
    assert not (run.source.parent / "harbor-rfp-filled.docx").exists()
    assert _digest(run.source) == run.digest_before


def test_numbered_question_is_followed_by_its_answer_and_a_review_line(
    paragraphs: list[str], demo_assistant: Assistant
) -> None:
    answer, meta = _after(paragraphs, f"4.1 {PRINT_MAIL}")
    assert answer[0].startswith("Answer: ")
    assert one_line("\n".join(answer)) == one_line(f"Answer: {_internal_draft(demo_assistant, PRINT_MAIL)}")
    assert meta.startswith("Confidence: ")
    confidence = meta.removeprefix("Confidence: ").split(" ·")[0]
    assert confidence in {"high", "medium", "low"}
    review = "Needs review: yes" if confidence == "low" else "Needs review: no"
    assert meta.endswith(review + " · Approved: ")
    assert "managed-print-mail" in meta


def test_list_numbered_question_the_knowledge_base_cannot_answer_gets_the_marker(
    paragraphs: list[str],
) -> None:
    answer, meta = _after(paragraphs, MANDARIN)
    assert answer == [f"Answer: {NOT_FOUND_TEXT}"]
    assert meta == "Confidence: not found · Sources: none · Needs review: yes · Approved: "


def test_only_the_three_questions_get_answers_not_headings_or_prose(run: Run, paragraphs: list[str]) -> None:
    remaining = list(paragraphs)
    for question in (MANDARIN, f"4.2 {SOC2}", f"4.1 {PRINT_MAIL}"):
        start, end = _block_after(remaining, question)
        del remaining[start:end]
    assert remaining == paragraph_texts(run.source)


def test_question_table_response_cells_are_filled_and_the_section_row_kept(
    run: Run, demo_assistant: Assistant
) -> None:
    rows = table_rows(run.output)
    assert rows[0] == ["No.", "Question", "Response"]
    assert rows[1] == ["Section 5: Platforms"] * 3
    by_number = {row[0]: row for row in rows[2:]}
    assert by_number["5.1"][2].startswith(_internal_draft(demo_assistant, CCM))
    assert by_number["5.2"][1] == DAYCARE
    assert (
        by_number["5.2"][2]
        == f"{NOT_FOUND_TEXT}\nConfidence: not found · Sources: none · Needs review: yes · Approved: "
    )


def test_repeated_question_gets_the_identical_answer_and_review_line(run: Run, paragraphs: list[str]) -> None:
    answer, meta = _after(paragraphs, f"4.2 {SOC2}")
    repeat = {row[0]: row for row in table_rows(run.output)[2:]}["5.3"]
    assert repeat[1] == SOC2_AGAIN
    assert repeat[2] == "\n".join([answer[0].removeprefix("Answer: "), *answer[1:], meta])


def test_summary_reports_the_duplicate_once(run: Run) -> None:
    output = one_line(run.result.stdout)
    assert "Filled 6 questions (5 unique) in answers.docx" in output
    assert "2 not found" in output
