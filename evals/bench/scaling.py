"""Latency across corpus sizes: demo and synthetic scale points, on embedded Chroma and a Chroma server."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from assistant.access import scope_for
from assistant.embedding import Embedder
from assistant.errors import ConfigError
from assistant.models import Request
from assistant.settings import Settings
from assistant.wiring import open_chroma
from evals.bench.chroma_server import chroma_server
from evals.bench.corpus import ScaledKb, demo_kb, fill_store, scaled_kb
from evals.bench.querying import Point, embed_figures, measure_point, point_figures
from evals.bench.results import BenchResult

Say = Callable[[str], None]


def bench_latency(
    result: BenchResult,
    demo: Settings,
    sizes: tuple[int, ...],
    work: Path,
    requests: list[Request],
    embedder: Embedder,
    say: Say,
) -> list[Point]:
    """Retrieval and ask at the demo size and each scale point, on embedded Chroma and on a Chroma server."""
    filtered = sum(not scope_for(r).unrestricted for r in requests)
    result.note(
        "retrieval",
        f"Requests: {len(requests)} eval questions with their audience and client ({filtered} of them, "
        "external or for a client, run metadata-filtered queries). Retrieval is Retriever.retrieve (query "
        "embedding, dense query, BM25 keyword query, fusion, rescoring, catalog reads); its reference is "
        "SentenceTransformer.encode of the same query plus chromadb collection.query with the same n_results "
        "and filter. Each request goes through the four in turn, so a figure and its reference see the same "
        "moment's load.",
    )
    result.note(
        "retrieval",
        "Scale points are synthetic: the demo version plus chunks up to the size, each with a random "
        "unit vector (384-d) and a catalog row of text drawn from the demo's word frequencies (so the "
        "keyword index does real work), confidentiality cycling public/internal/confidential, built through "
        "Catalog.replace_file and VectorCollection.add in batches. The server is `chroma run` on an "
        "ephemeral 127.0.0.1 port, filled through the same store API over HTTP.",
    )
    points: list[Point] = []
    with ExitStack() as stack:
        url: str | None = None
        try:
            url = stack.enter_context(chroma_server(work / "chroma-server"))
        except ConfigError as e:
            result.skip("retrieval", f"Chroma server points: {e}")
        kb = demo_kb(demo)
        for size in (None, *sizes):
            if size is not None:
                if size <= kb.chunks:
                    result.note(
                        "retrieval", f"size {size:,} skipped: the demo alone has {kb.chunks:,} chunks"
                    )
                    continue
                say(f"retrieval: building a {size:,}-chunk knowledge base")
                start = time.perf_counter()
                kb = scaled_kb(demo, size, work / f"size-{size}")
                spent = time.perf_counter() - start
                result.note(
                    "retrieval", f"{kb.chunks:,} chunks: catalog of synthetic rows built in {spent:.1f} s."
                )
            label = f"demo ({kb.chunks:,} chunks)" if size is None else f"{kb.chunks:,} chunks"
            for backend, chroma_url in (("embedded", None), ("server", url)):
                if backend == "server" and chroma_url is None:
                    continue
                say(f"retrieval: {label}, {backend}")
                points.append(
                    measure_backend(result, kb, demo, label, backend, chroma_url, requests, embedder)
                )
                result.add(point_figures(points[-1], demo=size is None))
    result.add(embed_figures(points))
    result.note(
        "ask",
        "Offline ask: Assistant.ask with the offline composer (any DEAL_LLM is ignored) on the same requests "
        "as retrieval, after one warm-up call; its reference is retrieval at the same point, so the ratio is "
        "what deciding and composing the answer add.",
    )
    return points


def measure_backend(
    result: BenchResult,
    kb: ScaledKb,
    demo: Settings,
    label: str,
    backend: str,
    url: str | None,
    requests: list[Request],
    embedder: Embedder,
) -> Point:
    """Put the version's vectors in the backend (unless they are there), measure, and drop scale copies."""
    settings = kb.settings.model_copy(update={"chroma_url": url})

    def measure() -> Point:
        return measure_point(
            settings,
            kb.collection,
            label=label,
            backend=backend,
            chunks=kb.chunks,
            requests=requests,
            embedder=embedder,
        )

    if url is None and kb.synthetic is None:  # the demo's own vectors, already in its embedded Chroma
        return measure()
    chroma = open_chroma(settings)
    start = time.perf_counter()
    fill_store(kb, demo, chroma)
    spent = time.perf_counter() - start
    result.note("retrieval", f"{label}, {backend}: vectors added through the store API in {spent:.1f} s.")
    try:
        return measure()
    finally:
        chroma.drop(kb.collection)
