"""Approving a whole reviewed questionnaire: the rows a reviewer marked Approved become library entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assistant.library.entries import Approval, EntrySource, clean_answer
from assistant.library.library import AnswerLibrary, Approved
from assistant.questionnaires.filling import NOT_FOUND_TEXT, RESTRICTED_TEXT
from assistant.questionnaires.phrasing import question_key, strip_numbering
from assistant.questionnaires.reviewed import ReviewedQuestionnaire, read_reviewed


@dataclass
class ImportResult:
    file: str
    approved: list[Approved] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # approved rows that could not be taken, with why
    not_marked: int = 0
    unrecognised: list[str] = field(default_factory=list)

    @property
    def added(self) -> list[Approved]:
        return [a for a in self.approved if a.new]

    def text(self) -> str:
        repeats = len(self.approved) - len(self.added)
        lines = [
            f"{self.file}: {len(self.added)} answer(s) approved into the library"
            + (f", {repeats} already approved earlier" if repeats else "")
            + f"; {self.not_marked} not marked Approved."
        ]
        files = sorted({a.entry.file or "(queued)" for a in self.added})
        if files:
            lines.append("Written to " + ", ".join(files) + ": live after the next gated ingest.")
        lines += [f"Skipped {s}" for s in self.skipped]
        if self.unrecognised:
            lines.append(f"{len(self.unrecognised)} question(s) no longer found in the file were left out.")
        lines += [f"Note: {a.entry.question}: {a.note}" for a in self.added if a.note]
        return "\n".join(lines)


def import_reviewed(
    library: AnswerLibrary,
    path: Path,
    *,
    approved_by: str,
    max_bytes: int,
    client: str | None = None,
    owner: str | None = None,
) -> ImportResult:
    """Approve the rows of a reviewed filled copy marked yes/y/x/✓, with their Answer text as it is now."""
    reviewed = read_reviewed(path, max_bytes=max_bytes)
    result = ImportResult(file=path.name, unrecognised=reviewed.unrecognised)
    approvals = []
    for row in reviewed.answers:
        if not row.approved:
            result.not_marked += 1
            continue
        answer = clean_answer(row.answer)
        if not answer or answer in (NOT_FOUND_TEXT, RESTRICTED_TEXT):
            result.skipped.append(f"{row.where}: marked Approved but has no answer")
            continue
        approvals.append(
            _approval(
                reviewed,
                row.question,
                answer,
                row.paths,
                row.chunk_ids,
                approved_by,
                client or reviewed.client,
                owner,
            )
        )
    result.approved = library.approve_all(approvals) if approvals else []
    return result


def _approval(
    reviewed: ReviewedQuestionnaire,
    question: str,
    answer: str,
    paths: tuple[str, ...],
    chunk_ids: tuple[str, ...],
    approved_by: str,
    client: str | None,
    owner: str | None,
) -> Approval:
    sources = [EntrySource(source=p) for p in paths]
    if len(paths) == len(chunk_ids):
        sources = [EntrySource(source=p, chunk_id=c) for p, c in zip(paths, chunk_ids, strict=True)]
    return Approval(
        question=strip_numbering(question),
        answer=answer,
        approved_by=approved_by,
        origin="questionnaire",
        origin_ref=f"{reviewed.fill_id}:{question_key(question)}",
        written_for=client,
        sources=sources,
        owner=owner,
    )
