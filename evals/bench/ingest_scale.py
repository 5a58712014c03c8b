"""Ingest at scale: a one-document change on a large knowledge base; the disk cost of retained versions."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from assistant.retrieval.embedding import Embedder
from assistant.retrieval.versions import building
from assistant.settings import Settings
from assistant.sizes import MIB
from assistant.wiring import open_chroma, open_registry, run_ingest
from evals.bench.corpus import scaled_kb
from evals.bench.results import BenchResult, Figure, Reference, Target
from ingest.metadata import sidecar_path
from ingest.pipeline import (
    INDEX_FORMAT,
    IngestReport,
    Progress,
    embed_chunks,
    read_file,
    scan_tree,
    write_changes,
)

CHANGE_TARGET_S = 5.0  # on top of the document's own embedding time
RETAINED = 5
RETAINED_STORAGE_TARGET = 1.3


@dataclass(frozen=True)
class Change:
    seconds: float
    embed_seconds: float
    vectors: int
    bytes_added: int


def storage_bytes(data_dir: Path) -> int:
    """Bytes on disk under a data dir (catalogs, row store, embedded Chroma)."""
    return sum(p.stat().st_size for p in data_dir.rglob("*") if p.is_file())


def largest_document(demo: Settings) -> str:
    """The demo document with the most chunks: the change the knowledge owner makes."""
    catalog_files = _demo_files(demo)
    return max(catalog_files, key=lambda s: (catalog_files[s], s))


def _demo_files(demo: Settings) -> dict[str, int]:
    from assistant.wiring import open_catalog

    catalog = open_catalog(demo)
    try:
        return {s: r.chunks for s, r in catalog.files().items()}
    finally:
        catalog.close()


def one_document_tree(demo: Settings, source: str, root: Path) -> Path:
    """A knowledge folder holding that one document (and its sidecar) at its own path."""
    target = root / source
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(demo.knowledge_dir / source, target)
    side = sidecar_path(demo.knowledge_dir / source)
    if side.is_file():
        shutil.copy(side, sidecar_path(target))
    return root


def change_document(settings: Settings, tree: Path, source: str, revision: int, embedder: Embedder) -> Change:
    """Edit the document and build a version with it changed, through the production builder: read it,
    embed it, write it, finish (the scan of the rest of the tree is what a real ingest adds)."""
    path = tree / source
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"\n\nRevision {revision}: this paragraph was added by the knowledge owner.\n")
    registry, chroma = open_registry(settings), open_chroma(settings)
    before = storage_bytes(settings.data_dir)
    report = IngestReport(root=str(tree), version=None, staged=False)
    started = time.perf_counter()
    with building(registry, chroma, settings.keep_versions) as builder:
        scanned = scan_tree(tree, report.warnings.append)[source]
        reads = [read_file(scanned, report.warnings.append)]
        builder.begin()
        vectors = embed_chunks(reads, lambda: embedder, report, Progress())
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        write_changes(builder, reads, vectors, [], stamp)
        record = builder.finish(
            built_at=stamp, source_root="(synthetic)", stage=False, index_format=INDEX_FORMAT
        )
    seconds = time.perf_counter() - started
    segment = registry.segment_name(record.name)
    written = chroma.get(segment).count() if segment in chroma.names() else 0
    return Change(seconds, report.embed_seconds, written, storage_bytes(settings.data_dir) - before)


def bench_ingest_scale(
    result: BenchResult, demo: Settings, size: int, work: Path, embedder: Embedder
) -> None:
    """One-document changes on a `size`-chunk knowledge base beside a full ingest of that document alone."""
    source = largest_document(demo)
    alone_tree = one_document_tree(demo, source, work / "alone-kb")
    alone_settings = demo.model_copy(update={"data_dir": work / "alone-data", "chroma_url": None})
    alone: IngestReport = run_ingest(alone_settings, alone_tree, load_embedder=lambda: embedder)
    alone_vectors = open_chroma(alone_settings).get(open_registry(alone_settings).resolve("live").collection)

    kb = scaled_kb(demo, size, work / "scale-data")
    settings = kb.settings.model_copy(update={"keep_versions": RETAINED})
    one_version = storage_bytes(settings.data_dir)
    tree = one_document_tree(demo, source, work / "scale-kb")
    changes = [change_document(settings, tree, source, n, embedder) for n in range(1, RETAINED)]
    retained = storage_bytes(settings.data_dir)
    first = sorted(changes, key=lambda c: c.seconds)[len(changes) // 2]  # the median change
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    result.add(
        [
            Figure(
                section="ingest",
                name=f"one-document change on {kb.chunks:,} chunks (wall, median of {len(changes)})",
                value=first.seconds,
                unit="s",
                reference=Reference(name="full ingest of that document alone", value=alone.seconds, unit="s"),
                target=Target(comparison="<", threshold=round(CHANGE_TARGET_S + first.embed_seconds, 2)),
                note=f"of which embedding {first.embed_seconds:.2f} s; target 5 s + that",
            ),
            Figure(
                section="ingest",
                name="vectors written by a one-document change",
                value=first.vectors,
                unit="vectors",
                reference=Reference(
                    name="vectors of that document alone", value=alone_vectors.count(), unit="vectors"
                ),
            ),
            Figure(
                section="ingest",
                name="storage added by a one-document change",
                value=first.bytes_added / MIB,
                unit="MiB",
                reference=Reference(
                    name=f"one version of {kb.chunks:,} chunks", value=one_version / MIB, unit="MiB"
                ),
            ),
            Figure(
                section="ingest",
                name=f"storage of {RETAINED} retained versions",
                value=retained / MIB,
                unit="MiB",
                reference=Reference(name="one version", value=one_version / MIB, unit="MiB"),
                target=Target(comparison="<", threshold=RETAINED_STORAGE_TARGET, on="ratio"),
            ),
        ]
    )
    result.note(
        "ingest",
        f"Ingest at scale: a {kb.chunks:,}-chunk version (the demo plus synthetic chunks with random "
        f"vectors, built through VersionBuilder), then {RETAINED - 1} one-document changes to {source} "
        "(a paragraph appended each time), each built through the production builder: read, embed with "
        "the real model, write, finish (the tree scan of a real ingest is left out: the other files are "
        f"synthetic). Change times: {', '.join(f'{c.seconds:.2f}' for c in changes)} s. The reference is "
        "`run_ingest` of a folder holding that document alone, same model, same run. Storage is every "
        f"file under the data dir (catalogs, shared row store, embedded Chroma). Load average: {load}.",
    )
