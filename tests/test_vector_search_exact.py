"""A small segment is searched exactly: the nearest vectors are the true nearest, whatever the index.

Chroma's HNSW index is approximate and is built differently on every ingest, so the same question could
rank differently after re-ingesting the same files. Segments up to `EXACT_SEARCH_UP_TO` vectors are
searched in memory instead; this checks it against a brute-force search over a real embedded Chroma
collection, with and without a scope filter, and after a write.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.retrieval.store import EXACT_SEARCH_UP_TO, ChromaConnection, VectorFilter

DIMENSIONS = 384


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_a_small_segment_returns_the_true_nearest_vectors_in_scope(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    vectors = _unit(rng.normal(size=(3000, DIMENSIONS)).astype(np.float32))
    ids = [f"{i:05d}" for i in range(len(vectors))]
    levels = ["public", "internal", "confidential"]
    metas = [{"confidentiality": levels[i % 3], "client_key": ""} for i in range(len(vectors))]
    assert len(vectors) <= EXACT_SEARCH_UP_TO
    col = ChromaConnection.open(tmp_path, None).create("exact_test")
    col.add(ids, vectors, metas)
    public = VectorFilter(confidentiality=("public",))
    for q in _unit(rng.normal(size=(25, DIMENSIONS)).astype(np.float32)):
        sims = vectors @ q
        truth = [ids[i] for i in np.argsort(-sims)[:50]]
        got = col.query(q, 50)
        assert [vid for vid, _ in got] == truth
        assert all(abs(sim - float(sims[int(vid)])) < 1e-4 for vid, sim in got)
        in_scope = [ids[i] for i in np.argsort(-sims) if metas[i]["confidentiality"] == "public"][:50]
        assert [vid for vid, _ in col.query(q, 50, public)] == in_scope
    # A write is seen by the next search (the in-memory copy is read again).
    q = vectors[0]
    col.delete(["00000"])
    assert "00000" not in [vid for vid, _ in col.query(q, 5)]
    col.add(["new"], q[None, :], [{"confidentiality": "public", "client_key": ""}])
    assert col.query(q, 1)[0][0] == "new"
