"""The ingest section: pipeline throughput against raw encode, re-ingest cost, and ingest's peak memory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.settings import Settings
from evals.bench.processes import child_env, run_json_child
from evals.bench.results import BenchResult, Figure, Reference, Target


@dataclass(frozen=True)
class IngestOutcome:
    """The demo knowledge base the ingest section built, for the sections after it."""

    data_dir: Path
    rss_model_mib: float


def bench_ingest(result: BenchResult, settings: Settings, work: Path, rounds: int) -> IngestOutcome:
    """Ingest the knowledge folder in a child process `rounds` times; add the ingest and memory figures."""
    knowledge = settings.knowledge_dir
    env = child_env(settings)
    work.mkdir(parents=True, exist_ok=True)
    got = run_json_child(["ingest", "--work", str(work), "--rounds", str(rounds)], env, work, timeout=900)
    runs: list[dict[str, Any]] = got["rounds"]
    first = runs[0]
    if first["chunks"] <= 0:
        raise RuntimeError(f"ingest of {knowledge} embedded no chunks")
    for problem in first["failed"]:
        result.note("ingest", f"file not ingested: {problem}")
    chunks = first["chunks"]
    full = min(r["seconds"] for r in runs)
    embed = min(r["embed_seconds"] for r in runs)
    encode = min(r["encode_seconds"] for r in runs)
    reingest = min(r["reingest_seconds"] for r in runs)
    raw = Reference(name="raw SentenceTransformer.encode, same texts", value=chunks / encode, unit="chunks/s")
    result.add(
        [
            Figure(
                section="ingest",
                name="full ingest throughput (whole pipeline)",
                value=chunks / full,
                unit="chunks/s",
                reference=raw,
                target=Target(comparison=">=", threshold=0.8, on="ratio"),
            ),
            Figure(
                section="ingest",
                name="embedding stage of the pipeline",
                value=chunks / embed,
                unit="chunks/s",
                reference=raw,
            ),
            Figure(
                section="ingest",
                name="re-ingest of the unchanged tree",
                value=reingest,
                unit="s",
                reference=Reference(name="full ingest", value=full, unit="s"),
                target=Target(comparison="<", threshold=0.05, on="ratio"),
                note=f"{max(r['reingest_embedded'] for r in runs)} chunks re-embedded",
            ),
            Figure(
                section="memory",
                name="peak RSS of a full ingest process",
                value=got["peak_rss_ingest_mib"],
                unit="MiB",
                reference=Reference(
                    name="same process, model loaded, idle", value=got["rss_model_mib"], unit="MiB"
                ),
            ),
        ]
    )
    result.note(
        "ingest",
        f"Full ingest of {knowledge} ({chunks} chunks, {first['vectors']} vectors: a chunk of several lines "
        "also gets one per line, an answer-library row one for its question) into a fresh temporary data "
        "dir (embedded Chroma), in a "
        "process of its own with the model already loaded and warmed, so the model load "
        f"({got['model_load_s']:.1f} s) is not counted. Best of {len(runs)} round(s); each round runs the "
        "pipeline, then raw encode of the same texts (the reference), then a re-ingest of the unchanged "
        "tree. Throughput is chunks per second for both, over the same vector texts.",
    )
    result.note(
        "memory",
        "Ingest: VmHWM of the ingest process after its first full ingest (model load included, as "
        "`deal-assistant ingest` pays it).",
    )
    return IngestOutcome(Path(first["data_dir"]), got["rss_model_mib"])
