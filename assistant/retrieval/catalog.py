"""One knowledge-base version's catalog: its files, its chunks, and the persistent BM25 keyword index.

A SQLite file beside the version holds its info, its files and its membership: which chunk rows it
holds. The rows themselves (chunk data and the FTS5 keyword index, Porter stemmer) live in a row store
shared by the versions of a data dir and attached to each catalog, so a version that changes one file
adds that file's rows only. A row is identified by its chunk id and a digest of what is stored, so a
chunk whose metadata changed gets a row of its own. A catalog without a row store keeps its rows in its
own file (catalogs built before the row store did; they are read the same way). Ingest maintains it
incrementally; retrieval reads it, so the keyword index never has to be rebuilt when a process starts,
and it works the same whether the vectors live in embedded Chroma or on a Chroma server.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.models import Chunk
from assistant.text import client_key, keyword_terms

__all__ = ["Catalog", "FileRecord", "client_key", "collect_garbage", "keyword_terms"]

MEMBERSHIP_SCHEMA = """
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    source TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL, doc_type TEXT NOT NULL,
    meta TEXT NOT NULL, chunks INTEGER NOT NULL, ingested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS members (
    row INTEGER PRIMARY KEY, confidentiality TEXT NOT NULL, client_key TEXT NOT NULL
);
"""
KEYWORD_TOKENIZER = "porter unicode61"  # the keyword index's tokenizer (porter stems "billing" to "bill")
ROWS_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS {db}.chunks (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, source TEXT NOT NULL, position INTEGER NOT NULL,
    confidentiality TEXT NOT NULL, client_key TEXT NOT NULL, doc_type TEXT NOT NULL, data TEXT NOT NULL,
    digest TEXT NOT NULL DEFAULT '', UNIQUE (id, digest)
);
CREATE INDEX IF NOT EXISTS {db}.chunks_by_source ON chunks(source);
CREATE VIRTUAL TABLE IF NOT EXISTS {db}.chunks_fts USING fts5(body, tokenize='"""
    + KEYWORD_TOKENIZER
    + """');
"""
)
ROW_STORE_KEY = "row_store"  # info key: the shared row store's path, relative to the catalog's folder

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


# Per connection, in its temp schema: the index's term vocabulary, and a scratch index that runs the
# keyword index's tokenizer over a query's terms (FTS5 stems "billing" to "bill").
_VOCABULARY = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.index_terms USING fts5vocab({schema}, chunks_fts, row)",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_terms USING fts5(body, tokenize='{KEYWORD_TOKENIZER}')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_terms_tokens USING fts5vocab(temp, query_terms, instance)",
)


def _prepare_vocabulary(db: sqlite3.Connection, shared: bool) -> None:
    """Create the connection's `_VOCABULARY` tables (one by one: executescript would commit a writer's
    transaction)."""
    for statement in _VOCABULARY:
        db.execute(statement.format(schema="store" if shared else "main"))


def _legacy_members(db: sqlite3.Connection) -> None:
    """A catalog from before memberships: every row of its own is a member (a view, on this connection)."""
    db.execute(
        "CREATE TEMP VIEW members AS SELECT rowid AS row, confidentiality, client_key FROM main.chunks"
    )


_COUNT_MATCHES = (
    "SELECT count(*) FROM chunks_fts JOIN members m ON m.row = chunks_fts.rowid WHERE chunks_fts MATCH ?"
)


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
    """Read and write access to one version's catalog file (thread-safe for the bot's worker pool).

    `row_store` (a new catalog only) puts its rows in that shared file; an existing catalog finds its
    row store, if it has one, from its own info.
    """

    def __init__(self, path: Path, *, readonly: bool = False, row_store: Path | None = None) -> None:
        self.path = path
        self.readonly = readonly
        uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._total: int | None = None
        self._df: dict[str, int] = {}  # term -> chunks containing it (reset on every write)
        # A read-only catalog serves concurrent reads (the keyword search of one request beside the scope
        # lookups of its dense search, or of other requests) from a pool of connections of its own.
        self._readers: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._closed = False
        if not readonly:
            self._db.executescript(MEMBERSHIP_SCHEMA)
        tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if row_store is not None:
            self._db.execute(
                "INSERT OR REPLACE INTO info(key, value) VALUES (?, ?)",
                (ROW_STORE_KEY, json.dumps(os.path.relpath(row_store, path.parent))),
            )
            self._db.commit()
        stored = self._info_value(ROW_STORE_KEY) if "info" in tables else None
        self.shared = stored is not None
        if self.shared:
            store = (path.parent / str(stored)).resolve()
            mode = "?mode=ro" if readonly else ""
            self._db.execute("ATTACH DATABASE ? AS store", (f"file:{store}{mode}",))
            if not readonly:
                self._db.execute("PRAGMA store.journal_mode = WAL")
                self._db.executescript(ROWS_SCHEMA.format(db="store"))
        elif not readonly:
            self._db.executescript(ROWS_SCHEMA.format(db="main"))
            if "chunks" in tables and "members" not in tables:  # a catalog from before memberships
                self._db.execute(
                    "INSERT OR IGNORE INTO members SELECT rowid, confidentiality, client_key FROM chunks"
                )
                self._db.commit()
        elif "members" not in tables:  # from before memberships: every row of its own is a member
            _legacy_members(self._db)
        if not readonly:  # a read-only catalog searches on its pooled readers, each prepared when opened
            _prepare_vocabulary(self._db, self.shared)

    def _open_reader(self) -> sqlite3.Connection:
        """Another read-only connection to this catalog, its row store attached as the first one's."""
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        for _, name, file in self._db.execute("PRAGMA database_list").fetchall():
            if name == "store":
                db.execute("ATTACH DATABASE ? AS store", (f"file:{file}?mode=ro",))
        if "members" not in {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}:
            _legacy_members(db)
        _prepare_vocabulary(db, self.shared)
        return db

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A connection to read with: a pooled one of a read-only catalog, else the catalog's own (locked)."""
        if not self.readonly:
            with self._lock:
                yield self._db
            return
        try:
            db = self._readers.get_nowait()
        except queue.Empty:
            db = self._open_reader()
        try:
            yield db
        finally:
            if self._closed:
                db.close()
            else:
                self._readers.put(db)

    def _info_value(self, key: str) -> Any:
        row = self._db.execute("SELECT value FROM info WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._readers.get_nowait().close()
            except queue.Empty:
                break
        self._db.close()

    def copy_to(self, dest: Path) -> Catalog:
        """A consistent copy of this catalog at `dest` (SQLite online backup of the catalog's own file:
        a shared row store is shared, not copied; `dest` must then lie as deep as this file)."""
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
                ids += [
                    r[0]
                    for r in self._db.execute(
                        "SELECT c.id FROM chunks c JOIN members m ON m.row = c.rowid WHERE c.source = ?"
                        " ORDER BY c.position, c.rowid",
                        (source,),
                    )
                ]
        return ids

    def file_rows(self) -> Iterator[tuple[FileRecord, list[Chunk], list[str]]]:
        """Every file with its chunks and their keyword texts, in document order (to move a catalog's
        rows into a row store)."""
        for record in self.files().values():
            with self._lock:
                rows = self._db.execute(
                    "SELECT c.data, chunks_fts.body FROM chunks c JOIN members m ON m.row = c.rowid"
                    " JOIN chunks_fts ON chunks_fts.rowid = c.rowid WHERE c.source = ?"
                    " ORDER BY c.position, c.rowid",
                    (record.source,),
                ).fetchall()
            yield record, [Chunk.model_validate_json(r[0]) for r in rows], [r[1] for r in rows]

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
                self._db.execute(
                    "INSERT OR IGNORE INTO members(row, confidentiality, client_key) VALUES (?, ?, ?)",
                    (self._row(chunk, body), chunk.meta.confidentiality.value, client_key(chunk.meta.client)),
                )

    def _row(self, chunk: Chunk, body: str) -> int:
        """The row holding this chunk as stored (reused when a version already wrote it)."""
        # The document's unknown metadata keys live once, in files.meta, not per chunk.
        data = chunk.model_dump_json(exclude={"meta": {"extra"}})
        digest = hashlib.sha256(f"{data}\0{body}".encode()).hexdigest()[:24]
        found = self._db.execute("SELECT rowid FROM chunks WHERE id = ? AND digest = ?", (chunk.id, digest))
        row = found.fetchone()
        if row:
            return int(row[0])
        cur = self._db.execute(
            "INSERT INTO chunks(id, source, position, confidentiality, client_key, doc_type, data, digest)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                chunk.id,
                chunk.source,
                chunk.position,
                chunk.meta.confidentiality.value,
                client_key(chunk.meta.client),
                chunk.doc_type.value,
                data,
                digest,
            ),
        )
        self._db.execute("INSERT INTO chunks_fts(rowid, body) VALUES (?, ?)", (cur.lastrowid, body))
        return int(cur.lastrowid or 0)

    def remove_file(self, source: str) -> None:
        self._total = None
        self._df.clear()
        with self._lock, self._db:
            self._delete_file(source)

    def _delete_file(self, source: str) -> None:
        self._db.execute(
            "DELETE FROM members WHERE row IN (SELECT rowid FROM chunks WHERE source = ?)", (source,)
        )
        if not self.shared:  # rows of its own: nothing else can hold them
            self._db.execute(
                "DELETE FROM chunks_fts WHERE rowid IN (SELECT rowid FROM chunks WHERE source = ?)", (source,)
            )
            self._db.execute("DELETE FROM chunks WHERE source = ?", (source,))
        self._db.execute("DELETE FROM files WHERE source = ?", (source,))

    # ---- chunks ---------------------------------------------------------------------------
    def chunk_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM members").fetchone()[0])

    def chunks(self, ids: list[str]) -> dict[str, Chunk]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._reading() as db:
            rows = db.execute(
                "SELECT c.id, c.data FROM chunks c JOIN members m ON m.row = c.rowid"
                f" WHERE c.id IN ({marks})",
                ids,
            ).fetchall()
        return {r[0]: Chunk.model_validate_json(r[1]) for r in rows}

    def admitted(
        self,
        ids: Iterable[str],
        confidentiality: tuple[str, ...] | None = None,
        client_keys: tuple[str, ...] | None = None,
    ) -> set[str]:
        """Which of these chunk ids the version holds within the scope (None: that part unrestricted)."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return set()
        where, params = _scope_filter(confidentiality, client_keys, "m.")
        with self._reading() as db:
            rows = db.execute(
                "SELECT c.id FROM chunks c JOIN members m ON m.row = c.rowid"
                f" WHERE c.id IN ({','.join('?' * len(wanted))}){where}",
                [*wanted, *params],
            ).fetchall()
        return {r[0] for r in rows}

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
            row = self._db.execute(_COUNT_MATCHES, (query,))
            return int(row.fetchone()[0])

    def _selective(self, terms: list[str]) -> list[str]:
        """Drop terms that match a large share of a large corpus (the rarest one is always kept).

        Ranking cost grows with the rows a term matches, while such a term's BM25 weight is close to
        nothing: the same cut-off as a search engine's common-terms query. Small corpora are unaffected.
        """
        if len(terms) < 2:
            return terms
        with self._reading() as db:
            total = self._chunk_total(db)
            if total <= COMMON_TERM_MIN_DOCS:
                return terms
            df = self._index_frequencies(terms, db)
        limit = max(COMMON_TERM_MIN_DOCS, COMMON_TERM_SHARE * total)
        kept = [t for t in terms if df[t] <= limit]
        return kept or [min(terms, key=lambda t: df[t])]

    def _index_frequencies(self, terms: list[str], db: sqlite3.Connection) -> dict[str, int]:
        """Rows of the keyword index holding each term, read from FTS5's own vocabulary (one index lookup
        a term, where counting a common term's matches reads its whole posting list).

        The vocabulary is the whole index: with the shared row store, the rows of every retained version,
        which differ from this version's in the few changed rows. Close enough for the common-term cut-off;
        `phrase_frequency`, which decides "never mentioned", counts this version's members exactly. A term
        the tokenizer splits ("v4.0") is counted by matching.
        """
        db.executemany("INSERT INTO temp.query_terms(rowid, body) VALUES (?, ?)", list(enumerate(terms)))
        tokens: dict[int, list[str]] = {}
        for row, token in db.execute("SELECT doc, term FROM temp.query_terms_tokens"):
            tokens.setdefault(int(row), []).append(str(token))
        db.execute("DELETE FROM temp.query_terms")
        out: dict[str, int] = {}
        for i, term in enumerate(terms):
            found = tokens.get(i, [])
            if len(found) == 1:
                row = db.execute("SELECT doc FROM temp.index_terms WHERE term = ?", (found[0],)).fetchone()
                out[term] = int(row[0]) if row else 0
            else:
                out[term] = self._document_frequency(term, db)
        return out

    def _document_frequency(self, term: str, db: sqlite3.Connection | None = None) -> int:
        found = self._df.get(term)
        if found is None:
            row = (db or self._db).execute(_COUNT_MATCHES, (_quoted(term),))
            found = int(row.fetchone()[0])
            if len(self._df) > 50_000:
                self._df.clear()
            self._df[term] = found
        return found

    def _chunk_total(self, db: sqlite3.Connection | None = None) -> int:
        if self._total is None:
            self._total = int((db or self._db).execute("SELECT count(*) FROM members").fetchone()[0])
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
        # Ranked and cut to k over the narrow members table first; the wide chunk rows are read for k only.
        where, scope_params = _scope_filter(confidentiality, client_keys, "m.")
        sql = (
            "SELECT c.id, top.s FROM (SELECT chunks_fts.rowid AS r, bm25(chunks_fts) AS s FROM chunks_fts"
            f" JOIN members m ON m.row = chunks_fts.rowid WHERE chunks_fts MATCH ?{where} ORDER BY s LIMIT ?)"
            " AS top JOIN chunks c ON c.rowid = top.r ORDER BY top.s"
        )
        params: list[Any] = [match, *scope_params, k]
        with self._reading() as db:
            rows = db.execute(sql, params).fetchall()
        if not rows:
            return []
        best = -float(rows[0][1]) or 1.0
        return [(r[0], max(0.0, -float(r[1]) / best)) for r in rows]

    def table_chunks(
        self, confidentiality: tuple[str, ...] | None = None, client_keys: tuple[str, ...] | None = None
    ) -> list[Chunk]:
        """Every table chunk (one row per line: pricing, volumes, service levels) within a scope,
        in source and document order; None leaves that part of the scope unrestricted."""
        sql = (
            "SELECT c.data FROM chunks c JOIN members m ON m.row = c.rowid"
            " WHERE json_extract(c.data, '$.kind') = 'table'"
        )
        where, params = _scope_filter(confidentiality, client_keys, "c.")
        sql += where
        sql += " ORDER BY c.source, c.position"
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [Chunk.model_validate_json(r[0]) for r in rows]


def collect_garbage(row_store: Path, catalogs: list[Path]) -> int:
    """Delete the rows of a row store that none of these catalogs holds; the number deleted.

    `catalogs` must name every catalog that uses the store (a row missing from them is gone for good).
    """
    if not row_store.is_file():
        return 0
    db = sqlite3.connect(row_store)
    try:
        db.execute("CREATE TEMP TABLE keep (row INTEGER PRIMARY KEY)")
        for path in catalogs:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                tables = {r[0] for r in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                # a catalog from before the row store holds rows of its own only
                rows = source.execute("SELECT row FROM members").fetchall() if "members" in tables else []
            finally:
                source.close()
            db.executemany("INSERT OR IGNORE INTO keep(row) VALUES (?)", rows)
        with db:
            db.execute("DELETE FROM chunks_fts WHERE rowid NOT IN (SELECT row FROM keep)")
            return int(db.execute("DELETE FROM chunks WHERE rowid NOT IN (SELECT row FROM keep)").rowcount)
    finally:
        db.close()
