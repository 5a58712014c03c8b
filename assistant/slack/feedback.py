"""The bot's SQLite log of answers and of people's 👍/👎 on them, and its export as eval cases.

Every answer posted is logged (so a button click can find its question, answer and sources, and
not-found questions are kept); a rating is one row per answer and person, the latest click winning.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any, Literal

from assistant.models import Answer, Status
from assistant.sqlite_store import SqliteStore

Rating = Literal["up", "down"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    mode TEXT NOT NULL,
    status TEXT NOT NULL,
    confidence TEXT,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    sources TEXT NOT NULL,
    audience TEXT NOT NULL,
    client TEXT,
    owner TEXT,
    user_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    thread_ts TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    answer_id INTEGER NOT NULL REFERENCES answers(id),
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    reason TEXT,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    sources TEXT NOT NULL,
    user_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (answer_id, user_id)
);
"""


@dataclass(frozen=True)
class AnswerRecord:
    """An answer as the bot logged it when posting."""

    id: int
    created_at: str
    mode: str
    status: str
    confidence: str | None
    question: str
    answer: str
    sources: list[dict[str, Any]]
    audience: str
    client: str | None
    owner: str | None
    user_id: str
    channel_id: str
    thread_ts: str


@dataclass(frozen=True)
class FeedbackRecord:
    id: int
    answer_id: int
    rating: Rating
    reason: str | None
    question: str
    answer: str
    sources: list[dict[str, Any]]
    user_id: str
    channel_id: str
    created_at: str


class FeedbackStore(SqliteStore):
    """Answers and ratings in one SQLite file; safe to use from the bot's worker threads."""

    schema = _SCHEMA

    def log_answer(self, answer: Answer, *, user: str, channel: str, thread_ts: str) -> int:
        """Log an answer about to be posted; returns the id its buttons carry."""
        owner = answer.retrieved[0].chunk.meta.owner if answer.retrieved else None
        sources = [
            {
                "number": c.number,
                "title": c.title,
                "source": c.source,
                "section": c.section,
                "chunk_id": c.chunk_id,
            }
            for c in answer.citations
        ]
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO answers (created_at, mode, status, confidence, question, answer, sources,"
                " audience, client, owner, user_id, channel_id, thread_ts)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    self._now(),
                    answer.mode,
                    answer.status.value,
                    answer.confidence.value if answer.confidence else None,
                    answer.question,
                    answer.answer,
                    json.dumps(sources),
                    answer.audience.value,
                    answer.client,
                    owner,
                    user,
                    channel,
                    thread_ts,
                ),
            )
            return int(cursor.lastrowid or 0)

    def answer(self, answer_id: int) -> AnswerRecord | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM answers WHERE id = ?", (answer_id,)).fetchone()
        return None if row is None else AnswerRecord(**{**dict(row), "sources": json.loads(row["sources"])})

    def rate(self, answer_id: int, rating: Rating, *, user: str, channel: str) -> FeedbackRecord | None:
        """Store a person's 👍/👎 on an answer (replacing their earlier one); None for an unknown answer."""
        record = self.answer(answer_id)
        if record is None:
            return None
        with self._connect() as db:
            db.execute(
                "INSERT INTO feedback (answer_id, rating, reason, question, answer, sources, user_id,"
                " channel_id, created_at) VALUES (?,?,NULL,?,?,?,?,?,?)"
                " ON CONFLICT (answer_id, user_id) DO UPDATE SET"
                " rating = excluded.rating, reason = NULL, channel_id = excluded.channel_id,"
                " created_at = excluded.created_at",
                (
                    answer_id,
                    rating,
                    record.question,
                    record.answer,
                    json.dumps(record.sources),
                    user,
                    channel,
                    self._now(),
                ),
            )
        return self.feedback(answer_id, user)

    def add_reason(self, answer_id: int, *, user: str, reason: str) -> bool:
        """Attach a 👎 reason to the person's rating of an answer; False if there is no such rating."""
        with self._connect() as db:
            cursor = db.execute(
                "UPDATE feedback SET reason = ? WHERE answer_id = ? AND user_id = ?",
                (reason, answer_id, user),
            )
            return cursor.rowcount > 0

    def feedback(self, answer_id: int, user: str) -> FeedbackRecord | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT * FROM feedback WHERE answer_id = ? AND user_id = ?", (answer_id, user)
            ).fetchone()
        return None if row is None else _feedback(row)

    def all_feedback(self) -> list[FeedbackRecord]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM feedback ORDER BY id").fetchall()
        return [_feedback(r) for r in rows]

    def citations(self) -> list[tuple[str, str, str | None]]:
        """Every source cited by a logged answer and every rating on one: (signal, source, chunk id).

        The signal is "cited", "up" or "down"; the library's usage counts are made from these.
        """
        with self._connect() as db:
            answers = db.execute("SELECT sources FROM answers").fetchall()
            ratings = db.execute("SELECT rating, sources FROM feedback").fetchall()
        out: list[tuple[str, str, str | None]] = []
        for signal, rows in (("cited", [("cited", r["sources"]) for r in answers]), ("rated", ratings)):
            for row in rows:
                kind = row[0] if signal == "rated" else "cited"
                for source in json.loads(row[1]):
                    out.append((str(kind), str(source.get("source", "")), source.get("chunk_id")))
        return out

    def eval_cases(self) -> list[dict[str, Any]]:
        """Thumbs-down and not-found items as eval cases (eval dataset JSONL shape), one per question.

        The expected sources and must-include lists are left empty for a person to fill in.
        """
        with self._connect() as db:
            downs = db.execute(
                "SELECT f.id AS fid, a.* FROM feedback f JOIN answers a ON a.id = f.answer_id"
                " WHERE f.rating = 'down' ORDER BY f.id"
            ).fetchall()
            gaps = db.execute(
                "SELECT * FROM answers WHERE status = ? ORDER BY id", (Status.NOT_FOUND.value,)
            ).fetchall()
        cases: list[dict[str, Any]] = []
        seen: set[tuple[str, str, str, str]] = set()
        for case_id, row, kind in [
            *((f"slack-gap-{r['id']}", r, "unanswerable") for r in gaps),
            *((f"slack-down-{r['fid']}", r, "draft" if r["mode"] == "draft" else "answer") for r in downs),
        ]:
            key = (kind, _normal(row["question"]), row["audience"], row["client"] or "")
            if key in seen:
                continue
            seen.add(key)
            cases.append(
                {
                    "id": case_id,
                    "question": row["question"],
                    "kind": kind,
                    "expected_sources": [],
                    "must_include": [],
                    "must_not_include": [],
                    "audience": row["audience"],
                    "client": row["client"],
                }
            )
        return cases


def _feedback(row: sqlite3.Row) -> FeedbackRecord:
    return FeedbackRecord(**{**dict(row), "sources": json.loads(row["sources"])})


def _normal(question: str) -> str:
    return re.sub(r"\W+", " ", question.lower()).strip()


def write_jsonl(cases: list[dict[str, Any]], out: Any) -> None:
    """Write eval cases one JSON object per line to a text stream."""
    for case in cases:
        out.write(json.dumps(case, ensure_ascii=False) + "\n")
