"""Writes the filled copy of a questionnaire atomically: a temp file in the target folder, then os.replace."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.errors import QuestionnaireError
from assistant.questionnaires.docx_writing import fill_document
from assistant.questionnaires.layout import Fill, Questionnaire, WorkbookQuestionnaire
from assistant.questionnaires.marking import mark_document, mark_workbook
from assistant.questionnaires.xlsx_writing import fill_workbook


def default_output_path(path: Path) -> Path:
    """Where the filled copy goes unless told otherwise: IN-filled.xlsx next to IN.xlsx."""
    return path.with_name(f"{path.stem}-filled{path.suffix}")


def check_output(path: Path, out_path: Path) -> None:
    """Refuse an output that would overwrite the original, change the format, or land in a missing folder."""
    if out_path.suffix.lower() != path.suffix.lower():
        raise QuestionnaireError(
            f"{out_path.name}: the filled copy must be {path.suffix.lower()} like the original"
        )
    if out_path.resolve() == path.resolve():
        raise QuestionnaireError(
            f"{out_path.name}: the filled copy would overwrite the original; choose another name"
        )
    if not out_path.parent.is_dir():
        raise QuestionnaireError(f"{out_path.parent}: no such folder for the filled copy")


def write_filled(
    questionnaire: Questionnaire, fills: Sequence[Fill], out_path: Path, *, client: str | None = None
) -> None:
    """Write the answers into the loaded questionnaire and save it as out_path, whole or not at all.

    The copy carries a marker (see `marking`) so that `library import` can read the reviewed file back.
    """
    check_output(questionnaire.path, out_path)
    if isinstance(questionnaire, WorkbookQuestionnaire):
        columns = fill_workbook(questionnaire, fills)
        mark_workbook(questionnaire, fills, columns, client=client)
        save = questionnaire.workbook.save
    else:
        fill_document(questionnaire, fills)
        mark_document(questionnaire, fills, client=client)
        save = questionnaire.document.save
    _save_atomically(save, out_path)


def _save_atomically(save: Callable[[str], None], out_path: Path) -> None:
    temp_name: str | None = None
    try:
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{out_path.stem}-", suffix=out_path.suffix, dir=out_path.parent
        )
        os.close(handle)
        save(temp_name)
        os.replace(temp_name, out_path)
    except OSError as e:
        raise QuestionnaireError(f"could not write {out_path}: {e.strerror or e}") from e
    finally:
        if temp_name is not None and os.path.exists(temp_name):
            os.unlink(temp_name)
