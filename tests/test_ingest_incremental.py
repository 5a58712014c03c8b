"""Incremental ingest: add, change, delete, no-op, bad input, and structure-following chunks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.models import Confidentiality, DocType, Request, Status
from assistant.retrieval.catalog import Catalog
from assistant.retrieval.embedding import Embedder
from assistant.retrieval.retriever import Scope
from assistant.retrieval.store import VersionVectors
from assistant.settings import Settings
from assistant.wiring import build_assistant, open_chroma, open_registry, run_ingest
from ingest.pipeline import IngestReport
from tests.conftest import KNOWLEDGE, TODAY, make_settings

OFFERING = """---
title: Widget Print Service
offering: widget-print
effective_date: 2025-01-01
review_by: 2027-01-01
owner: Ada Lovelace
region: emea
---
# Widget Print Service

## Service levels

### Turnaround
Widget jobs received by 11:00 a.m. ET are printed the same day.

## Pricing
Widget printing costs $0.42 per page.
"""


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def ingest(tmp_path: Path, root: Path, embedder: Embedder, **kw: bool) -> IngestReport:
    return run_ingest(make_settings(tmp_path / "data", root), root, load_embedder=lambda: embedder, **kw)


def live_catalog(tmp_path: Path, root: Path) -> Catalog:
    settings = make_settings(tmp_path / "data", root)
    return Catalog(open_registry(settings).resolve("live").catalog, readonly=True)


def test_chunks_record_source_type_heading_path_and_metadata(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/widget.md", OFFERING)
    ingest(tmp_path, root, embedder)
    catalog = live_catalog(tmp_path, root)
    chunks = catalog.chunks(catalog.chunk_ids_of(["offerings/widget.md"]))
    by_section = {c.heading_path: c for c in chunks.values()}
    turnaround = by_section["Service levels > Turnaround"]
    assert "11:00 a.m. ET" in turnaround.text
    assert turnaround.source == "offerings/widget.md"
    assert turnaround.doc_type is DocType.OFFERING
    assert turnaround.meta.title == "Widget Print Service"
    assert turnaround.meta.owner == "Ada Lovelace"
    assert turnaround.meta.confidentiality is Confidentiality.PUBLIC
    # Unknown metadata keys are stored once per file, not copied into every chunk.
    assert turnaround.meta.extra == {}
    assert catalog.files()["offerings/widget.md"].meta["extra"] == {"region": "emea"}
    assert "$0.42 per page" in by_section["Pricing"].text


def test_reingest_of_unchanged_tree_embeds_nothing(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/widget.md", OFFERING)
    first = ingest(tmp_path, root, embedder)
    second = ingest(tmp_path, root, embedder)
    assert first.count("added") == 1 and first.chunks_embedded > 0
    assert second.version is None
    assert second.chunks_embedded == 0
    assert second.count("unchanged") == 1


def test_changed_file_is_replaced_and_deleted_file_removed(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/widget.md", OFFERING)
    write(root, "offerings/gadget.md", "# Gadget Mail\n\nGadget mail leaves the dock at 6:00 p.m.\n")
    ingest(tmp_path, root, embedder)
    write(root, "offerings/widget.md", OFFERING.replace("$0.42", "$0.39"))
    (root / "offerings/gadget.md").unlink()
    report = ingest(tmp_path, root, embedder)
    assert report.count("updated") == 1 and report.count("removed") == 1
    catalog = live_catalog(tmp_path, root)
    assert set(catalog.files()) == {"offerings/widget.md"}
    texts = " ".join(c.text for c in catalog.chunks(catalog.chunk_ids_of(["offerings/widget.md"])).values())
    assert "$0.39" in texts and "$0.42" not in texts
    assert catalog.keyword_search("gadget dock", 5) == []
    # the vectors follow the catalog: nothing of the removed file is left in Chroma
    settings = make_settings(tmp_path / "data", root)
    registry = open_registry(settings)
    live = registry.state().live
    assert live is not None
    vectors = VersionVectors.open(open_chroma(settings), registry.segments(live))
    assert vectors.count() == catalog.chunk_count()


def test_chunk_ids_are_deterministic(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/widget.md", OFFERING)
    ingest(tmp_path / "a", root, embedder)
    ingest(tmp_path / "b", root, embedder)
    ids_a = set(live_catalog(tmp_path / "a", root).chunk_ids_of(["offerings/widget.md"]))
    ids_b = set(live_catalog(tmp_path / "b", root).chunk_ids_of(["offerings/widget.md"]))
    assert ids_a == ids_b and len(ids_a) >= 2


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("offerings/empty.md", b"", "empty"),
        ("offerings/latin1.txt", "Caf\xe9 service".encode("latin-1"), "UTF-8"),
        ("offerings/broken.pdf", b"%PDF-1.7 this is not really a pdf", "pdf"),
        ("offerings/broken.docx", b"PK\x03\x04 truncated zip", "docx"),
        ("offerings/model.pptx", b"whatever", "unsupported"),
    ],
)
def test_bad_file_fails_alone_and_keeps_what_the_store_held(
    tmp_path: Path, embedder: Embedder, name: str, content: bytes, reason: str
) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/widget.md", OFFERING)
    target = root / name
    if name.endswith(".md"):
        write(root, name, "# Good version\n\nThe good version says 7 days.\n")
    ingest(tmp_path, root, embedder)
    before = live_catalog(tmp_path, root).files()

    target.write_bytes(content)
    write(root, "offerings/new.md", "# New sheet\n\nA new sheet about mail sorting.\n")
    report = ingest(tmp_path, root, embedder)

    failed = {r.source: r.reason for r in report.failed}
    assert list(failed) == [name]
    assert reason.lower() in (failed[name] or "").lower()
    assert report.count("added") == 1  # the rest of the run went on
    after = live_catalog(tmp_path, root).files()
    assert after["offerings/widget.md"] == before["offerings/widget.md"]
    if name in before:  # what the store held for the broken file is untouched
        assert after[name] == before[name]


def test_broken_sidecar_is_a_per_file_error(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/widget.md", OFFERING)
    write(root, "offerings/notes.txt", "Plain notes about envelopes and inserts.\n")
    write(root, "offerings/notes.txt.meta.yaml", "title: [unclosed\n")
    report = ingest(tmp_path, root, embedder)
    assert [r.source for r in report.failed] == ["offerings/notes.txt"]
    assert "meta.yaml" in (report.failed[0].reason or "") or "yaml" in (report.failed[0].reason or "").lower()
    assert report.count("added") == 1


def test_invalid_metadata_value_names_the_key(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/bad-date.md", "---\nreview_by: 2024-13-40\n---\n# Bad\n\nSome text here.\n")
    write(root, "sows/bad-conf.md", "---\nconfidentiality: secret\n---\n# Bad\n\nSome text here.\n")
    report = ingest(tmp_path, root, embedder)
    reasons = {r.source: r.reason or "" for r in report.failed}
    assert "review_by" in reasons["offerings/bad-date.md"]
    assert "confidentiality" in reasons["sows/bad-conf.md"]


def test_unknown_top_folder_is_type_other_with_a_warning(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    write(root, "misc/memo.md", "# Memo\n\nThe memo says the cafeteria closes at 3 p.m.\n")
    report = ingest(tmp_path, root, embedder)
    assert any("misc/memo.md" in w for w in report.warnings)
    record = live_catalog(tmp_path, root).files()["misc/memo.md"]
    assert record.doc_type == "other" and record.meta["confidentiality"] == "internal"


def test_every_demo_format_is_ingested(demo_settings) -> None:  # type: ignore[no-untyped-def]
    catalog = Catalog(open_registry(demo_settings).resolve("live").catalog, readonly=True)
    suffixes = {Path(s).suffix for s in catalog.files()}
    assert {".md", ".pdf", ".docx", ".html", ".csv", ".xlsx"} <= suffixes
    qa = [c for c in catalog.chunks(catalog.chunk_ids_of(["rfp-answers/answer-library.xlsx"])).values()]
    assert len(qa) >= 60
    assert all(c.kind == "qa" and c.sheet and c.row and c.question for c in qa)


def test_new_document_becomes_answerable_after_reingest(tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "kb"
    shutil.copytree(KNOWLEDGE / "offerings", root / "offerings")
    ingest(tmp_path, root, embedder)
    write(
        root,
        "offerings/braille.md",
        "# Braille Statements\n\nWe produce Braille statements within 3 business days.\n",
    )
    ingest(tmp_path, root, embedder)
    assistant = build_assistant(
        make_settings(tmp_path / "data", root), clock=lambda: TODAY, embedder=embedder
    )
    answer = assistant.ask(Request(question="how long do braille statements take?"))
    assert answer.status is Status.ANSWERED
    assert "3 business days" in answer.answer
    assert answer.citations[0].source == "offerings/braille.md"


SCHEDULE = """---
title: Production Schedule
---
# Production Schedule

## How a job moves

Files arrive over SFTP and are checked against the job definition within the hour.

Every mail piece carries an Intelligent Mail barcode, so delivery is tracked piece by piece.

Spoiled sheets are reprinted automatically from the same data, never from a copy.

## Standard windows

| Job | Window |
|---|---|
| Monthly statements | Mailed within 2 business days of file receipt |
| Quarterly tax forms | Mailed within 4 business days of file receipt |
| Welcome kits | Assembled and mailed within 5 business days |
| Collection letters | Mailed the same business day if received by noon |
| Proxy materials | Mailed within 3 business days of final proof approval |
| Braille and large-print notices | Produced within 7 business days |
"""


def live_vectors(settings: Settings) -> VersionVectors:
    registry = open_registry(settings)
    return VersionVectors.open(open_chroma(settings), registry.segments(registry.state().live))


@pytest.mark.parametrize(
    ("question", "line_mark", "kind"),
    [
        ("how quickly do you produce braille notices for blind members?", "Braille", "table"),
        ("can we follow each letter through the postal system?", "barcode", "prose"),
    ],
)
def test_one_line_of_a_chunk_is_found_by_its_own_meaning(
    tmp_path: Path, embedder: Embedder, question: str, line_mark: str, kind: str
) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/schedule.md", SCHEDULE)
    ingest(tmp_path, root, embedder)
    settings = make_settings(tmp_path / "data", root)
    assistant = build_assistant(settings, clock=lambda: TODAY, embedder=embedder)
    top = next(s for s in assistant.retriever.retrieve(question, Scope(), k=2).chunks if s.chunk.kind == kind)
    lines = top.chunk.text.split("\n")
    assert len(lines) == (6 if kind == "table" else 3)  # the whole section is the chunk

    # its similarity is that line's, read as a chunk of its own under the same title and section, well
    # above the whole chunk's own vector
    query = embedder.embed_query(question)
    header = f"Production Schedule > {top.chunk.heading_path}"  # the title, and the section under it
    line = next(line for line in lines if line_mark in line)
    line_similarity = float(embedder.embed_one(f"{header}\n{line}") @ query)
    chunk_similarity = float(embedder.embed_one(f"{header}\n{top.chunk.text}") @ query)
    assert top.similarity == pytest.approx(line_similarity, abs=1e-4)
    assert line_similarity > chunk_similarity + 0.03


def test_each_line_of_a_chunk_has_a_vector_and_a_re_read_file_leaves_none_behind(
    tmp_path: Path, embedder: Embedder
) -> None:
    root = tmp_path / "kb"
    write(root, "offerings/schedule.md", SCHEDULE)
    ingest(tmp_path, root, embedder)
    settings = make_settings(tmp_path / "data", root)
    # the paragraphs' chunk: its own vector and three; the table's: its own and six
    assert live_vectors(settings).count() == 4 + 7

    write(root, "offerings/schedule.md", SCHEDULE.rsplit("\n| Braille", 1)[0] + "\n")
    ingest(tmp_path, root, embedder)
    assert live_vectors(settings).count() == 4 + 6
