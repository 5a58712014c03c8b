"""Retrieval: knowledge-base versions and how their chunks are found.

`retriever.Retriever` fuses the dense ranking (`store`, Chroma, vectors from `embedding`) with the keyword
ranking (`catalog`, SQLite FTS5 over `sqlite_store`) inside one version's scope; `versions` owns the
version lifecycle (build, prune) and `VersionSource`, the live pointer the bot follows, over `registry`
(which versions exist; promote, roll back); `repair` rebuilds a lost registry. The names below resolve
on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.exports import lazy_exports

if TYPE_CHECKING:
    from assistant.retrieval.embedding import Embedder
    from assistant.retrieval.retriever import Prior, Retrieval, Retriever, Scope
    from assistant.retrieval.versions import VersionSource

__all__ = ["Embedder", "Prior", "Retrieval", "Retriever", "Scope", "VersionSource"]

__getattr__, __dir__ = lazy_exports(
    globals(),
    {
        "Embedder": "assistant.retrieval.embedding",
        "Prior": "assistant.retrieval.retriever",
        "Retrieval": "assistant.retrieval.retriever",
        "Retriever": "assistant.retrieval.retriever",
        "Scope": "assistant.retrieval.retriever",
        "VersionSource": "assistant.retrieval.versions",
    },
)
