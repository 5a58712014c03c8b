"""Versions share their unchanged vectors: each sees exactly its own chunks, pruning frees what none uses."""

from __future__ import annotations

import json
import sqlite3
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import KnowledgeBaseError
from assistant.models import Chunk, Confidentiality, DocType, DocumentMeta, Request
from assistant.retrieval.catalog import Catalog, FileRecord
from assistant.retrieval.embedding import Embedder
from assistant.retrieval.retriever import Scope
from assistant.retrieval.store import VectorFilter, VersionVectors, vector_texts
from assistant.retrieval.versions import MAX_SEGMENTS, Registry, VersionBuilder, building
from assistant.text import client_key
from assistant.wiring import build_assistant, open_chroma, open_registry, run_ingest
from tests.conftest import TODAY, make_settings

WIDGET = "# Widget Print Service\n\nWidget jobs received by 11:00 a.m. ET are printed the same day.\n"
GADGET = "# Gadget Mail\n\nGadget mail leaves the dock at 6:00 p.m. from the Harbor Street plant.\n"


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def sources_found(data: Path, root: Path, embedder: Embedder, version: str, query: str) -> set[str]:
    assistant = build_assistant(
        make_settings(data, root), version=version, embedder=embedder, clock=lambda: TODAY
    )
    got = assistant.retriever.retrieve(query, scope=Scope())
    return {s.chunk.source for s in got.chunks}


def version_vectors(data: Path, root: Path, name: str) -> VersionVectors:
    settings = make_settings(data, root)
    return VersionVectors.open(open_chroma(settings), open_registry(settings).segments(name))


def test_a_chunk_removed_in_v2_is_never_returned_from_v2_but_still_from_v1_until_v1_is_pruned(
    tmp_path: Path, embedder: Embedder
) -> None:
    root, data = tmp_path / "kb", tmp_path / "data"
    write(root, "offerings/widget.md", WIDGET)
    write(root, "offerings/gadget.md", GADGET)
    run_ingest(make_settings(data, root), root, load_embedder=lambda: embedder)
    v1_catalog = Catalog(open_registry(make_settings(data, root)).resolve("v0001").catalog, readonly=True)
    gadget_ids = set(v1_catalog.chunk_ids_of(["offerings/gadget.md"]))
    v1_catalog.close()
    (root / "offerings/gadget.md").unlink()
    report = run_ingest(make_settings(data, root), root, load_embedder=lambda: embedder)
    assert report.version == "v0002" and report.chunks_embedded == 0
    gadget_vector = embedder.embed_one(GADGET)

    # v2 shares v1's segment (nothing was embedded) but the gadget chunk is tombstoned in it
    assert open_registry(make_settings(data, root)).segments("v0002")[0].collection == "deal_kb_v0001"
    assert "offerings/gadget.md" not in sources_found(data, root, embedder, "v0002", "gadget mail dock")
    v2 = version_vectors(data, root, "v0002")
    assert v2.count() == 1
    assert not gadget_ids & {cid for cid, _ in v2.query(gadget_vector, 10)}
    assert not gadget_ids & set(v2.vectors(list(gadget_ids)))
    assert "offerings/gadget.md" in sources_found(data, root, embedder, "v0001", "gadget mail dock")
    assert gadget_ids <= {cid for cid, _ in version_vectors(data, root, "v0001").query(gadget_vector, 10)}

    for cutoff in ("10:00", "9:00"):  # v3, v4: with two versions kept, v1 goes
        write(root, "offerings/widget.md", WIDGET.replace("11:00", cutoff))
        run_ingest(make_settings(data, root, keep_versions=2), root, load_embedder=lambda: embedder)
    with pytest.raises(KnowledgeBaseError, match="unknown knowledge-base version 'v0001'"):
        open_registry(make_settings(data, root)).resolve("v0001")
    assert "offerings/gadget.md" not in sources_found(data, root, embedder, "live", "gadget mail dock")


def test_pruning_frees_the_segments_no_retained_version_uses(tmp_path: Path, embedder: Embedder) -> None:
    root, data = tmp_path / "kb", tmp_path / "data"

    def ingest_and_list(rel: str, text: str) -> set[str]:
        write(root, rel, text)
        run_ingest(make_settings(data, root, keep_versions=2), root, load_embedder=lambda: embedder)
        return set(open_chroma(make_settings(data, root)).names())

    write(root, "offerings/gadget.md", GADGET)
    ingest_and_list("offerings/widget.md", WIDGET)  # v1: widget, gadget
    ingest_and_list("offerings/widget.md", WIDGET.replace("11:00", "10:00"))  # v2 shares gadget
    names = ingest_and_list("offerings/widget.md", WIDGET.replace("11:00", "9:00"))  # v3 too
    assert {"deal_kb_v0001", "deal_kb_v0002", "deal_kb_v0003"} <= names
    names = ingest_and_list("offerings/gadget.md", GADGET.replace("6:00", "7:00"))  # v4; v2 pruned
    # v2's segment held only a widget edition no retained version has; v3 still reads gadget from v1's
    assert "deal_kb_v0002" not in names and "deal_kb_v0001" in names
    names = ingest_and_list("offerings/widget.md", WIDGET.replace("11:00", "8:00"))  # v5; v3 pruned
    assert "deal_kb_v0001" not in names and {"deal_kb_v0003", "deal_kb_v0004", "deal_kb_v0005"} <= names
    assert {s.collection for s in open_registry(make_settings(data, root)).segments("v0004")} == {
        "deal_kb_v0003",
        "deal_kb_v0004",
    }
    asked = build_assistant(make_settings(data, root), embedder=embedder, clock=lambda: TODAY).ask(
        Request(question="when does gadget mail leave the dock?")
    )
    assert "7:00" in asked.answer


# ---- exactness over several segments, with synthetic vectors at the store boundary --------------

LEVELS = (Confidentiality.PUBLIC, Confidentiality.INTERNAL, Confidentiality.CONFIDENTIAL)


def synthetic_file(number: int, edition: int, rng: np.random.Generator) -> tuple[list[Chunk], np.ndarray]:
    client = "Acme Corp" if number % 7 == 0 else None
    meta = DocumentMeta(title=f"Doc {number}", confidentiality=LEVELS[number % 3], client=client)
    chunks = [  # every fourth chunk a table of three rows: four vectors (its own and one per row)
        Chunk(
            id=f"f{number:03d}-e{edition}-{position}",
            source=f"offerings/doc-{number:03d}.md",
            doc_type=DocType.OFFERING,
            position=position,
            text="\n".join(f"Part: {position} | Row: {r}" for r in range(3))
            if position % 4 == 0
            else f"document {number} edition {edition} part {position}",
            kind="table" if position % 4 == 0 else "prose",
            meta=meta,
        )
        for position in range(8)
    ]
    vectors = rng.standard_normal((len(vector_texts(chunks, lambda c: c.text)), 384)).astype(np.float32)
    return chunks, vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


Truth = dict[str, tuple[list[Chunk], np.ndarray]]  # source -> its chunks and their vectors


def put(builder: VersionBuilder, number: int, edition: int, rng: np.random.Generator, truth: Truth) -> None:
    chunks, vectors = synthetic_file(number, edition, rng)
    record = FileRecord(chunks[0].source, f"{number}-{edition}", 1, "offering", {}, len(chunks), "2026-01-01")
    builder.put_file(record, chunks, vectors, [c.text for c in chunks])
    truth[chunks[0].source] = (chunks, vectors)


def brute_force(truth: Truth, query: np.ndarray, k: int, where: VectorFilter | None) -> list[str]:
    """The chunks of the version's top k vectors by numpy over every vector it holds, filter applied
    first, each chunk once at its best vector."""
    ids: list[str] = []
    vectors: list[np.ndarray] = []
    for chunks, file_vectors in truth.values():
        owners = [c for c in chunks for _ in vector_texts([c], lambda c: c.text)]
        for chunk, vector in zip(owners, file_vectors, strict=True):
            meta = {
                "confidentiality": chunk.meta.confidentiality.value,
                "client_key": client_key(chunk.meta.client),
            }
            if where is None or where.admits(meta):
                ids.append(chunk.id)
                vectors.append(vector)
    sims = np.stack(vectors) @ query
    return list(dict.fromkeys(ids[i] for i in np.argsort(-sims)[:k]))


def test_filtered_search_over_a_multi_segment_version_equals_exact_search_over_its_chunks(
    tmp_path: Path,
) -> None:
    registry, chroma = Registry(tmp_path, "deal_kb"), open_chroma(make_settings(tmp_path))
    rng = np.random.default_rng(11)
    truth: Truth = {}
    history: list[tuple[str, Truth]] = []
    plans = [  # (files put with their edition, files removed) per build
        ([(n, 1) for n in range(40)], []),
        ([(n, 2) for n in range(0, 10)], [35, 36]),
        ([(n, 3) for n in range(5, 15)] + [(0, 1)], [37]),  # doc 0 goes back to edition 1: same ids again
        ([(n, 4) for n in range(20, 24)], [38]),
        ([(n, 5) for n in range(24, 28)], []),
        ([(n, 6) for n in range(28, 30)], [39]),
    ]
    for puts, removals in plans:
        with building(registry, chroma, keep=10) as builder:
            for number, edition in puts:
                put(builder, number, edition, rng, truth)
            for number in removals:
                builder.remove_file(f"offerings/doc-{number:03d}.md")
                truth.pop(f"offerings/doc-{number:03d}.md")
            record = builder.finish(built_at="2026-01-01T00:00:00", source_root="(test)", stage=False)
        history.append((record.name, dict(truth)))

    lengths = [len(registry.segments(name)) for name, _ in history]
    assert max(lengths) <= MAX_SEGMENTS and max(lengths) > 1  # shared, and compacted when too long
    filters = [
        None,
        VectorFilter(confidentiality=("public",)),
        VectorFilter(client_keys=("acme corp",)),
        VectorFilter(confidentiality=("public", "internal"), client_keys=("", "acme corp")),
    ]
    for name, expected in history:
        vectors = VersionVectors.open(chroma, registry.segments(name))
        assert vectors.count() == sum(len(v) for _, v in expected.values())
        catalog = Catalog(registry.paths(name).catalog, readonly=True)
        try:
            for query in rng.standard_normal((4, 384)).astype(np.float32):
                query /= np.linalg.norm(query)
                for where in filters:
                    exact = brute_force(expected, query, 10, where)
                    assert [cid for cid, _ in vectors.query(query, 10, where)] == exact, (name, where)
                    if where is None:
                        continue
                    # The bot's path: the catalog of the same version says which over-fetched ids pass.
                    admitted = partial(
                        catalog.admitted, confidentiality=where.confidentiality, client_keys=where.client_keys
                    )
                    got = [cid for cid, _ in vectors.query(query, 10, where, admitted)]
                    assert got == exact, (name, where, "catalog-admitted")
        finally:
            catalog.close()


# ---- the catalog's rows are shared the same way ----------------------------------------------------


def row_count(data: Path) -> int:
    db = sqlite3.connect(data / "kb" / "rows.sqlite3")
    try:
        return int(db.execute("SELECT count(*) FROM chunks").fetchone()[0])
    finally:
        db.close()


def live_chunks(data: Path, root: Path, source: str) -> int:
    catalog = Catalog(open_registry(make_settings(data, root)).resolve("live").catalog, readonly=True)
    try:
        return len(catalog.chunk_ids_of([source]))
    finally:
        catalog.close()


def test_a_one_file_change_adds_only_that_files_rows_and_pruning_deletes_rows_no_version_holds(
    tmp_path: Path, embedder: Embedder
) -> None:
    root, data = tmp_path / "kb", tmp_path / "data"
    write(root, "offerings/gadget.md", GADGET)
    write(root, "offerings/widget.md", WIDGET)
    run_ingest(make_settings(data, root, keep_versions=2), root, load_embedder=lambda: embedder)
    first = row_count(data)
    assert first == live_chunks(data, root, "offerings/gadget.md") + live_chunks(
        data, root, "offerings/widget.md"
    )
    for n, cutoff in enumerate(("10:00", "9:00", "8:00"), start=1):
        write(root, "offerings/widget.md", WIDGET.replace("11:00", cutoff))
        run_ingest(make_settings(data, root, keep_versions=2), root, load_embedder=lambda: embedder)
        widget = live_chunks(data, root, "offerings/widget.md")
        if n == 1:
            assert row_count(data) == first + widget  # the gadget rows are shared, not copied
    # v3 and v4 are kept: gadget once, and two editions of widget; v1's and v2's widget rows are gone
    assert row_count(data) == live_chunks(data, root, "offerings/gadget.md") + 2 * widget
    catalog_tables = sqlite3.connect(data / "kb" / "v0004" / "catalog.sqlite3").execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'"
    )
    assert "chunks" not in {r[0] for r in catalog_tables}
    v3 = build_assistant(make_settings(data, root), version="v0003", embedder=embedder, clock=lambda: TODAY)
    assert "9:00" in v3.ask(Request(question="when are widget jobs printed the same day?")).answer


OLD_SCHEMA = """
CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (
    source TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL, doc_type TEXT NOT NULL,
    meta TEXT NOT NULL, chunks INTEGER NOT NULL, ingested_at TEXT NOT NULL
);
CREATE TABLE chunks (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, source TEXT NOT NULL, position INTEGER NOT NULL,
    confidentiality TEXT NOT NULL, client_key TEXT NOT NULL, doc_type TEXT NOT NULL, data TEXT NOT NULL
);
CREATE INDEX chunks_by_source ON chunks(source);
CREATE VIRTUAL TABLE chunks_fts USING fts5(body, tokenize='porter unicode61');
"""


def store_the_way_versions_were_stored_before_sharing(data: Path, name: str) -> None:
    """Rewrite a one-build version as the previous release left it: a catalog holding its own rows and
    no segment list (its collection, named after it, holds all its vectors)."""
    path = data / "kb" / name / "catalog.sqlite3"
    catalog = Catalog(path, readonly=True)
    info = {k: v for k, v in catalog.info().items() if k not in ("segments", "row_store")}
    files = list(catalog.file_rows())
    catalog.close()
    path.unlink()
    (data / "kb" / "rows.sqlite3").unlink()
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.executemany("INSERT INTO info VALUES (?, ?)", [(k, json.dumps(v)) for k, v in info.items()])
    for record, chunks, bodies in files:
        db.execute(
            "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                record.source,
                record.sha256,
                record.size,
                record.doc_type,
                json.dumps(record.meta),
                record.chunks,
                record.ingested_at,
            ),
        )
        for chunk, body in zip(chunks, bodies, strict=True):
            cur = db.execute(
                "INSERT INTO chunks(id, source, position, confidentiality, client_key, doc_type, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    chunk.id,
                    chunk.source,
                    chunk.position,
                    chunk.meta.confidentiality.value,
                    client_key(chunk.meta.client),
                    chunk.doc_type.value,
                    chunk.model_dump_json(),
                ),
            )
            db.execute("INSERT INTO chunks_fts(rowid, body) VALUES (?, ?)", (cur.lastrowid, body))
    db.commit()
    db.close()


def test_a_data_dir_of_the_previous_layout_answers_and_its_next_ingest_moves_it_to_shared_rows(
    tmp_path: Path, embedder: Embedder
) -> None:
    root, data = tmp_path / "kb", tmp_path / "data"
    write(root, "offerings/gadget.md", GADGET)
    write(root, "offerings/widget.md", WIDGET)
    run_ingest(make_settings(data, root), root, load_embedder=lambda: embedder)
    store_the_way_versions_were_stored_before_sharing(data, "v0001")
    question = Request(question="when are widget jobs printed the same day?")
    settings = make_settings(data, root)
    assert "11:00" in build_assistant(settings, embedder=embedder, clock=lambda: TODAY).ask(question).answer

    write(root, "offerings/widget.md", WIDGET.replace("11:00", "10:00"))
    report = run_ingest(settings, root, load_embedder=lambda: embedder)
    assert report.count("updated") == 1 and report.count("unchanged") == 1
    assert "10:00" in build_assistant(settings, embedder=embedder, clock=lambda: TODAY).ask(question).answer
    old = build_assistant(settings, version="v0001", embedder=embedder, clock=lambda: TODAY)
    assert "11:00" in old.ask(question).answer
    assert [s.collection for s in open_registry(settings).segments("v0002")] == [
        "deal_kb_v0001",
        "deal_kb_v0002",
    ]
    assert row_count(data) == live_chunks(data, root, "offerings/gadget.md") + live_chunks(
        data, root, "offerings/widget.md"
    )
