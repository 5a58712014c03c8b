"""The query embedding the retriever uses is the model's embedding of that text, from any thread."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from assistant.retrieval.embedding import Embedder


def test_a_query_embedded_on_its_own_thread_is_the_models_embedding_of_it(embedder: Embedder) -> None:
    questions = [f"what is the turnaround for job {i} printed at the plant?" for i in range(12)]
    expected = embedder.embed(questions)
    with ThreadPoolExecutor(max_workers=4) as pool:  # requests from several bot threads at once
        got = list(pool.map(embedder.embed_query, questions))
    for want, vector in zip(expected, got, strict=True):
        assert vector.shape == (embedder.dimensions,) and vector.dtype == np.float32
        assert np.allclose(vector, want, atol=1e-5)
    assert np.isclose(float(np.linalg.norm(got[0])), 1.0, atol=1e-5)
