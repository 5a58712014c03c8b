"""The answer library that learns: approvals stored, written into the knowledge folder, and tracked to live.

Nothing here makes an entry live: it lands in a library file, and the next `ingest --stage`, `eval gate`
and `kb promote` take it live like any other change to the knowledge folder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assistant.answering.grounding import numbers_in
from assistant.errors import LibraryError
from assistant.library.entries import Approval, Entry
from assistant.library.publishing import append_entries, file_for, keys_in_file
from assistant.library.scoping import SourceFacts, scope_of
from assistant.library.store import LibraryStore
from assistant.retrieval.catalog import Catalog

log = logging.getLogger(__name__)

# A version by its spec ("live", "staged"), or None when there is none.
CatalogOpener = Callable[[str], Catalog | None]
Stage = Literal["not written", "in the knowledge folder", "staged", "live"]


@dataclass(frozen=True)
class Approved:
    """The outcome of one approval: the entry, whether it is new, and a note for the approver."""

    entry: Entry
    new: bool
    note: str | None = None


@dataclass(frozen=True)
class PendingEntry:
    entry: Entry
    stage: Stage


class AnswerLibrary:
    """Approvals in, library files out; the store and the knowledge folder are given, nothing is global."""

    def __init__(self, store: LibraryStore, knowledge_dir: Path, catalogs: CatalogOpener) -> None:
        self.store = store
        self.knowledge_dir = knowledge_dir
        self._catalogs = catalogs

    def approve(self, approval: Approval) -> Approved:
        """Store an approval and write it into its library file (a failed write is retried later)."""
        if not approval.question.strip() or not approval.answer.strip():
            raise LibraryError("an approved entry needs a question and an answer")
        scope = scope_of(approval, self._facts([s.source for s in approval.sources]))
        entry, new = self.store.add(approval, client=scope.client, confidentiality=scope.confidentiality)
        if new:
            self.write_pending()
        return Approved(self._current(entry), new, scope.note)

    def approve_all(self, approvals: list[Approval]) -> list[Approved]:
        """Store many approvals, then write them in one pass per library file."""
        out = []
        facts = self._facts([s.source for a in approvals for s in a.sources])
        for approval in approvals:
            scope = scope_of(approval, facts)
            entry, new = self.store.add(approval, client=scope.client, confidentiality=scope.confidentiality)
            out.append(Approved(entry, new, scope.note))
        self.write_pending()
        return [Approved(self._current(a.entry), a.new, a.note) for a in out]

    def write_pending(self) -> int:
        """Write every stored entry not yet in its file (and re-add rows a person's save dropped)."""
        self._recover_dropped()
        by_file: dict[str, list[Entry]] = {}
        for entry in self.store.unwritten():
            by_file.setdefault(file_for(entry), []).append(entry)
        written = 0
        for file, entries in by_file.items():
            try:
                keys = append_entries(self.knowledge_dir, file, entries)
            except (LibraryError, OSError) as e:
                log.warning("approved entries stay queued for %s: %s", file, e)
                continue
            self.store.mark_written(keys, file)
            written += len(keys)
        return written

    def pending(self) -> list[PendingEntry]:
        """Every approved entry that is not live yet, and how far it has got."""
        live, staged = self._catalogs("live"), self._catalogs("staged")
        try:
            out = []
            for entry in self.store.entries():
                stage = _stage_of(entry, live, staged)
                if stage != "live":
                    out.append(PendingEntry(entry, stage))
            return out
        finally:
            for catalog in (live, staged):
                if catalog is not None:
                    catalog.close()

    def _recover_dropped(self) -> None:
        written: dict[str, list[Entry]] = {}
        for entry in self.store.entries():
            if entry.file:
                written.setdefault(entry.file, []).append(entry)
        for file, entries in written.items():
            present = keys_in_file(self.knowledge_dir, file)
            dropped = [e.key for e in entries if e.key not in present]
            if dropped:
                log.warning("%d approved row(s) went missing from %s; writing them again", len(dropped), file)
                self.store.mark_unwritten(dropped)

    def _current(self, entry: Entry) -> Entry:
        return next((e for e in self.store.entries() if e.key == entry.key), entry)

    def _facts(self, sources: list[str]) -> dict[str, SourceFacts]:
        catalog = self._catalogs("live")
        if catalog is None:
            return {}
        try:
            files = catalog.files()
            facts: dict[str, SourceFacts] = {}
            for source in dict.fromkeys(sources):
                record = files.get(source)
                if record is None:
                    continue
                client = record.meta.get("client")
                numbers: set[tuple[str, str]] = set()
                if client:
                    for chunk in catalog.chunks(catalog.chunk_ids_of([source])).values():
                        numbers |= numbers_in(chunk.text)
                facts[source] = SourceFacts(
                    client=client,
                    confidentiality=str(record.meta.get("confidentiality") or ""),
                    numbers=frozenset(numbers),
                )
            return facts
        finally:
            catalog.close()


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def in_catalog(entry: Entry, catalog: Catalog | None) -> bool:
    """Whether a version holds the entry's row (its question) in the entry's file.

    The answer is not compared: the file is the owner's, and an answer they edited there is still the row.
    """
    if catalog is None or entry.file is None:
        return False
    question = _normal(entry.question)
    chunks = catalog.chunks(catalog.chunk_ids_of([entry.file])).values()
    return any(_normal(chunk.question or "") == question for chunk in chunks)


def _stage_of(entry: Entry, live: Catalog | None, staged: Catalog | None) -> Stage:
    if entry.file is None:
        return "not written"
    if in_catalog(entry, live):
        return "live"
    if in_catalog(entry, staged):
        return "staged"
    return "in the knowledge folder"
