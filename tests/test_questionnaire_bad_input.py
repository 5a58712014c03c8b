"""Files the questionnaire command refuses: one line on stderr, exit 1, input untouched, nothing written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.docbuilders import rewrite_zip
from tests.questionnaire_builders import (
    build_document,
    build_protected,
    build_rfp_document,
    build_rfp_workbook,
    build_truncated,
    build_workbook,
    build_zip_without_office_parts,
    one_line,
    run_questionnaire_cli,
)


def _protected_xlsx(folder: Path) -> Path:
    return build_protected(folder / "locked.xlsx")


def _protected_docx(folder: Path) -> Path:
    return build_protected(folder / "locked.docx")


def _empty(folder: Path) -> Path:
    path = folder / "empty.xlsx"
    path.touch()
    return path


def _truncated_xlsx(folder: Path) -> Path:
    return build_truncated(folder / "cut.xlsx", build_rfp_workbook(folder.parent / "good.xlsx"))


def _truncated_docx(folder: Path) -> Path:
    return build_truncated(folder / "cut.docx", build_rfp_document(folder.parent / "good.docx"))


def _random_bytes(folder: Path) -> Path:
    path = folder / "noise.docx"
    path.write_bytes(b"this is plain text pretending to be a Word document\n" * 20)
    return path


def _zip_not_office(folder: Path) -> Path:
    return build_zip_without_office_parts(folder / "archive.xlsx")


def _workbook_named_docx(folder: Path) -> Path:
    workbook = build_rfp_workbook(folder.parent / "real.xlsx")
    path = folder / "renamed.docx"
    path.write_bytes(workbook.read_bytes())
    return path


def _unsupported(folder: Path) -> Path:
    path = folder / "questions.csv"
    path.write_text("Question\nDo you hold SOC 2 Type II certification?\n")
    return path


def _price_list(folder: Path) -> Path:
    rows: list[list[object]] = [["Service", "Unit price"], ["Print", 0.12], ["Mail", 0.45]]
    return build_workbook(folder / "prices.xlsx", rows)


def _prose(folder: Path) -> Path:
    paragraphs = ["Company overview", "Meridian has served insurers since 1998.", "Any questions? Call us."]
    return build_document(folder / "overview.docx", paragraphs)


def _whole_grid_xlsx(folder: Path) -> Path:
    """5 KB that declare A1:XFD1048576 and hold one empty styled cell there: 17 billion cells if iterated."""
    import re

    def edit(name: str, data: bytes) -> bytes:
        if not name.startswith("xl/worksheets/sheet"):
            return data
        data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data)
        return data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>')

    return rewrite_zip(build_rfp_workbook(folder / "grid.xlsx"), edit)


def _bomb_docx(folder: Path) -> Path:
    filler = {"word/media/filler.bin": bytes(4 * 1024 * 1024)}  # compresses about a thousand times
    return rewrite_zip(build_rfp_document(folder / "bomb.docx"), lambda name, data: data, filler)


CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "protected-xlsx": (_protected_xlsx, "locked.xlsx is password-protected"),
    "protected-docx": (_protected_docx, "locked.docx is password-protected"),
    "empty": (_empty, "empty.xlsx is empty"),
    "truncated-xlsx": (_truncated_xlsx, "cut.xlsx is corrupt"),
    "truncated-docx": (_truncated_docx, "cut.docx is corrupt"),
    "not-a-package": (_random_bytes, "noise.docx is corrupt: it is not a Word document"),
    "zip-not-office": (_zip_not_office, "archive.xlsx is corrupt: it is not an Excel workbook"),
    "workbook-named-docx": (_workbook_named_docx, "renamed.docx is corrupt: it is not a Word document"),
    "unsupported": (_unsupported, "questions.csv: unsupported file type .csv; use .xlsx or .docx"),
    "no-questions-xlsx": (_price_list, "prices.xlsx has no recognisable questions"),
    "no-questions-docx": (_prose, "overview.docx has no recognisable questions"),
    "whole-grid-xlsx": (_whole_grid_xlsx, "extends to XFD1048576 (1,048,576 rows x 16,384 columns"),
    "bomb-docx": (_bomb_docx, "bomb.docx is too large: archive member 'word/media/filler.bin' expands"),
}


def _assert_refused(
    folder: Path, path: Path, args: list[str], expected: str, env: dict[str, str] | None = None
) -> None:
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    result = run_questionnaire_cli([str(path), "--client", "Harbor Mutual", *args], cwd=folder, env=env)
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr).startswith("error: ")
    assert expected in one_line(result.stderr)
    assert "Traceback" not in result.output
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


@pytest.mark.parametrize("case", list(CASES))
def test_unusable_file_is_refused_with_one_line_and_nothing_written(tmp_path: Path, case: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    build, expected = CASES[case]
    path = build(folder)
    _assert_refused(folder, path, [], expected)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    _assert_refused(tmp_path, tmp_path / "nowhere.xlsx", [], "nowhere.xlsx: no such file")


def test_file_over_the_configured_size_is_refused(tmp_path: Path) -> None:
    path = build_rfp_workbook(tmp_path / "big.xlsx")
    size = f"{path.stat().st_size / 1024:.3g} KiB"
    expected = f"big.xlsx is {size}; the limit is 2.05 KiB"
    _assert_refused(tmp_path, path, [], expected, {"DEAL_QUESTIONNAIRE_MAX_MB": "0.002"})


def test_file_over_the_configured_question_limit_is_refused(tmp_path: Path) -> None:
    path = build_rfp_workbook(tmp_path / "long.xlsx")
    expected = "long.xlsx has 7 questions; the limit is 2 per file"
    _assert_refused(tmp_path, path, [], expected, {"DEAL_QUESTIONNAIRE_MAX_QUESTIONS": "2"})


def test_output_that_would_overwrite_the_original_is_refused(tmp_path: Path) -> None:
    path = build_rfp_workbook(tmp_path / "rfp.xlsx")
    _assert_refused(tmp_path, path, ["-o", str(path)], "would overwrite the original")


def test_output_of_another_format_is_refused(tmp_path: Path) -> None:
    path = build_rfp_workbook(tmp_path / "rfp.xlsx")
    _assert_refused(tmp_path, path, ["-o", str(tmp_path / "rfp.docx")], "must be .xlsx like the original")


def test_output_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    path = build_rfp_workbook(tmp_path / "rfp.xlsx")
    out = tmp_path / "missing" / "rfp-filled.xlsx"
    _assert_refused(tmp_path, path, ["-o", str(out)], "no such folder for the filled copy")
