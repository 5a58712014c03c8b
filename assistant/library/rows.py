"""The rows of the answer library as owners keep them: every Q&A row of the rfp-answers spreadsheets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import DocumentError
from assistant.models import DocType
from ingest.formats import read_document
from ingest.metadata import doc_type_for, is_sidecar, load_sidecar, resolve_metadata, sidecar_path

_TABULAR = (".csv", ".xlsx")


@dataclass(frozen=True)
class LibraryRow:
    """One Q&A row, its file, and who answers for it (the row's owner, else the file's)."""

    source: str
    where: str  # "row 7" or "sheet 'Security' row 7"
    question: str
    answer: str
    owner: str | None
    last_reviewed: dt.date | None
    effective_date: dt.date | None  # the file's
    client: str | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, " ".join(self.question.split()).casefold())

    @property
    def label(self) -> str:
        return f"{self.source} {self.where}: {self.question}"


def read_library_rows(knowledge_dir: Path) -> tuple[list[LibraryRow], list[str]]:
    """Every library row under the knowledge folder, and one line per library file that cannot be read."""
    rows: list[LibraryRow] = []
    problems: list[str] = []
    for path in sorted(knowledge_dir.rglob("*")):
        source = path.relative_to(knowledge_dir).as_posix()
        if (
            not path.is_file()
            or path.suffix.lower() not in _TABULAR
            or is_sidecar(path)
            or any(part.startswith(".") for part in Path(source).parts)
            or doc_type_for(source) is not DocType.RFP_ANSWER
        ):
            continue
        try:
            parsed = read_document(path, source)
            meta = resolve_metadata(
                source, DocType.RFP_ANSWER, parsed, load_sidecar(sidecar_path(path), source)
            )
        except DocumentError as e:
            problems.append(str(e))
            continue
        for block in parsed.blocks:
            if block.kind != "qa" or not block.question or not block.answer:
                continue
            reviewed = block.extra.get("last_reviewed")
            where = f"sheet '{block.sheet}' row {block.row}" if block.sheet else f"row {block.row}"
            rows.append(
                LibraryRow(
                    source=source,
                    where=where,
                    question=block.question,
                    answer=block.answer,
                    owner=block.extra.get("owner") or meta.owner,
                    last_reviewed=dt.date.fromisoformat(reviewed) if reviewed else None,
                    effective_date=meta.effective_date,
                    client=meta.client,
                )
            )
    return rows, problems
