"""Opens a questionnaire file and finds its questions, after type, size, protection and limit checks."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import openpyxl

from assistant.errors import QuestionnaireError
from assistant.questionnaires.docx_reading import find_document_questions
from assistant.questionnaires.layout import Questionnaire
from assistant.questionnaires.xlsx_reading import find_workbook_questions
from assistant.sizes import describe_size
from ingest.formats.archives import ArchiveError, check_archive

SUPPORTED = (".xlsx", ".docx")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_ZIP_MAGIC = b"PK\x03\x04"
_MAIN_PART = {".xlsx": "xl/workbook.xml", ".docx": "word/document.xml"}
_KIND = {".xlsx": "an Excel workbook", ".docx": "a Word document"}
_MAX_EXPANSION = 50  # the package may expand to this many times the file size limit, in all
_MAX_MEMBER_RATIO = 100  # a member over 1 MiB expanding more than this is refused as a zip bomb


def read_questionnaire(path: Path, *, max_bytes: int, max_questions: int) -> Questionnaire:
    """Open an .xlsx or .docx questionnaire and find its questions; QuestionnaireError if unusable."""
    suffix = _check_file(path, max_bytes)
    try:
        if suffix == ".xlsx":
            questionnaire: Questionnaire = find_workbook_questions(path, openpyxl.load_workbook(path))
        else:
            questionnaire = find_document_questions(path, docx.Document(str(path)))
    except QuestionnaireError:
        raise
    except Exception as e:  # openpyxl and python-docx raise many types for a damaged package
        raise QuestionnaireError(f"{path.name} is corrupt: it cannot be read as {_KIND[suffix]} ({e})") from e
    count = len(questionnaire.questions)
    if count == 0:
        looked_for = (
            "a Question/Requirement column or a column of question-like cells"
            if suffix == ".xlsx"
            else "numbered questions or a table with a Question/Requirement column"
        )
        raise QuestionnaireError(f"{path.name} has no recognisable questions (looked for {looked_for})")
    if count > max_questions:
        raise QuestionnaireError(f"{path.name} has {count} questions; the limit is {max_questions} per file")
    return questionnaire


def check_file(path: Path, max_bytes: int) -> str:
    """The lower-case suffix of a usable .xlsx/.docx package; QuestionnaireError naming what is wrong."""
    return _check_file(path, max_bytes)


def _check_file(path: Path, max_bytes: int) -> str:
    """The lower-case suffix of a readable, non-empty, unprotected Office package within the size limit."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise QuestionnaireError(
            f"{path.name}: unsupported file type {suffix or '(no extension)'}; use .xlsx or .docx"
        )
    if not path.is_file():
        raise QuestionnaireError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise QuestionnaireError(f"{path.name} is empty")
    if size > max_bytes:
        limit = describe_size(max_bytes)
        raise QuestionnaireError(f"{path.name} is {describe_size(size)}; the limit is {limit}")
    with path.open("rb") as f:
        head = f.read(len(_ZIP_MAGIC))
    if head.startswith(_OLE_MAGIC):
        raise QuestionnaireError(
            f"{path.name} is password-protected (or an old binary .xls/.doc): "
            f"remove the password and save it as {suffix}"
        )
    if head != _ZIP_MAGIC:
        raise QuestionnaireError(f"{path.name} is corrupt: it is not {_KIND[suffix]}")
    _check_package(path, suffix, max_bytes)
    return suffix


def _check_package(path: Path, suffix: str, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            expanded = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, OSError) as e:
        raise QuestionnaireError(f"{path.name} is corrupt: {e}") from e
    if _MAIN_PART[suffix] not in names:
        raise QuestionnaireError(f"{path.name} is corrupt: it is not {_KIND[suffix]}")
    if expanded > max_bytes * _MAX_EXPANSION:
        raise QuestionnaireError(f"{path.name} expands to {describe_size(expanded)}, too large to open")
    try:  # the same zip-bomb check as ingest
        check_archive(path, max_expanded_bytes=max_bytes * _MAX_EXPANSION, max_ratio=_MAX_MEMBER_RATIO)
    except ArchiveError as e:
        raise QuestionnaireError(f"{path.name} is {e}") from e
