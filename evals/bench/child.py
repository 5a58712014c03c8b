"""Benchmark work in a process of its own (so its peak memory is its own): ingest, questionnaire filling."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from assistant.models import Audience
from assistant.retrieval.catalog import Catalog
from assistant.retrieval.embedding import BATCH_SIZE, Embedder
from assistant.retrieval.store import vector_texts as store_vector_texts
from assistant.settings import Settings
from assistant.sizes import mib_bytes
from assistant.wiring import build_assistant, open_registry, run_ingest
from evals.bench.measuring import peak_rss_mib, rss_mib
from ingest.chunking import embedding_text


def vector_texts(settings: Settings) -> list[str]:
    """The texts the live version's vectors were embedded from, as the pipeline built them."""
    catalog = Catalog(open_registry(settings).resolve("live").catalog, readonly=True)
    try:
        chunks = catalog.chunks(catalog.chunk_ids_of(catalog.files()))
    finally:
        catalog.close()
    return store_vector_texts(list(chunks.values()), embedding_text)


def raw_encode_seconds(embedder: Embedder, texts: list[str]) -> float:
    """SentenceTransformer.encode alone on the texts: the ceiling the pipeline is measured against."""
    start = time.perf_counter()
    embedder.model.encode(
        texts,
        batch_size=BATCH_SIZE,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return time.perf_counter() - start


def ingest_job(settings: Settings, work: Path, rounds: int) -> dict[str, Any]:
    """Full ingests into fresh data dirs, each followed by raw encode of the same texts and a re-ingest."""
    started = time.perf_counter()
    embedder = Embedder.load()
    load_seconds = time.perf_counter() - started
    embedder.embed(["warm up the model before anything is timed"])
    out: dict[str, Any] = {"model_load_s": load_seconds, "rss_model_mib": rss_mib(os.getpid()), "rounds": []}
    for n in range(rounds):
        round_settings = settings.model_copy(update={"data_dir": work / f"round-{n}", "chroma_url": None})
        full = run_ingest(round_settings, load_embedder=lambda: embedder)
        if n == 0:
            out["peak_rss_ingest_mib"] = peak_rss_mib(os.getpid())
        texts = vector_texts(round_settings)
        encode = raw_encode_seconds(embedder, texts)
        again = run_ingest(round_settings, load_embedder=lambda: embedder)
        out["rounds"].append(
            {
                "data_dir": str(round_settings.data_dir),
                "seconds": full.seconds,
                "embed_seconds": full.embed_seconds,
                "chunks": full.chunks_embedded,
                "vectors": len(texts),
                "failed": [f"{r.source}: {r.reason}" for r in full.failed],
                "encode_seconds": encode,
                "reingest_seconds": again.seconds,
                "reingest_embedded": again.chunks_embedded,
            }
        )
    return out


def questionnaire_job(settings: Settings, path: Path, out_path: Path, client: str) -> dict[str, Any]:
    """Fill a questionnaire with the offline composer, timing the fill after the model is loaded."""
    from assistant.questionnaires import fill_questions, read_questionnaire

    started = time.perf_counter()
    assistant = build_assistant(settings.model_copy(update={"llm": None}))
    assistant.retriever.embedder.embed_one("warm up")
    load_seconds = time.perf_counter() - started
    ready = rss_mib(os.getpid())
    found = read_questionnaire(
        path,
        max_bytes=mib_bytes(settings.questionnaire_max_mb),
        max_questions=settings.questionnaire_max_questions,
    )
    start = time.perf_counter()
    summary = fill_questions(found, out_path, client=client, audience=Audience.INTERNAL, answerer=assistant)
    seconds = time.perf_counter() - start
    return {
        "model_load_s": load_seconds,
        "rss_ready_mib": ready,
        "peak_rss_mib": peak_rss_mib(os.getpid()),
        "questions": summary.questions,
        "unique": summary.unique,
        "seconds": seconds,
        "not_found": summary.not_found,
    }


def main(argv: list[str] | None = None) -> None:
    """`python -m evals.bench.child JOB ...`: settings from DEAL_* variables; prints one JSON object."""
    parser = argparse.ArgumentParser(prog="python -m evals.bench.child")
    jobs = parser.add_subparsers(dest="job", required=True)
    ingest = jobs.add_parser("ingest")
    ingest.add_argument("--work", type=Path, required=True)
    ingest.add_argument("--rounds", type=int, default=1)
    fill = jobs.add_parser("questionnaire")
    fill.add_argument("--file", type=Path, required=True)
    fill.add_argument("--out", type=Path, required=True)
    fill.add_argument("--client", default="Harbor Mutual")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.job == "ingest":
        result = ingest_job(settings, args.work, args.rounds)
    else:
        result = questionnaire_job(settings, args.file, args.out, args.client)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
