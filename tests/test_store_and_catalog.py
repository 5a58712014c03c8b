"""The store and catalog edges: filtered vector search and keyword search behave like their plain forms."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from assistant.models import Chunk, Confidentiality, DocType, DocumentMeta
from assistant.retrieval.catalog import Catalog, FileRecord
from assistant.retrieval.store import ChromaConnection, VectorFilter


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, 384)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_filtered_query_returns_what_chromas_own_filter_returns(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    collection = ChromaConnection.open(tmp_path, None).create("deal_kb_test")
    vectors = unit(rng, 400)
    metas = [
        {
            "confidentiality": "public" if i % 3 == 0 else "confidential",
            "client_key": "acme" if i == 7 else "",
        }
        for i in range(400)
    ]
    collection.add([f"c{i}" for i in range(400)], vectors, metas)
    query = unit(rng, 1)[0]
    for where in (
        VectorFilter(confidentiality=("public",)),  # common: answered from the over-fetched search
        VectorFilter(client_keys=("acme",)),  # rare: falls back to Chroma's filtered search
        VectorFilter(confidentiality=("public",), client_keys=("", "acme")),
    ):
        ours = collection.query(query, 10, where)
        truth = collection._query(query, 10, where.to_where())[0]
        assert [cid for cid, _ in ours] == [cid for cid, _ in truth]
        assert all(where.admits(metas[int(cid[1:])]) for cid, _ in ours)


def _chunk(i: int, text: str) -> Chunk:
    meta = DocumentMeta(title="Doc", confidentiality=Confidentiality.PUBLIC)
    return Chunk(
        id=f"k{i}", source=f"offerings/d{i}.md", doc_type=DocType.OFFERING, position=0, text=text, meta=meta
    )


def test_keyword_search_on_a_large_corpus_ignores_terms_most_chunks_contain(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    texts = [f"mail piece number {i} leaves the dock" for i in range(2500)] + ["braille mail statements"]
    for i, text in enumerate(texts):
        chunk = _chunk(i, text)
        record = FileRecord(chunk.source, str(i), 1, "offering", {}, 1, "2026-01-01")
        catalog.replace_file(record, [chunk], [text])
    hits = catalog.keyword_search("braille mail", 5)
    assert [cid for cid, _ in hits] == ["k2500"]  # "mail" (in every chunk) no longer ranks 2,500 rows
    only_common = catalog.keyword_search("mail dock", 3)
    assert len(only_common) == 3  # when every term is common, the rarest one is still searched


def test_a_read_only_catalog_answers_concurrent_readers_as_it_answers_one(tmp_path: Path) -> None:
    writer = Catalog(tmp_path / "catalog.sqlite3")
    words = ["braille", "postage", "envelope", "duplex", "archive", "courier", "insert", "statement"]
    for i in range(400):
        text = f"{words[i % 8]} {words[(i * 3) % 8]} service note {i}"
        chunk = _chunk(i, text).model_copy(
            update={"meta": DocumentMeta(title="Doc", confidentiality=list(Confidentiality)[i % 3])}
        )
        writer.replace_file(
            FileRecord(chunk.source, str(i), 1, "offering", {}, 1, "2026-01-01"), [chunk], [text]
        )
    writer.close()
    catalog = Catalog(tmp_path / "catalog.sqlite3", readonly=True)
    scopes = [None, ("public",), ("public", "internal")]
    queries = [(f"{a} {b}", scope) for a in words for b in words[:3] for scope in scopes]
    ids = [f"k{i}" for i in range(0, 400, 3)]

    def read(query: str, scope: tuple[str, ...] | None) -> tuple[object, ...]:
        return (catalog.keyword_search(query, 10, scope), sorted(catalog.admitted(ids, scope)))

    serial = [read(q, s) for q, s in queries]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            assert list(pool.map(lambda qs: read(*qs), queries)) == serial
    assert all(hits for hits, _ in serial)  # every query found something: the comparison is not vacuous
    catalog.close()


def test_the_common_term_cut_off_reads_frequencies_from_the_index_as_counting_would(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    texts = [f"billing statements printed for account {i}" for i in range(30)] + [
        "bills and billed invoices with PCI DSS v4.0 controls",
        "postage savings reported by clients",
    ]
    for i, text in enumerate(texts):
        chunk = _chunk(i, text)
        catalog.replace_file(
            FileRecord(chunk.source, str(i), 1, "offering", {}, 1, "2026-01-01"), [chunk], [text]
        )
    terms = ["billing", "bills", "statements", "v4.0", "postage", "braille"]
    with catalog._reading() as db:
        from_index = catalog._index_frequencies(terms, db)
        counted = {t: catalog._document_frequency(t, db) for t in terms}
    assert from_index == counted
    assert (
        from_index["billing"] == 31 and from_index["v4.0"] == 1 and from_index["braille"] == 0
    )  # stems, splits
