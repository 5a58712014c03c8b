"""The SQLite store of approved entries (beside the feedback store): approvals are kept here first, so a
failed or raced write to the knowledge folder loses nothing and is retried."""

from __future__ import annotations

import json
import sqlite3
import uuid

from assistant.library.entries import Approval, Entry, EntrySource
from assistant.models import Confidentiality
from assistant.sqlite_store import SqliteStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    approved_at TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    tags TEXT NOT NULL,
    client TEXT,
    written_for TEXT,
    confidentiality TEXT NOT NULL,
    sources TEXT NOT NULL,
    origin TEXT NOT NULL,
    origin_ref TEXT NOT NULL,
    owner TEXT,
    file TEXT,
    written_at TEXT,
    UNIQUE (origin, origin_ref)
);
"""


class LibraryStore(SqliteStore):
    """Approved entries in one SQLite file; safe to use from the bot's worker threads."""

    schema = _SCHEMA

    def add(
        self, approval: Approval, *, client: str | None, confidentiality: Confidentiality
    ) -> tuple[Entry, bool]:
        """Store an approval; returns (entry, True), or (the earlier entry, False) for a repeat."""
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO entries (key, approved_at, approved_by, question, answer, tags, client,"
                " written_for, confidentiality, sources, origin, origin_ref, owner)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (origin, origin_ref) DO NOTHING",
                (
                    uuid.uuid4().hex[:12],
                    self._clock().isoformat(timespec="seconds"),
                    approval.approved_by,
                    approval.question,
                    approval.answer,
                    json.dumps(approval.tags),
                    client,
                    approval.written_for,
                    confidentiality.value,
                    json.dumps([s.model_dump() for s in approval.sources]),
                    approval.origin,
                    approval.origin_ref,
                    approval.owner,
                ),
            )
            added = cursor.rowcount > 0
            row = db.execute(
                "SELECT * FROM entries WHERE origin = ? AND origin_ref = ?",
                (approval.origin, approval.origin_ref),
            ).fetchone()
        return _entry(row), added

    def entries(self) -> list[Entry]:
        with self._connect() as db:
            return [_entry(r) for r in db.execute("SELECT * FROM entries ORDER BY id")]

    def unwritten(self) -> list[Entry]:
        with self._connect() as db:
            return [_entry(r) for r in db.execute("SELECT * FROM entries WHERE file IS NULL ORDER BY id")]

    def mark_written(self, keys: list[str], file: str) -> None:
        now = self._clock().isoformat(timespec="seconds")
        with self._connect() as db:
            db.executemany(
                "UPDATE entries SET file = ?, written_at = ? WHERE key = ?", [(file, now, k) for k in keys]
            )

    def mark_unwritten(self, keys: list[str]) -> None:
        """Entries whose row a person's save removed from the file: written again next time."""
        with self._connect() as db:
            db.executemany(
                "UPDATE entries SET file = NULL, written_at = NULL WHERE key = ?", [(k,) for k in keys]
            )


def _entry(row: sqlite3.Row) -> Entry:
    data = dict(row)
    data["tags"] = json.loads(data["tags"])
    data["sources"] = [EntrySource(**s) for s in json.loads(data["sources"])]
    return Entry(**data)
