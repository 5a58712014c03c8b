"""Hybrid retrieval: dense (Chroma) and keyword (BM25 in the catalog) rankings fused by reciprocal rank.

Every candidate then gets its cosine similarity to the query (bi-encoder rescoring of keyword-only hits),
which is the evidence the answering core uses to decide between answering and "not in the knowledge base".
Answer-library rows have a second vector for their question alone, so a paraphrased question finds the
approved answer even when the answer's wording differs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.catalog import Catalog
from assistant.embedding import Embedder
from assistant.models import ScoredChunk
from assistant.store import QUESTION_VECTOR_SUFFIX, ChromaConnection, VectorCollection, VectorFilter
from assistant.versions import Registry

RRF_K = 60


@dataclass(frozen=True)
class OpenVersion:
    name: str
    catalog: Catalog
    collection: VectorCollection
    superseded: dict[str, tuple[str, str]]
    clients: list[str]


class VersionSource:
    """The knowledge-base version a retriever reads; "live" follows promotions and rollbacks."""

    def __init__(self, registry: Registry, chroma: ChromaConnection, spec: str = "live") -> None:
        self.registry = registry
        self.chroma = chroma
        self.spec = spec
        self._lock = threading.Lock()
        self._opened: OpenVersion | None = None
        self._stamp: float | None = None

    def _registry_stamp(self) -> float:
        path: Path = self.registry.root / "registry.json"
        return path.stat().st_mtime_ns if path.exists() else 0.0

    def current(self) -> OpenVersion:
        with self._lock:
            stamp = self._registry_stamp()
            if self._opened is None or (self.spec in ("live", "staged") and stamp != self._stamp):
                paths = self.registry.resolve(self.spec)
                if self._opened is None or self._opened.name != paths.name:
                    if self._opened:
                        self._opened.catalog.close()
                    catalog = Catalog(paths.catalog, readonly=True)
                    self._opened = OpenVersion(
                        paths.name,
                        catalog,
                        self.chroma.get(paths.collection),
                        catalog.superseded(),
                        catalog.clients(),
                    )
                self._stamp = stamp
            return self._opened


@dataclass(frozen=True)
class Scope:
    """What a request may read: confidentiality levels and clients (None = unrestricted)."""

    confidentiality: tuple[str, ...] | None = None
    client_keys: tuple[str, ...] | None = None

    @property
    def unrestricted(self) -> bool:
        return self.confidentiality is None and self.client_keys is None


@dataclass(frozen=True)
class Retrieval:
    query: str
    vector: np.ndarray
    chunks: list[ScoredChunk]
    version: str


class Retriever:
    """Finds the chunks that best answer a query within a scope."""

    def __init__(
        self, embedder: Embedder, source: VersionSource, candidates: int = 30, rerank: bool = True
    ) -> None:
        self.embedder = embedder
        self.source = source
        self.candidates = candidates
        self.rerank = rerank

    def clients(self) -> list[str]:
        return self.source.current().clients

    def superseded(self) -> dict[str, tuple[str, str]]:
        """Documents replaced by a newer version of themselves: source -> (newer source, its date)."""
        return self.source.current().superseded

    def retrieve(self, query: str, scope: Scope, k: int = 8, vector: np.ndarray | None = None) -> Retrieval:
        """The top `k` chunks for `query` within `scope`, best first."""
        version = self.source.current()
        qv = self.embedder.embed_one(query) if vector is None else vector
        where = VectorFilter(scope.confidentiality, scope.client_keys)
        dense: dict[str, float] = {}
        for vid, sim in version.collection.query(
            qv, self.candidates, where if not scope.unrestricted else None
        ):
            cid = vid.removesuffix(QUESTION_VECTOR_SUFFIX)
            dense[cid] = max(sim, dense.get(cid, -1.0))
        keyword = dict(
            version.catalog.keyword_search(query, self.candidates, scope.confidentiality, scope.client_keys)
        )
        fused = fuse([sorted(dense, key=lambda c: -dense[c]), list(keyword)])
        missing = [cid for cid in fused if cid not in dense]
        if missing:
            vectors = version.collection.vectors(missing + [m + QUESTION_VECTOR_SUFFIX for m in missing])
            for vid, vec in vectors.items():
                cid = vid.removesuffix(QUESTION_VECTOR_SUFFIX)
                dense[cid] = max(float(vec @ qv), dense.get(cid, -1.0))
        chunks = version.catalog.chunks(list(fused))
        scored = [
            ScoredChunk(
                chunk=chunks[cid],
                score=self._score(fused[cid], dense.get(cid, 0.0), keyword.get(cid, 0.0)),
                similarity=max(0.0, dense.get(cid, 0.0)),
                keyword_score=keyword.get(cid, 0.0),
            )
            for cid in fused
            if cid in chunks
        ]
        scored.sort(key=lambda s: -s.score)
        top = [s.model_copy(update={"rank": i + 1}) for i, s in enumerate(scored[:k])]
        return Retrieval(query, qv, top, version.name)

    def _score(self, rrf: float, similarity: float, keyword: float) -> float:
        if not self.rerank:
            return rrf
        # Rescore the fused candidates: dense similarity dominates; keyword evidence and rank agreement
        # break ties.
        return similarity + 0.15 * keyword + 2.0 * rrf


def fuse(rankings: list[list[str]]) -> dict[str, float]:
    """Reciprocal rank fusion of several rankings of ids, best first."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, cid in enumerate(ranking):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
    return dict(sorted(scores.items(), key=lambda kv: -kv[1]))
