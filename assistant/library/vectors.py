"""Question vectors kept between lint runs (SQLite beside the library store), so a scheduled `library lint`
embeds only the questions that are new or changed since the last run."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

import numpy as np

from assistant.library.linting import Embeds


class CachedEmbedder:
    """An Embeds that looks vectors up by text hash and the model's dimensions, embedding only misses."""

    def __init__(self, embedder: Embeds, path: Path, *, dimensions: int) -> None:
        self._embedder = embedder
        self._path = path
        self._dimensions = dimensions
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(path)) as db, db:
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        keys = [hashlib.sha1(f"{self._dimensions}:{t}".encode()).hexdigest() for t in texts]
        found: dict[str, np.ndarray] = {}
        with closing(sqlite3.connect(self._path, timeout=30)) as db:
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                rows = db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(part))})", part
                ).fetchall()
                found.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
            missing = sorted({i for i, k in enumerate(keys) if k not in found}, key=lambda i: keys[i])
            missing = list({keys[i]: i for i in missing}.values())
            if missing:
                vectors = np.asarray(self._embedder.embed([texts[i] for i in missing]), dtype=np.float32)
                with db:
                    db.executemany(
                        "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                        [(keys[i], v.tobytes()) for i, v in zip(missing, vectors, strict=True)],
                    )
                found.update((keys[i], v) for i, v in zip(missing, vectors, strict=True))
        out = np.zeros((len(texts), self._dimensions), dtype=np.float32)
        for i, key in enumerate(keys):
            out[i] = found[key]
        return out
