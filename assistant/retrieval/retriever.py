"""Hybrid retrieval: dense (Chroma) and keyword (BM25 in the catalog) rankings fused by reciprocal rank.

Every candidate then gets its cosine similarity to the query (bi-encoder rescoring of keyword-only hits),
which is the evidence the answering core uses to decide between answering and "not in the knowledge base".
Answer-library rows have a second vector for their question alone, so a paraphrased question finds the
approved answer even when the answer's wording differs.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from assistant.freshness import Supersession
from assistant.models import ScoredChunk
from assistant.retrieval.embedding import Embedder
from assistant.retrieval.store import Admitted, ChunkVectors, VectorFilter
from assistant.retrieval.versions import OpenVersion, VersionSource
from assistant.text import client_key
from assistant.tuning import Tuning

# Keyword sides of concurrent requests (the bot answers a few at once); its threads idle between requests.
_KEYWORD_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="keyword-search")


@dataclass(frozen=True)
class Scope:
    """What a request may read: confidentiality levels and clients (None = unrestricted)."""

    confidentiality: tuple[str, ...] | None = None
    client_keys: tuple[str, ...] | None = None

    @property
    def unrestricted(self) -> bool:
        return self.confidentiality is None and self.client_keys is None


@dataclass(frozen=True)
class Prior:
    """Which documents a question is about: a client's own (boosted), or none in particular (client
    documents step back behind general ones)."""

    client_key: str | None  # the client the question is about, None when it names none
    weight: float
    general: bool = True  # no client and nothing deal-specific: general documents answer first

    def adjustment(self, client: str | None, own: float | None = None) -> float:
        """The score change for a document of `client`: `weight` up for the asked client's own
        documents (`own` instead, when given), `weight` down for any client's in a general question."""
        key = client_key(client)
        if self.client_key is not None:
            return (self.weight if own is None else own) if key == self.client_key else 0.0
        return -self.weight if key and self.general else 0.0


@dataclass(frozen=True)
class Retrieval:
    query: str
    vector: np.ndarray
    chunks: list[ScoredChunk]
    version: str


class Retriever:
    """Finds the chunks that best answer a query within a scope."""

    def __init__(
        self, embedder: Embedder, source: VersionSource, *, rerank: bool = True, tuning: Tuning | None = None
    ) -> None:
        self.embedder = embedder
        self.source = source
        self.tuning = tuning or Tuning()
        self.candidates = self.tuning.candidates
        self.rerank = rerank

    def clients(self) -> list[str]:
        return self.source.current().clients

    def supersessions(self) -> dict[str, Supersession]:
        """Documents replaced by a newer one (declared or re-issued): old source -> supersession."""
        return self.source.current().supersessions

    def term_frequency(self, phrase: str) -> int:
        """How many chunks of the whole knowledge base contain `phrase` (stemmed, as the keyword index).

        A designation (an acronym and its number, "SOC 1") counts where the number stands right after
        the acronym, within a word or two ("ISO/IEC 27001" for "ISO 27001").
        """
        catalog = self.source.current().catalog
        name, _, number = phrase.rpartition(" ")
        if name and number[:1].isdigit() and name.isupper():
            return catalog.near_frequency(name, number)
        return catalog.phrase_frequency(phrase)

    def client_of(self, term: str) -> str | None:
        """The client whose document best matches `term` (e.g. a SOW number), None if no client's does."""
        version = self.source.current()
        hits = version.catalog.keyword_search(term, 1)
        if not hits:
            return None
        chunk = version.catalog.chunks([hits[0][0]]).get(hits[0][0])
        return chunk.meta.client if chunk else None

    def chunks_of(self, source: str, vector: np.ndarray, k: int) -> list[ScoredChunk]:
        """The `k` chunks of one document most similar to `vector` (e.g. a superseding document)."""
        version = self.source.current()
        ids = version.catalog.chunk_ids_of([source])
        vectors = version.vectors.vectors(ids)
        sims = {cid: float(vec @ vector) for cid, vec in vectors.items()}
        best = sorted(sims, key=lambda c: -sims[c])[:k]
        chunks = version.catalog.chunks(best)
        return [
            ScoredChunk(chunk=chunks[c], score=sims[c], similarity=max(0.0, sims[c]))
            for c in best
            if c in chunks
        ]

    def retrieve(
        self,
        query: str,
        scope: Scope,
        k: int = 8,
        vector: np.ndarray | None = None,
        prior: Prior | None = None,
    ) -> Retrieval:
        """The top `k` chunks for `query` within `scope`, best first.

        `prior` tells which kind of document answers: a general question is answered from offerings and
        the approved library before a client's SOW; a question about one client's deal reaches that
        client's documents first.
        """
        version = self.source.current()
        # The keyword side (BM25 and the vectors of its hits) runs beside the query embedding and the
        # dense search: SQLite, torch and Chroma release the GIL, so the latency is the longer of the two.
        keyword_side = _KEYWORD_POOL.submit(self._keyword_side, version, query, scope)
        try:
            qv = self.embedder.embed_query(query) if vector is None else vector
            dense = dict(version.vectors.query(qv, self.candidates, *self._dense_filter(version, scope)))
        finally:
            keyword, keyword_vectors = keyword_side.result()
        fused = fuse([sorted(dense, key=lambda c: -dense[c]), list(keyword)], self.tuning.rrf_k)
        missing = [cid for cid in fused if cid not in dense]
        if missing:
            dense.update(keyword_vectors.similarities(missing, qv))
        chunks = version.catalog.chunks(list(fused))
        scored = [
            ScoredChunk(
                chunk=chunks[cid],
                score=self._score(fused[cid], dense.get(cid, 0.0), keyword.get(cid, 0.0))
                + (prior.adjustment(chunks[cid].meta.client) if prior else 0.0),
                similarity=max(0.0, dense.get(cid, 0.0)),
                keyword_score=keyword.get(cid, 0.0),
            )
            for cid in fused
            if cid in chunks
        ]
        scored.sort(key=lambda s: -s.score)
        top = [s.model_copy(update={"rank": i + 1}) for i, s in enumerate(scored[:k])]
        return Retrieval(query, qv, top, version.name)

    def _keyword_side(
        self, version: OpenVersion, query: str, scope: Scope
    ) -> tuple[dict[str, float], ChunkVectors]:
        """The BM25 ranking within the scope, and the vectors of its hits (those the dense search does not
        find are rescored by similarity)."""
        keyword = dict(
            version.catalog.keyword_search(query, self.candidates, scope.confidentiality, scope.client_keys)
        )
        return keyword, version.vectors.all_vectors(list(keyword))

    @staticmethod
    def _dense_filter(version: OpenVersion, scope: Scope) -> tuple[VectorFilter | None, Admitted | None]:
        """The dense search's filter, and the catalog's answer to which chunks pass it (the same scope)."""
        if scope.unrestricted:
            return None, None

        def admitted(ids: list[str]) -> set[str]:
            return version.catalog.admitted(ids, scope.confidentiality, scope.client_keys)

        return VectorFilter(scope.confidentiality, scope.client_keys), admitted

    def _score(self, rrf: float, similarity: float, keyword: float) -> float:
        if not self.rerank:
            return rrf
        # Rescore the fused candidates: dense similarity dominates; keyword evidence and rank agreement
        # break ties.
        return similarity + self.tuning.keyword_weight * keyword + self.tuning.rrf_weight * rrf


def fuse(rankings: list[list[str]], k: int = Tuning.rrf_k) -> dict[str, float]:
    """Reciprocal rank fusion of several rankings of ids, best first."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, cid in enumerate(ranking):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (k + rank + 1)
    return dict(sorted(scores.items(), key=lambda kv: -kv[1]))
