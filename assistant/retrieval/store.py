"""The vector store edge: Chroma collections (embedded or server) holding the vectors of chunks.

Only ids, vectors and the few metadata fields used for filtering live here; chunk content lives in the
version's catalog. This module alone knows the metadata schema and a chunk's extra vectors (their id
suffixes): an answer-library row's question alone, and each line of a chunk of several lines (a table
row, a paragraph, a list item) under the chunk's title and section; callers speak in chunks and chunk
ids. A knowledge-base version's vectors are a list of segments (collections) minus the chunks it no
longer holds (`VersionVectors`).
Chroma's default embedding function is never used: we always pass vectors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from assistant.errors import ConfigError, KnowledgeBaseError
from assistant.models import Chunk
from assistant.text import client_key

log = logging.getLogger(__name__)

_QUESTION_SUFFIX = "#q"  # id suffix of the extra vector for an answer-library row's question
_LINE_SUFFIX = "#l"  # + the line's index: the extra vector of one line of a chunk of several lines
# Lines of one chunk that get a vector of their own (ingest puts at most 15 table rows in a chunk, and
# prose chunks hold at most 900 characters; further lines are still found through the chunk's vector).
MAX_LINE_VECTORS = 16
COPY_BATCH = 2000
OVERFETCH = 8  # unfiltered results fetched per wanted result before falling back to a filtered search
# A segment of up to this many vectors is searched exactly, in memory (under 31 MB of float32 at 384
# dimensions, read once per segment object): Chroma's HNSW is approximate, and on the ~900 vectors of the
# calibration corpus it missed 7-8 of the 2,490 true nearest 30 over the golden questions (and 73 of the
# 19,920 nearest 240, a scoped search's over-fetch, even at ef_search 200), which ones depending on how
# the index happened to be built, so identical ingests ranked one question differently. Larger segments
# use HNSW at Chroma's defaults (ef_search 200 instead of 100 raised the 100k-chunk retrieval p95 from
# 31.5 / 45.2 ms to 35.0 / 54.2 ms, embedded / server).
EXACT_SEARCH_UP_TO = 20_000
ADD_BATCH = 2000

Admitted = Callable[[list[str]], set[str]]  # which of these chunk ids pass a request's filter


def vector_texts(chunks: list[Chunk], text_of: Callable[[Chunk], str]) -> list[str]:
    """The texts to embed for these chunks, in the order `VectorCollection.add_chunks` takes vectors.

    Besides its own text, an answer-library row gets a vector for its question alone, and each line of
    a chunk of several lines (a table row, a paragraph, a list item) gets one for that line read as a
    chunk of its own (`text_of` adds the same title and section): a question about one row of a long
    table, or one paragraph of a section that covers three things, then meets that line's meaning
    instead of the average of its neighbours'. A chunk's similarity is its best vector's.
    """
    texts: list[str] = []
    for c in chunks:
        texts.append(text_of(c))
        if _has_question_vector(c):
            texts.append(c.question or "")
        texts += [text_of(c.model_copy(update={"text": line})) for line in _vector_lines(c)]
    return texts


def _has_question_vector(chunk: Chunk) -> bool:
    return chunk.kind == "qa" and bool(chunk.question)


def _vector_lines(chunk: Chunk) -> list[str]:
    """The lines of a chunk that get a vector of their own: none for a one-line chunk or a library row."""
    if chunk.kind == "qa":
        return []
    lines = [line for line in chunk.text.split("\n") if line.strip()]
    return lines[:MAX_LINE_VECTORS] if len(lines) > 1 else []


def _chunk_vector_ids(chunk: Chunk) -> list[str]:
    """The ids of this chunk's vectors, ordered as `vector_texts` orders their texts."""
    question = [chunk.id + _QUESTION_SUFFIX] if _has_question_vector(chunk) else []
    lines = (f"{chunk.id}{_LINE_SUFFIX}{i}" for i in range(len(_vector_lines(chunk))))
    return [chunk.id, *question, *lines]


def _vector_metadata(chunk: Chunk) -> dict[str, str | int]:
    return {
        "source": chunk.source,
        "doc_type": chunk.doc_type.value,
        "confidentiality": chunk.meta.confidentiality.value,
        "client_key": client_key(chunk.meta.client),
        "position": chunk.position,
    }


def _chunk_id(vector_id: str) -> str:
    return vector_id.split("#", 1)[0]  # chunk ids are hex digests


_EXTRA_SUFFIXES = (_QUESTION_SUFFIX, *(f"{_LINE_SUFFIX}{i}" for i in range(MAX_LINE_VECTORS)))


def _vector_ids(chunk_ids: Iterable[str]) -> list[str]:
    """Every id a vector of these chunks can have (to find or delete them knowing only the chunk ids)."""
    return [cid + suffix for cid in chunk_ids for suffix in ("", *_EXTRA_SUFFIXES)]


@dataclass(frozen=True)
class VectorFilter:
    """Which chunks a query may see; None means no restriction on that field."""

    confidentiality: tuple[str, ...] | None = None
    client_keys: tuple[str, ...] | None = None  # "" stands for documents without a client

    def admits(self, metadata: dict[str, Any]) -> bool:
        """Whether a vector with this metadata passes the filter."""
        if self.confidentiality is not None and metadata.get("confidentiality") not in self.confidentiality:
            return False
        return self.client_keys is None or metadata.get("client_key") in self.client_keys

    def to_where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.confidentiality is not None:
            clauses.append({"confidentiality": {"$in": list(self.confidentiality)}})
        if self.client_keys is not None:
            clauses.append({"client_key": {"$in": list(self.client_keys)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class ChromaConnection:
    """A Chroma client, embedded under a folder or talking to a server, and its collections."""

    def __init__(self, client: Any) -> None:
        self._client = client

    @classmethod
    def open(cls, data_dir: Path, url: str | None) -> ChromaConnection:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if url:
            parsed = urlparse(url)
            if not parsed.hostname:
                raise ConfigError(f"DEAL_CHROMA_URL is not a URL: {url!r}")
            port = parsed.port or (443 if parsed.scheme == "https" else 8000)
            try:
                client = chromadb.HttpClient(
                    host=parsed.hostname, port=port, ssl=parsed.scheme == "https", settings=chroma_settings
                )
                client.heartbeat()
            except Exception as e:
                raise ConfigError(f"cannot reach the Chroma server at {url}: {e}") from e
            return cls(client)
        data_dir.mkdir(parents=True, exist_ok=True)
        return cls(chromadb.PersistentClient(path=str(data_dir / "chroma"), settings=chroma_settings))

    def create(self, name: str) -> VectorCollection:
        """Create an empty cosine-space collection (replacing a leftover of the same name)."""
        self.drop(name)
        col = self._client.create_collection(
            name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        return VectorCollection(col)

    def get(self, name: str) -> VectorCollection:
        try:
            col = self._client.get_collection(name, embedding_function=None)
        except Exception as e:
            raise KnowledgeBaseError(f"vector collection {name!r} is missing from Chroma: {e}") from e
        return VectorCollection(col)

    def names(self) -> list[str]:
        return [c if isinstance(c, str) else c.name for c in self._client.list_collections()]

    def drop(self, name: str) -> None:
        if name in self.names():
            self._client.delete_collection(name)


class VectorCollection:
    """One Chroma collection: a segment of one or more knowledge-base versions."""

    def __init__(self, collection: Any) -> None:
        self._col = collection
        self._count: int | None = None  # counting costs ~10 ms at 100k vectors: cached until a write
        self._matrix: _Matrix | None = None  # every vector, for exact search of a small segment

    @property
    def name(self) -> str:
        return str(self._col.name)

    def count(self) -> int:
        if self._count is None:
            self._count = int(self._col.count())
        return self._count

    def add(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict[str, Any]]) -> None:
        self._count, self._matrix = None, None
        for start in range(0, len(ids), ADD_BATCH):
            end = start + ADD_BATCH
            self._col.add(ids=ids[start:end], embeddings=vectors[start:end], metadatas=metadatas[start:end])

    def add_chunks(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        """Write the vectors of these chunks (ordered as `vector_texts` gave their texts)."""
        ids: list[str] = []
        metas: list[dict[str, Any]] = []
        for c in chunks:
            own = _chunk_vector_ids(c)
            ids += own
            metas += [_vector_metadata(c)] * len(own)
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} vectors expected for {len(chunks)} chunks, got {len(vectors)}")
        self.add(ids, vectors, metas)

    def copy_from(self, source: VectorCollection, leave_out: frozenset[str] = frozenset()) -> int:
        """Copy every vector of `source` except those of the chunks in `leave_out`; the count copied."""
        copied = 0
        for ids, vectors, metas in source.iterate():
            keep = [i for i, vid in enumerate(ids) if _chunk_id(vid) not in leave_out]
            if keep:
                self.add([ids[i] for i in keep], vectors[keep], [metas[i] for i in keep])
                copied += len(keep)
        return copied

    def count_without(self, chunk_ids: Iterable[str]) -> int:
        """Vectors in the collection that belong to none of these chunks."""
        return self.count() - len(self.present(_vector_ids(chunk_ids)))

    def holding(self, chunk_ids: Iterable[str]) -> set[str]:
        """Which of these chunks have a vector in this collection."""
        return {_chunk_id(v) for v in self.present(_vector_ids(chunk_ids))}

    def present(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), ADD_BATCH):
            got = self._col.get(ids=ids[start : start + ADD_BATCH], include=[])
            found.update(got["ids"])
        return found

    def delete_chunks(self, chunk_ids: list[str]) -> None:
        self.delete(_vector_ids(chunk_ids))

    def delete(self, ids: list[str]) -> None:
        self._count, self._matrix = None, None
        for start in range(0, len(ids), ADD_BATCH):
            self._col.delete(ids=ids[start : start + ADD_BATCH])

    def iterate(self) -> Iterator[tuple[list[str], np.ndarray, list[dict[str, Any]]]]:
        """All entries in batches, with their vectors (used to copy a version without re-embedding)."""
        offset = 0
        while True:
            got = self._col.get(limit=COPY_BATCH, offset=offset, include=["embeddings", "metadatas"])
            ids = list(got["ids"])
            if not ids:
                return
            yield ids, np.asarray(got["embeddings"], dtype=np.float32), [dict(m) for m in got["metadatas"]]
            offset += len(ids)

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        got = self._col.get(ids=ids, include=["embeddings"])
        return {
            i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"], strict=True)
        }

    def query(
        self,
        vector: np.ndarray,
        k: int,
        where: VectorFilter | None = None,
        admitted: Admitted | None = None,
    ) -> list[tuple[str, float]]:
        """Nearest vector ids with cosine similarity, best first.

        A filtered search is slow in Chroma at scale (~120 ms p95 at 100k vectors against ~10 ms
        unfiltered), so a filter is first applied to an over-fetched unfiltered search, and the
        filtered search runs only when that does not yield `k` matches. `admitted` (which of some chunk
        ids pass the filter, from the catalog) saves reading the over-fetched vectors' metadata.
        """
        n = min(k, self.count())
        if n <= 0:
            return []
        if self.count() <= EXACT_SEARCH_UP_TO:
            return self._exact(vector, n, where)
        if where is None or where.to_where() is None:
            return self._query(vector, n, None)[0]
        wide_n = min(n * OVERFETCH, self.count())
        if admitted is None:
            wide, metadatas = self._query(vector, wide_n, None)
            kept = [hit for hit, meta in zip(wide, metadatas, strict=True) if where.admits(meta)]
        else:
            wide = self._query(vector, wide_n, None, metadatas=False)[0]
            passing = admitted([_chunk_id(vid) for vid, _ in wide])
            kept = [hit for hit in wide if _chunk_id(hit[0]) in passing]
        if len(kept) >= n or len(wide) == self.count():
            return kept[:n]
        return self._query(vector, n, where.to_where(), metadatas=False)[0]

    def _exact(self, vector: np.ndarray, n: int, where: VectorFilter | None) -> list[tuple[str, float]]:
        """The `n` nearest vectors that pass `where`, by exact cosine similarity."""
        if self._matrix is None:
            self._matrix = _Matrix.of(self)
        m = self._matrix
        sims = m.unit @ (vector / max(float(np.linalg.norm(vector)), 1e-12))
        order = np.argsort(-sims, kind="stable")
        if where is None or where.to_where() is None:
            picked = [int(i) for i in order[:n]]
        else:
            picked = []
            for i in order:
                if where.admits(m.metadatas[i]):
                    picked.append(int(i))
                    if len(picked) == n:
                        break
        return sorted(((m.ids[i], float(sims[i])) for i in picked), key=lambda h: (-h[1], h[0]))

    def _query(
        self, vector: np.ndarray, n: int, where: dict[str, Any] | None, *, metadatas: bool = True
    ) -> tuple[list[tuple[str, float]], list[dict[str, Any]]]:
        include = ["distances", "metadatas"] if metadatas else ["distances"]
        got = self._col.query(query_embeddings=[vector], n_results=n, where=where, include=include)
        hits = [(i, 1.0 - float(d)) for i, d in zip(got["ids"][0], got["distances"][0], strict=True)]
        return hits, [dict(m or {}) for m in got["metadatas"][0]] if metadatas else []


@dataclass(frozen=True)
class Segment:
    """One collection of a version and the chunks of it that the version no longer holds."""

    collection: str
    tombstones: frozenset[str] = field(default_factory=frozenset)  # chunk ids


@dataclass(frozen=True)
class _Matrix:
    """A segment's vectors in memory (unit length), their ids and metadata, in one order."""

    ids: list[str]
    unit: np.ndarray
    metadatas: list[dict[str, Any]]

    @classmethod
    def of(cls, col: VectorCollection) -> _Matrix:
        ids: list[str] = []
        parts: list[np.ndarray] = []
        metadatas: list[dict[str, Any]] = []
        for batch_ids, vectors, metas in col.iterate():
            ids += batch_ids
            parts.append(vectors)
            metadatas += metas
        matrix = np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True) if len(matrix) else np.ones((0, 1))
        return cls(ids, matrix / np.maximum(norms, 1e-12), metadatas)


class VersionVectors:
    """A knowledge-base version's vectors: its segments, less their tombstoned chunks, searched as one.

    Each segment is asked for enough results that, after its tombstoned vectors are dropped, its own
    best `k` remain (first `k` plus a few, then `k` plus all its tombstones when that was not enough);
    merged by similarity, that is exactly a search over the version's chunks alone.
    """

    def __init__(self, segments: list[tuple[VectorCollection, frozenset[str]]]) -> None:
        # The tombstoned vectors that exist (a chunk has one to 18), so a search asks for just enough more.
        self._segments = [
            (col, frozenset(col.present(_vector_ids(dead)) if dead else ())) for col, dead in segments
        ]

    @classmethod
    def open(cls, chroma: ChromaConnection, segments: list[Segment]) -> VersionVectors:
        return cls([(chroma.get(s.collection), s.tombstones) for s in segments])

    def count(self) -> int:
        """Vectors in the version (answer-library rows and chunks of several lines have more than one)."""
        return sum(col.count() - len(dead) for col, dead in self._segments)

    def query(
        self,
        vector: np.ndarray,
        k: int,
        where: VectorFilter | None = None,
        admitted: Admitted | None = None,
    ) -> list[tuple[str, float]]:
        """The chunks of the `k` nearest vectors, with cosine similarity, best first (an answer-library
        row's question vector and a line's vector count for their chunk). `admitted`, when given,
        must tell exactly which chunks `where` admits (the catalog's scope of the same request)."""
        hits: list[tuple[str, float]] = []
        for col, dead in self._segments:
            hits += _live_nearest(col, dead, vector, k, where, admitted)
        hits.sort(key=lambda h: -h[1])
        best: dict[str, float] = {}
        for vid, sim in hits[:k]:
            cid = _chunk_id(vid)
            best[cid] = max(sim, best.get(cid, -1.0))
        return sorted(best.items(), key=lambda kv: -kv[1])

    def vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """The main vector of each of these chunks the version holds."""
        out: dict[str, np.ndarray] = {}
        for col, dead in self._segments:
            wanted = [c for c in chunk_ids if c not in dead and c not in out]
            out.update(col.vectors(wanted))
        return out

    def stored_vectors(self, chunks: list[Chunk]) -> np.ndarray:
        """The vectors the version holds for these chunks, ordered as `vector_texts` orders their texts
        (to build another version from them without embedding again)."""
        ids = [v for c in chunks for v in _chunk_vector_ids(c)]
        found: dict[str, np.ndarray] = {}
        for col, dead in self._segments:
            found.update(col.vectors([v for v in ids if v not in dead and v not in found]))
        missing = [v for v in ids if v not in found]
        if missing:
            raise KnowledgeBaseError(
                f"{len(missing)} vectors are missing from the version (first: {missing[0]})"
            )
        return np.stack([found[v] for v in ids]) if ids else np.zeros((0, 0), np.float32)

    def all_vectors(self, chunk_ids: list[str]) -> ChunkVectors:
        """Every vector the version holds for these chunks (question and line vectors included), to score
        them later."""
        found: list[tuple[str, np.ndarray]] = []
        for col, dead in self._segments:
            wanted = [v for v in _vector_ids(chunk_ids) if v not in dead]
            found += col.vectors(wanted).items()
        return ChunkVectors(tuple(found))


@dataclass(frozen=True)
class ChunkVectors:
    """Vectors fetched for some chunks (`VersionVectors.all_vectors`), scored against a query later."""

    found: tuple[tuple[str, np.ndarray], ...]

    def similarities(self, chunk_ids: Iterable[str], vector: np.ndarray) -> dict[str, float]:
        """Each of these chunks' best cosine similarity to `vector` over its fetched vectors."""
        wanted = set(chunk_ids)
        out: dict[str, float] = {}
        for vid, vec in self.found:
            cid = _chunk_id(vid)
            if cid in wanted:
                out[cid] = max(float(vec @ vector), out.get(cid, -1.0))
        return out


def _live_nearest(
    col: VectorCollection,
    dead: frozenset[str],
    vector: np.ndarray,
    k: int,
    where: VectorFilter | None,
    admitted: Admitted | None,
) -> list[tuple[str, float]]:
    """The segment's `k` nearest vectors that are not tombstoned."""
    if not dead:
        return col.query(vector, k, where, admitted)
    asked = min(k + min(len(dead), k), col.count())
    while True:
        got = col.query(vector, asked, where, admitted)
        live = [h for h in got if h[0] not in dead]
        if len(live) >= k or len(got) < asked or asked >= min(k + len(dead), col.count()):
            return live[:k]
        asked = min(k + len(dead), col.count())
