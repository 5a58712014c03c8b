"""Latency across corpus sizes: demo and synthetic scale points, on embedded Chroma and a Chroma server."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from assistant.answering.access import scope_for
from assistant.errors import ConfigError
from assistant.models import Request
from assistant.retrieval.embedding import Embedder
from assistant.settings import Settings
from assistant.wiring import open_chroma
from evals.bench.chroma_server import chroma_server
from evals.bench.corpus import demo_kb, reusable_scaled_kb, scaled_kb
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
    *,
    reuse: bool = False,
) -> list[Point]:
    """Retrieval and ask at the demo size and each scale point, on embedded Chroma and on a Chroma server.

    With `reuse`, `work` is a cache kept between runs: a scale point built there by an earlier run is
    measured as it is, and its vectors are kept for the next run.
    """
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
        "Scale points are synthetic: the demo version plus chunks up to the size, with text drawn from the "
        "demo's word frequencies (so the keyword index does real work) in as many lines as the demo's "
        "chunks have, and a random unit vector (384-d) for each chunk and each of its lines (as many "
        "vectors per chunk as a real knowledge base), confidentiality cycling public/internal/confidential, "
        "built as one version through the production VersionBuilder (the demo's own vectors copied, not "
        "re-embedded). The server is `chroma run` on an ephemeral 127.0.0.1 port, built the same way over "
        "HTTP.",
    )
    points: list[Point] = []
    with ExitStack() as stack:
        url: str | None = None
        try:
            url = stack.enter_context(chroma_server(work / "chroma-server"))
        except ConfigError as e:
            result.skip("retrieval", f"Chroma server points: {e}")
        demo_chunks = demo_kb(demo).chunks
        for size in (None, *sizes):
            if size is not None and size <= demo_chunks:
                result.note("retrieval", f"size {size:,} skipped: the demo alone has {demo_chunks:,} chunks")
                continue
            for backend, chroma_url in (("embedded", None), ("server", url)):
                if backend == "server" and chroma_url is None:
                    continue
                label = f"demo ({demo_chunks:,} chunks)" if size is None else f"{size:,} chunks"
                say(f"retrieval: {label}, {backend}")
                points.append(
                    measure_backend(
                        result, demo, size, work, label, backend, chroma_url, requests, embedder, reuse=reuse
                    )
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
    demo: Settings,
    size: int | None,
    work: Path,
    label: str,
    backend: str,
    url: str | None,
    requests: list[Request],
    embedder: Embedder,
    *,
    reuse: bool = False,
) -> Point:
    """Build the version in the backend through the production builder (unless it is the demo's own,
    already embedded, or `reuse` finds it built), measure it, and drop the scale copy's vectors (unless
    `reuse` keeps them)."""
    data_dir = work / f"size-{size or 'demo'}-{backend}"
    cached = reusable_scaled_kb(demo, size or 0, data_dir, url) if reuse else None
    if url is None and size is None:
        kb = demo_kb(demo)
    elif cached is not None:
        kb = cached
        result.note("retrieval", f"{label}, {backend}: version reused from the cache {data_dir}.")
    else:
        if data_dir.exists():
            shutil.rmtree(data_dir)
        start = time.perf_counter()
        kb = scaled_kb(demo, size or 0, data_dir, url)
        spent = time.perf_counter() - start
        result.note(
            "retrieval", f"{label}, {backend}: version built through VersionBuilder in {spent:.1f} s."
        )
    try:
        return measure_point(
            kb.settings,
            kb.collection,
            label=label,
            backend=backend,
            chunks=kb.chunks,
            requests=requests,
            embedder=embedder,
        )
    finally:
        if kb.settings is not demo and not reuse:
            open_chroma(kb.settings).drop(kb.collection)
