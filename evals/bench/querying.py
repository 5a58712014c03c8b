"""Retrieval and ask latency at one size and backend, timed per request beside raw Chroma and raw encode."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from assistant.answering.access import scope_for
from assistant.answering.core import retrieval_query
from assistant.models import Request
from assistant.retrieval.embedding import Embedder
from assistant.retrieval.store import VectorFilter
from assistant.settings import Settings
from assistant.wiring import build_assistant
from evals.bench.measuring import Latency, pairwise_sum
from evals.bench.results import Figure, Reference, Target

ASK_P95_TARGET_MS = 300.0
RETRIEVAL_P95_TARGET_MS = 60.0
RETRIEVAL_TARGET_CHUNKS = 100_000
LEVELS = ("p50", "p95")


@dataclass(frozen=True)
class Point:
    """Latencies measured at one knowledge-base size on one Chroma backend."""

    label: str
    backend: str  # "embedded" or "server"
    chunks: int
    embed: Latency  # SentenceTransformer.encode of the query alone
    raw_query: Latency  # chromadb collection.query alone, same n_results and filter as the retriever
    retrieval: Latency
    ask: Latency


def raw_collection(settings: Settings, name: str) -> Any:
    """The chromadb collection itself (embedded or server), for the raw `collection.query` reference."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    options = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        client: Any = chromadb.HttpClient(
            host=url.hostname or "127.0.0.1", port=url.port or 8000, settings=options
        )
    else:
        client = chromadb.PersistentClient(path=str(settings.data_dir / "chroma"), settings=options)
    return client.get_collection(name, embedding_function=None)


def measure_point(
    settings: Settings,
    collection: str,
    *,
    label: str,
    backend: str,
    chunks: int,
    requests: Sequence[Request],
    embedder: Embedder,
    clock: Callable[[], dt.date] = dt.date.today,
) -> Point:
    """Time raw encode, raw Chroma query, Retriever.retrieve and offline Assistant.ask for each request.

    Each request goes through the four in turn, so a figure and its reference see the same moment's load.
    """
    assistant = build_assistant(settings.model_copy(update={"llm": None}), embedder=embedder, clock=clock)
    retriever = assistant.retriever
    raw = raw_collection(settings, collection)
    assistant.ask(requests[0])  # opens the version and warms its caches before anything is timed
    samples: list[tuple[float, float, float, float]] = []
    for request in requests:
        query, scope = retrieval_query(request), scope_for(request)
        where = (
            None if scope.unrestricted else VectorFilter(scope.confidentiality, scope.client_keys).to_where()
        )
        t0 = time.perf_counter()
        vector = embedder.model.encode(
            [query], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )[0]
        t1 = time.perf_counter()
        raw.query(
            query_embeddings=[vector], n_results=retriever.candidates, where=where, include=["distances"]
        )
        t2 = time.perf_counter()
        retriever.retrieve(query, scope, assistant.top_k)
        t3 = time.perf_counter()
        assistant.ask(request)
        t4 = time.perf_counter()
        samples.append((t1 - t0, t2 - t1, t3 - t2, t4 - t3))
    embed, raw_query, retrieval, ask = (Latency(tuple(s[i] * 1000.0 for s in samples)) for i in range(4))
    return Point(label, backend, chunks, embed, raw_query, retrieval, ask)


def point_figures(point: Point, *, demo: bool) -> list[Figure]:
    """Retrieval against raw embed + raw query, ask against retrieval, raw query as measured."""
    where = f"{point.label}, {point.backend}"
    floor = pairwise_sum(point.embed, point.raw_query)
    figures: list[Figure] = []
    for level in LEVELS:
        at_target_size = level == "p95" and point.chunks == RETRIEVAL_TARGET_CHUNKS
        figures += [
            Figure(
                section="retrieval",
                name=f"retrieval {level} ({where})",
                value=getattr(point.retrieval, level),
                unit="ms",
                reference=Reference(
                    name=f"raw embed + raw Chroma query {level}", value=getattr(floor, level), unit="ms"
                ),
                target=Target(comparison="<=", threshold=RETRIEVAL_P95_TARGET_MS) if at_target_size else None,
            ),
            Figure(
                section="retrieval",
                name=f"raw Chroma collection.query {level} ({where})",
                value=getattr(point.raw_query, level),
                unit="ms",
                note="reference",
            ),
            Figure(
                section="ask",
                name=f"offline ask {level} ({where})",
                value=getattr(point.ask, level),
                unit="ms",
                reference=Reference(
                    name=f"retrieval {level}, same point", value=getattr(point.retrieval, level), unit="ms"
                ),
                target=Target(comparison="<=", threshold=ASK_P95_TARGET_MS)
                if level == "p95" and demo
                else None,
            ),
        ]
    return figures


def embed_figures(points: Sequence[Point]) -> list[Figure]:
    """Raw query embedding over every request at every point (it does not depend on the corpus)."""
    pooled = Latency(tuple(s for p in points for s in p.embed.samples))
    return [
        Figure(
            section="retrieval",
            name=f"raw query embedding {level} (SentenceTransformer.encode, one query, all points)",
            value=getattr(pooled, level),
            unit="ms",
            note="reference",
        )
        for level in LEVELS
    ]


def paired_asks(
    ours: Callable[[Request], object], theirs: Callable[[Request], object], requests: Sequence[Request]
) -> tuple[Latency, Latency]:
    """Time two systems' ask on each request in turn (after one warm-up each), so both see the same load."""
    ours(requests[0])
    theirs(requests[0])
    samples: list[tuple[float, float]] = []
    for request in requests:
        t0 = time.perf_counter()
        ours(request)
        t1 = time.perf_counter()
        theirs(request)
        t2 = time.perf_counter()
        samples.append(((t1 - t0) * 1000.0, (t2 - t1) * 1000.0))
    return Latency(tuple(s[0] for s in samples)), Latency(tuple(s[1] for s in samples))


def baseline_figures(baseline: Latency, deal: Latency, label: str) -> list[Figure]:
    """The LangChain tutorial pipeline's ask latency, read against Deal Assistant's timed beside it."""
    return [
        Figure(
            section="ask",
            name=f"LangChain tutorial baseline ask {level} ({label}, embedded)",
            value=getattr(baseline, level),
            unit="ms",
            reference=Reference(
                name=f"Deal Assistant offline ask {level}, timed alternately",
                value=getattr(deal, level),
                unit="ms",
            ),
            note="its ask is one similarity search (retrieval and ask are the same call)",
        )
        for level in LEVELS
    ]
