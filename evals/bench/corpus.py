"""Knowledge bases at scale: the demo version plus synthetic chunks (random vectors, synthetic text)."""

from __future__ import annotations

import collections
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.catalog import Catalog, FileRecord
from assistant.models import Chunk, Confidentiality, DocType, DocumentMeta
from assistant.settings import Settings
from assistant.store import ChromaConnection
from assistant.versions import Registry, VersionRecord
from assistant.wiring import open_chroma, open_registry
from ingest.pipeline import INDEX_FORMAT, vector_entries

CHUNKS_PER_FILE = 200
WORDS_PER_CHUNK = (60, 140)
_WORD = re.compile(r"[a-z][a-z'-]{2,}")
_LEVELS = (Confidentiality.PUBLIC, Confidentiality.INTERNAL, Confidentiality.CONFIDENTIAL)


@dataclass(frozen=True)
class Synthetic:
    """Vectors and filter metadata of the synthetic chunks, to add to any Chroma backend."""

    ids: list[str]
    vectors: np.ndarray
    metadatas: list[dict[str, str | int]]


@dataclass(frozen=True)
class ScaledKb:
    """A live knowledge-base version of `chunks` chunks whose vectors still have to be put in a store."""

    settings: Settings
    collection: str
    chunks: int
    synthetic: Synthetic | None  # None: the demo version itself


def demo_kb(demo: Settings) -> ScaledKb:
    """The demo version as it is (its vectors are already in the demo data dir's embedded Chroma)."""
    paths = open_registry(demo).resolve("live")
    catalog = Catalog(paths.catalog, readonly=True)
    try:
        count = catalog.chunk_count()
    finally:
        catalog.close()
    return ScaledKb(demo, paths.collection, count, None)


def scaled_kb(demo: Settings, size: int, data_dir: Path, seed: int = 7) -> ScaledKb:
    """A new data dir whose live version is the demo catalog plus synthetic rows up to `size` chunks."""
    source = open_registry(demo).resolve("live")
    settings = demo.model_copy(update={"data_dir": data_dir, "chroma_url": None})
    registry = Registry(data_dir, demo.collection_prefix)
    paths = registry.paths(registry.next_name())
    paths.folder.mkdir(parents=True)
    base = Catalog(source.catalog, readonly=True)
    catalog = base.copy_to(paths.catalog)
    base.close()
    rng = np.random.default_rng(seed)
    words, weights = vocabulary(catalog)
    extra = max(0, size - catalog.chunk_count())
    synthetic_chunks: list[Chunk] = []
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    for number, start in enumerate(range(0, extra, CHUNKS_PER_FILE)):
        chunks = synthetic_file(number, min(CHUNKS_PER_FILE, extra - start), words, weights, rng)
        record = FileRecord(
            chunks[0].source,
            f"synthetic-{number}",
            0,
            DocType.OTHER.value,
            chunks[0].meta.model_dump(mode="json"),
            len(chunks),
            stamp,
        )
        catalog.replace_file(record, chunks, [c.text for c in chunks])
        synthetic_chunks += chunks
    version = VersionRecord(
        name=paths.name,
        built_at=stamp,
        source_root="(synthetic)",
        documents=len(catalog.files()),
        chunks=catalog.chunk_count(),
        base=None,
    )
    catalog.set_info(**version.model_dump(), index_format=INDEX_FORMAT)
    catalog.close()
    registry.commit(version, stage=False)
    ids, _, metadatas = vector_entries(synthetic_chunks)
    return ScaledKb(
        settings, paths.collection, version.chunks, Synthetic(ids, unit_vectors(rng, len(ids)), metadatas)
    )


def vocabulary(catalog: Catalog) -> tuple[list[str], np.ndarray]:
    """The demo's words and their frequencies, so synthetic text hits the keyword index like real text."""
    counts: collections.Counter[str] = collections.Counter()
    for chunk in catalog.chunks(catalog.chunk_ids_of(catalog.files())).values():
        counts.update(_WORD.findall(chunk.text.lower()))
    words = sorted(counts)
    weights = np.array([counts[w] for w in words], dtype=np.float64)
    return words, weights / weights.sum()


def synthetic_file(
    number: int, count: int, words: list[str], weights: np.ndarray, rng: np.random.Generator
) -> list[Chunk]:
    """`count` chunks of one synthetic document with text drawn from the vocabulary."""
    meta = DocumentMeta(title=f"Synthetic document {number:05d}", confidentiality=_LEVELS[number % 3])
    source = f"synthetic/doc-{number:05d}.md"
    lengths = rng.integers(*WORDS_PER_CHUNK, size=count)
    picks = rng.choice(len(words), size=int(lengths.sum()), p=weights)
    chunks = []
    offset = 0
    for position, length in enumerate(lengths):
        text = " ".join(words[i] for i in picks[offset : offset + length])
        offset += int(length)
        chunks.append(
            Chunk(
                id=f"syn-{number:05d}-{position:04d}",
                source=source,
                doc_type=DocType.OTHER,
                position=position,
                text=text,
                heading_path="Synthetic section",
                meta=meta,
            )
        )
    return chunks


def unit_vectors(rng: np.random.Generator, count: int, dimensions: int = 384) -> np.ndarray:
    vectors = rng.standard_normal((count, dimensions)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def fill_store(kb: ScaledKb, demo: Settings, chroma: ChromaConnection) -> None:
    """Create the version's collection in `chroma`: the demo's vectors copied, then the synthetic ones."""
    demo_collection = open_chroma(demo).get(open_registry(demo).resolve("live").collection)
    target = chroma.create(kb.collection)
    for ids, vectors, metadatas in demo_collection.iterate():
        target.add(ids, vectors, metadatas)
    if kb.synthetic is not None:
        target.add(kb.synthetic.ids, kb.synthetic.vectors, list(kb.synthetic.metadatas))
