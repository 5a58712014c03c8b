"""Writes approved entries into the answer-library files of the knowledge folder, keeping people's edits.

Each (client, confidentiality) has its own file, because a sidecar applies to a whole file:
`rfp-answers/approved.csv`, `approved-public.csv`, `approved-<client>.csv`, `approved-<client>-public.csv`.
New rows are appended to the file's text as it is (a person's edits, column order and delimiter kept),
written to a temporary file beside it and renamed over it; if the file changed while we wrote (someone
saved it), we read it again and retry. Writers of this process and others take a lock file first.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import io
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from assistant.errors import LibraryError
from assistant.library.entries import Entry
from assistant.models import Confidentiality

FOLDER = "rfp-answers"
COLUMNS = (
    "question",
    "answer",
    "tags",
    "last_reviewed",
    "owner",
    "approved_by",
    "approved_at",
    "entry_id",
    "sources",
)
RETRIES = 5
_SLUG = re.compile(r"[^a-z0-9]+")


def file_for(entry: Entry) -> str:
    """The library file an entry belongs in, relative to the knowledge folder."""
    parts = ["approved"]
    if entry.client:
        parts.append(_SLUG.sub("-", entry.client.lower()).strip("-") or "client")
    if entry.confidentiality is Confidentiality.PUBLIC:
        parts.append("public")
    return f"{FOLDER}/{'-'.join(parts)}.csv"


def sidecar_for(entry: Entry) -> dict[str, object]:
    public = entry.confidentiality is Confidentiality.PUBLIC
    title = (
        "Approved answers"
        + (f" for {entry.client}" if entry.client else "")
        + (" (public)" if public else "")
    )
    meta: dict[str, object] = {
        "title": title,
        # each file its own offering: never a "version" of another answer library
        "offering": "approved-answers" + ("-public" if public else ""),
        "confidentiality": entry.confidentiality.value,
        "generated_by": "deal-assistant library",
    }
    if entry.client:
        meta["client"] = entry.client
    return meta


@dataclass(frozen=True)
class LibraryFile:
    """A library file's rows as read: header (lower-cased) and the entry ids it holds."""

    header: list[str]
    delimiter: str
    entry_ids: set[str]


def read_library_file(text: str, name: str) -> LibraryFile:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max([",", ";", "\t"], key=first.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header = [h.strip().lower().replace(" ", "_") for h in (rows[0] if rows else [])]
    if "question" not in header or "answer" not in header:
        raise LibraryError(f"{name}: no question/answer header row; fix the file or move it aside")
    at = header.index("entry_id") if "entry_id" in header else None
    ids = {r[at].strip() for r in rows[1:] if at is not None and len(r) > at and r[at].strip()}
    return LibraryFile(header, delimiter, ids)


def _row(entry: Entry, header: list[str]) -> list[str]:
    values = {
        "question": entry.question,
        "answer": entry.answer,
        "tags": "; ".join(entry.tags),
        "last_reviewed": entry.approved_at.date().isoformat(),
        "owner": entry.owner or "",
        "approved_by": entry.approved_by,
        "approved_at": entry.approved_at.isoformat(timespec="seconds"),
        "entry_id": entry.key,
        "sources": "; ".join(dict.fromkeys(s.source for s in entry.sources)),
    }
    return [values.get(h, "") for h in header]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    lock = path.with_name(f".{path.name}.lock")
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def append_entries(knowledge_dir: Path, file: str, entries: list[Entry]) -> list[str]:
    """Append the entries not yet in `file` (by entry id); returns the keys now in the file."""
    path = knowledge_dir / file
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path):
        _write_sidecar(path, entries[0])
        for _ in range(RETRIES):
            before = path.read_bytes() if path.exists() else b""
            digest = hashlib.sha256(before).hexdigest() if path.exists() else None
            text = before.decode("utf-8-sig") if before else ""
            if text.strip():
                library = read_library_file(text, file)
            else:
                library = LibraryFile(list(COLUMNS), ",", set())
                text = ""
            if "entry_id" not in library.header:
                raise LibraryError(f"{file}: has no entry_id column, so approvals cannot be tracked in it")
            new = [e for e in entries if e.key not in library.entry_ids]
            if not new:
                return [e.key for e in entries]
            out = io.StringIO(newline="")
            writer = csv.writer(
                out, delimiter=library.delimiter, lineterminator="\r\n" if "\r\n" in text else "\n"
            )
            if not text:
                writer.writerow(library.header)
            elif not text.endswith("\n"):
                out.write("\r\n" if "\r\n" in text else "\n")
            for entry in new:
                writer.writerow(_row(entry, library.header))
            if _replace_if_unchanged(path, text.encode("utf-8") + out.getvalue().encode("utf-8"), digest):
                return [e.key for e in entries]
        raise LibraryError(f"{file} kept changing while approvals were written; they will be retried")


def _replace_if_unchanged(path: Path, content: bytes, digest: str | None) -> bool:
    handle, temp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        if _digest(path) != digest:
            return False  # a person saved the file meanwhile: read their version and append again
        os.replace(temp, path)
        return True
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def _write_sidecar(path: Path, entry: Entry) -> None:
    sidecar = path.with_name(path.name + ".meta.yaml")
    if sidecar.exists():
        return  # the owner's to edit from now on
    handle, temp = tempfile.mkstemp(prefix=f".{sidecar.name}-", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as f:
        yaml.safe_dump(sidecar_for(entry), f, sort_keys=False, allow_unicode=True)
    os.replace(temp, sidecar)


def keys_in_file(knowledge_dir: Path, file: str) -> set[str]:
    """The entry ids a library file holds now (empty if it is missing or unreadable)."""
    path = knowledge_dir / file
    try:
        return read_library_file(path.read_text(encoding="utf-8-sig"), file).entry_ids
    except (OSError, UnicodeDecodeError, LibraryError):
        return set()
