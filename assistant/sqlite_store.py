"""The small SQLite files the product keeps beside its knowledge base (feedback, approved answers).

One file per store, a schema applied on open, one short-lived connection per operation (safe from the
bot's worker threads and from a CLI process at the same time), timestamps from an injectable clock.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

__all__ = ["SqliteStore", "utc_now"]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SqliteStore:
    """A SQLite file with a schema; subclasses add the queries."""

    schema: str = ""

    def __init__(self, path: Path, *, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.path = path
        self._clock = clock
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(self.schema)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as db:
            db.row_factory = sqlite3.Row
            with db:
                yield db

    def _now(self) -> str:
        return self._clock().isoformat(timespec="seconds")
