"""One knowledge-base version's catalog: its files, its chunks, and the persistent BM25 keyword index.

A SQLite file beside the version (FTS5 with the Porter stemmer). Ingest maintains it incrementally;
retrieval reads it, so the keyword index never has to be rebuilt from every chunk when a process starts,
and it works the same whether the vectors live in embedded Chroma or on a Chroma server.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.models import Chunk
from assistant.text import client_key, keyword_terms

__all__ = ["Catalog", "FileRecord", "client_key", "keyword_terms"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    source TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL, doc_type TEXT NOT NULL,
    meta TEXT NOT NULL, chunks INTEGER NOT NULL, ingested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, source TEXT NOT NULL, position INTEGER NOT NULL,
    confidentiality TEXT NOT NULL, client_key TEXT NOT NULL, doc_type TEXT NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_source ON chunks(source);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(body, tokenize='porter unicode61');
"""

COMMON_TERM_MIN_DOCS = 2000  # a term must match more chunks than this ...
COMMON_TERM_SHARE = 0.10  # ... and more than this share of them to be left out of a keyword query


def _scope_filter(
    confidentiality: tuple[str, ...] | None, client_keys: tuple[str, ...] | None, prefix: str = ""
) -> tuple[str, list[Any]]:
    """The SQL that limits chunks to a scope (None: that part unrestricted), and its parameters."""
    sql, params = "", []
    for column, values in (("confidentiality", confidentiality), ("client_key", client_keys)):
        if values is not None:
            sql += f" AND {prefix}{column} IN ({','.join('?' * len(values))})"
            params += list(values)
    return sql, params


def _quoted(term: str) -> str:
    return '"' + term.replace('"', "") + '"'


@dataclass(frozen=True)
class FileRecord:
    source: str
    sha256: str
    size: int
    doc_type: str
    meta: dict[str, Any]
    chunks: int
    ingested_at: str


class Catalog:
    """Read and write access to one version's catalog file (thread-safe for the bot's worker pool)."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._total: int | None = None
        self._df: dict[str, int] = {}  # term -> chunks containing it (reset on every write)
        if not readonly:
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def copy_to(self, dest: Path) -> Catalog:
        """A consistent copy of this catalog at `dest` (SQLite online backup)."""
        target = sqlite3.connect(dest)
        with self._lock:
            self._db.backup(target)
        target.close()
        return Catalog(dest)

    # ---- info -----------------------------------------------------------------------------
    def set_info(self, **values: Any) -> None:
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO info(key, value) VALUES (?, ?)",
                [(k, json.dumps(v)) for k, v in values.items()],
            )

    def info(self) -> dict[str, Any]:
        with self._lock:
            rows = self._db.execute("SELECT key, value FROM info").fetchall()
        return {k: json.loads(v) for k, v in rows}

    # ---- files ----------------------------------------------------------------------------
    def files(self) -> dict[str, FileRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT source, sha256, size, doc_type, meta, chunks, ingested_at FROM files"
            ).fetchall()
        return {r[0]: FileRecord(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6]) for r in rows}

    def chunk_ids_of(self, sources: Iterable[str]) -> list[str]:
        ids: list[str] = []
        with self._lock:
            for source in sources:
                ids += [r[0] for r in self._db.execute("SELECT id FROM chunks WHERE source = ?", (source,))]
        return ids

    def replace_file(self, record: FileRecord, chunks: list[Chunk], bodies: list[str]) -> None:
        """Put a file and its chunks in place of whatever the catalog held for it, atomically."""
        self._total = None
        self._df.clear()
        with self._lock, self._db:
            self._delete_file(record.source)
            self._db.execute(
                "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.source,
                    record.sha256,
                    record.size,
                    record.doc_type,
                    json.dumps(record.meta, default=str),
                    record.chunks,
                    record.ingested_at,
                ),
            )
            for chunk, body in zip(chunks, bodies, strict=True):
                cur = self._db.execute(
                    "INSERT INTO chunks(id, source, position, confidentiality, client_key, doc_type, data)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        chunk.id,
                        chunk.source,
                        chunk.position,
                        chunk.meta.confidentiality.value,
                        client_key(chunk.meta.client),
                        chunk.doc_type.value,
                        # The document's unknown metadata keys live once, in files.meta, not per chunk.
                        chunk.model_dump_json(exclude={"meta": {"extra"}}),
                    ),
                )
                self._db.execute("INSERT INTO chunks_fts(rowid, body) VALUES (?, ?)", (cur.lastrowid, body))

    def remove_file(self, source: str) -> None:
        self._total = None
        self._df.clear()
        with self._lock, self._db:
            self._delete_file(source)

    def _delete_file(self, source: str) -> None:
        self._db.execute(
            "DELETE FROM chunks_fts WHERE rowid IN (SELECT rowid FROM chunks WHERE source = ?)", (source,)
        )
        self._db.execute("DELETE FROM chunks WHERE source = ?", (source,))
        self._db.execute("DELETE FROM files WHERE source = ?", (source,))

    # ---- chunks ---------------------------------------------------------------------------
    def chunk_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def chunks(self, ids: list[str]) -> dict[str, Chunk]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = self._db.execute(f"SELECT id, data FROM chunks WHERE id IN ({marks})", ids).fetchall()
        return {r[0]: Chunk.model_validate_json(r[1]) for r in rows}

    def clients(self) -> list[str]:
        """Distinct client names found in document metadata."""
        names: dict[str, str] = {}
        for record in self.files().values():
            name = record.meta.get("client")
            if name:
                names.setdefault(client_key(name), str(name))
        return sorted(names.values())

    def phrase_frequency(self, phrase: str) -> int:
        """Chunks whose keyword text holds every term of `phrase` in sequence (0: never mentioned)."""
        terms = keyword_terms(phrase)
        if not terms:
            return 0
        with self._lock:
            return self._document_frequency(" ".join(terms))

    def near_frequency(self, first: str, second: str, distance: int = 2) -> int:
        """Chunks where `second` stands within `distance` tokens of `first` ("ISO/IEC 27001" for
        "ISO 27001"; "SOC 2" is not "SOC 1")."""
        a, b = keyword_terms(first), keyword_terms(second)
        if not a or not b:
            return 0
        query = f"NEAR({_quoted(' '.join(a))} {_quoted(' '.join(b))}, {distance})"
        with self._lock:
            row = self._db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (query,))
            return int(row.fetchone()[0])

    def _selective(self, terms: list[str]) -> list[str]:
        """Drop terms that match a large share of a large corpus (the rarest one is always kept).

        Ranking cost grows with the rows a term matches, while such a term's BM25 weight is close to
        nothing: the same cut-off as a search engine's common-terms query. Small corpora are unaffected.
        """
        if len(terms) < 2:
            return terms
        with self._lock:
            total = self._chunk_total()
            if total <= COMMON_TERM_MIN_DOCS:
                return terms
            df = {t: self._document_frequency(t) for t in terms}
        limit = max(COMMON_TERM_MIN_DOCS, COMMON_TERM_SHARE * total)
        kept = [t for t in terms if df[t] <= limit]
        return kept or [min(terms, key=lambda t: df[t])]

    def _document_frequency(self, term: str) -> int:
        if term not in self._df:
            row = self._db.execute(
                "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (_quoted(term),)
            )
            if len(self._df) > 50_000:
                self._df.clear()
            self._df[term] = int(row.fetchone()[0])
        return self._df[term]

    def _chunk_total(self) -> int:
        if self._total is None:
            self._total = int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])
        return self._total

    def keyword_search(
        self,
        query: str,
        k: int,
        confidentiality: tuple[str, ...] | None = None,
        client_keys: tuple[str, ...] | None = None,
    ) -> list[tuple[str, float]]:
        """BM25 ranking of chunks for the query's content terms, best first, scores normalised to 0..1."""
        terms = self._selective(keyword_terms(query))
        if not terms:
            return []
        match = " OR ".join(_quoted(t) for t in terms)
        sql = (
            "SELECT c.id, bm25(chunks_fts) AS s FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid"
            " WHERE chunks_fts MATCH ?"
        )
        where, scope_params = _scope_filter(confidentiality, client_keys, "c.")
        sql += where
        params: list[Any] = [match, *scope_params]
        sql += " ORDER BY s LIMIT ?"
        params.append(k)
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        if not rows:
            return []
        best = -float(rows[0][1]) or 1.0
        return [(r[0], max(0.0, -float(r[1]) / best)) for r in rows]

    def table_chunks(
        self, confidentiality: tuple[str, ...] | None = None, client_keys: tuple[str, ...] | None = None
    ) -> list[Chunk]:
        """Every table chunk (one row per line: pricing, volumes, service levels) within a scope,
        in source and document order; None leaves that part of the scope unrestricted."""
        sql = "SELECT data FROM chunks WHERE json_extract(data, '$.kind') = 'table'"
        where, params = _scope_filter(confidentiality, client_keys)
        sql += where
        sql += " ORDER BY source, position"
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [Chunk.model_validate_json(r[0]) for r in rows]
