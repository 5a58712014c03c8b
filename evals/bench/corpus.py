"""Knowledge bases at scale: the demo version plus synthetic chunks (random vectors, synthetic text).

Synthetic chunks are written in as many lines as the demo's chunks are (drawn from the demo's own
counts), so a scale point holds as many vectors per chunk as a real knowledge base: every line of a chunk
of several lines has a vector of its own."""

from __future__ import annotations

import collections
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.models import Chunk, Confidentiality, DocType, DocumentMeta
from assistant.retrieval.catalog import Catalog, FileRecord
from assistant.retrieval.store import VersionVectors, vector_texts
from assistant.retrieval.versions import VersionBuilder, building
from assistant.settings import Settings
from assistant.wiring import open_chroma, open_registry
from ingest.chunking import embedding_text, keyword_text
from ingest.pipeline import INDEX_FORMAT

CHUNKS_PER_FILE = 200
WORDS_PER_CHUNK = (60, 140)
_WORD = re.compile(r"[a-z][a-z'-]{2,}")
_LEVELS = (Confidentiality.PUBLIC, Confidentiality.INTERNAL, Confidentiality.CONFIDENTIAL)


@dataclass(frozen=True)
class SyntheticText:
    """What synthetic chunks are drawn from: the demo's words with their frequencies, and the number of
    lines of each of the demo's chunks (answer-library rows aside: synthetic chunks are prose)."""

    words: list[str]
    weights: np.ndarray
    lines: np.ndarray


@dataclass(frozen=True)
class ScaledKb:
    """A live knowledge-base version of `chunks` chunks and the collection holding its vectors."""

    settings: Settings
    collection: str
    chunks: int
    synthetic: bool  # False: the demo version itself


def demo_kb(demo: Settings) -> ScaledKb:
    """The demo version as it is (its vectors are already in the demo data dir's embedded Chroma)."""
    paths = open_registry(demo).resolve("live")
    catalog = Catalog(paths.catalog, readonly=True)
    try:
        count = catalog.chunk_count()
    finally:
        catalog.close()
    return ScaledKb(demo, paths.collection, count, synthetic=False)


def scaled_kb(demo: Settings, size: int, data_dir: Path, url: str | None = None, seed: int = 7) -> ScaledKb:
    """A new data dir (vectors in embedded Chroma, or on the server at `url`) whose live version holds the
    demo's files and vectors plus synthetic files up to `size` chunks, built through the production
    `VersionBuilder` in one build (so one segment)."""
    settings = demo.model_copy(update={"data_dir": data_dir, "chroma_url": url})
    registry, chroma = open_registry(settings), open_chroma(settings)
    demo_registry = open_registry(demo)
    live = demo_registry.resolve("live")
    demo_catalog = Catalog(live.catalog, readonly=True)
    demo_vectors = VersionVectors.open(open_chroma(demo), demo_registry.segments(live.name))
    rng = np.random.default_rng(seed)
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    try:
        with building(registry, chroma, settings.keep_versions) as builder:
            for source, record in demo_catalog.files().items():
                chunks = sorted(
                    demo_catalog.chunks(demo_catalog.chunk_ids_of([source])).values(),
                    key=lambda c: c.position,
                )
                bodies = [keyword_text(c) for c in chunks]
                builder.put_file(record, chunks, demo_vectors.stored_vectors(chunks), bodies)
            text = vocabulary(demo_catalog)
            add_synthetic(builder, max(0, size - demo_catalog.chunk_count()), text, rng, stamp)
            version = builder.finish(
                built_at=stamp, source_root="(synthetic)", stage=False, index_format=INDEX_FORMAT
            )
    finally:
        demo_catalog.close()
    return ScaledKb(settings, registry.paths(version.name).collection, version.chunks, synthetic=size > 0)


def reusable_scaled_kb(demo: Settings, size: int, data_dir: Path, url: str | None = None) -> ScaledKb | None:
    """The scaled version an earlier run left in `data_dir` (for `bench --only latency --cache`), when its
    live version holds `size` chunks and its vectors are all still in Chroma; None otherwise."""
    settings = demo.model_copy(update={"data_dir": data_dir, "chroma_url": url})
    if not (data_dir / "kb").is_dir():
        return None
    try:
        registry = open_registry(settings)
        live = registry.resolve("live")
        catalog = Catalog(live.catalog, readonly=True)
        try:
            count = catalog.chunk_count()
        finally:
            catalog.close()
        present = set(open_chroma(settings).names())
        complete = all(s.collection in present for s in registry.segments(live.name))
    except Exception:  # anything unreadable: build it again
        return None
    if count != max(size, demo_kb(demo).chunks) or not complete:
        return None
    return ScaledKb(settings, live.collection, count, synthetic=True)


def add_synthetic(
    builder: VersionBuilder,
    extra: int,
    text: SyntheticText,
    rng: np.random.Generator,
    stamp: str,
    first: int = 0,
) -> None:
    """Put `extra` synthetic chunks (files of CHUNKS_PER_FILE, random unit vectors) into a version."""
    for number, start in enumerate(range(0, extra, CHUNKS_PER_FILE), start=first):
        chunks = synthetic_file(number, min(CHUNKS_PER_FILE, extra - start), text, rng)
        record = FileRecord(
            chunks[0].source,
            f"synthetic-{number}",
            0,
            DocType.OTHER.value,
            chunks[0].meta.model_dump(mode="json"),
            len(chunks),
            stamp,
        )
        vectors = unit_vectors(rng, len(vector_texts(chunks, embedding_text)))
        builder.put_file(record, chunks, vectors, [c.text for c in chunks])


def vocabulary(catalog: Catalog) -> SyntheticText:
    """The demo's words and their frequencies, so synthetic text hits the keyword index like real text,
    and its chunks' line counts, so synthetic chunks have as many vectors as real ones."""
    counts: collections.Counter[str] = collections.Counter()
    lines: list[int] = []
    for chunk in catalog.chunks(catalog.chunk_ids_of(catalog.files())).values():
        counts.update(_WORD.findall(chunk.text.lower()))
        if chunk.kind != "qa":
            lines.append(sum(1 for line in chunk.text.split("\n") if line.strip()))
    words = sorted(counts)
    weights = np.array([counts[w] for w in words], dtype=np.float64)
    return SyntheticText(words, weights / weights.sum(), np.array(lines or [1]))


def synthetic_file(number: int, count: int, text: SyntheticText, rng: np.random.Generator) -> list[Chunk]:
    """`count` chunks of one synthetic document with text drawn from the vocabulary."""
    meta = DocumentMeta(title=f"Synthetic document {number:05d}", confidentiality=_LEVELS[number % 3])
    source = f"synthetic/doc-{number:05d}.md"
    lengths = rng.integers(*WORDS_PER_CHUNK, size=count)
    line_counts = rng.choice(text.lines, size=count)
    picks = rng.choice(len(text.words), size=int(lengths.sum()), p=text.weights)
    chunks = []
    offset = 0
    for position, (length, line_count) in enumerate(zip(lengths, line_counts, strict=True)):
        drawn = [text.words[i] for i in picks[offset : offset + length]]
        offset += int(length)
        lines = [" ".join(part) for part in np.array_split(np.array(drawn), min(int(line_count), len(drawn)))]
        chunks.append(
            Chunk(
                id=f"syn-{number:05d}-{position:04d}",
                source=source,
                doc_type=DocType.OTHER,
                position=position,
                text="\n".join(lines),
                heading_path="Synthetic section",
                meta=meta,
            )
        )
    return chunks


def unit_vectors(rng: np.random.Generator, count: int, dimensions: int = 384) -> np.ndarray:
    vectors = rng.standard_normal((count, dimensions)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors
