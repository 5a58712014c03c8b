"""The vector store edge: Chroma collections (embedded or server) holding one vector per chunk.

Only ids, vectors and the few metadata fields used for filtering live here; chunk content lives in the
version's catalog. Chroma's default embedding function is never used: we always pass vectors.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from assistant.errors import ConfigError, KnowledgeBaseError

log = logging.getLogger(__name__)

QUESTION_VECTOR_SUFFIX = "#q"  # id suffix of the extra vector for an answer-library row's question
COPY_BATCH = 2000
OVERFETCH = 4  # unfiltered results fetched per wanted result before falling back to a filtered search
ADD_BATCH = 2000


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
    """One knowledge-base version's vectors."""

    def __init__(self, collection: Any) -> None:
        self._col = collection
        self._count: int | None = None  # counting costs ~10 ms at 100k vectors: cached until a write

    @property
    def name(self) -> str:
        return str(self._col.name)

    def count(self) -> int:
        if self._count is None:
            self._count = int(self._col.count())
        return self._count

    def add(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict[str, Any]]) -> None:
        self._count = None
        for start in range(0, len(ids), ADD_BATCH):
            end = start + ADD_BATCH
            self._col.add(ids=ids[start:end], embeddings=vectors[start:end], metadatas=metadatas[start:end])

    def delete(self, ids: list[str]) -> None:
        self._count = None
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

    def query(self, vector: np.ndarray, k: int, where: VectorFilter | None = None) -> list[tuple[str, float]]:
        """Nearest chunk ids with cosine similarity, best first.

        A filtered search is slow in Chroma at scale (~120 ms p95 at 100k vectors against ~10 ms
        unfiltered), so a filter is first applied to an over-fetched unfiltered search, and the
        filtered search runs only when that does not yield `k` matches.
        """
        n = min(k, self.count())
        if n <= 0:
            return []
        if where is None or where.to_where() is None:
            return self._query(vector, n, None)[0]
        wide, metadatas = self._query(vector, min(n * OVERFETCH, self.count()), None)
        kept = [hit for hit, meta in zip(wide, metadatas, strict=True) if where.admits(meta)]
        if len(kept) >= n or len(wide) == self.count():
            return kept[:n]
        return self._query(vector, n, where.to_where())[0]

    def _query(
        self, vector: np.ndarray, n: int, where: dict[str, Any] | None
    ) -> tuple[list[tuple[str, float]], list[dict[str, Any]]]:
        got = self._col.query(
            query_embeddings=[vector], n_results=n, where=where, include=["distances", "metadatas"]
        )
        hits = [(i, 1.0 - float(d)) for i, d in zip(got["ids"][0], got["distances"][0], strict=True)]
        return hits, [dict(m or {}) for m in got["metadatas"][0]]
