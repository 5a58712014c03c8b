"""Incremental ingest: scan a knowledge folder, read what changed, and build a new knowledge-base version.

The new version starts as a copy of the live one (catalog rows and vectors, no re-embedding), gets the
changed files replaced and the deleted ones removed, and only then is registered as live or staged.
The live version is never written to, so a crash or Ctrl-C at any point leaves it exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import shutil
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from assistant.catalog import Catalog, FileRecord, client_key
from assistant.embedding import Embedder
from assistant.errors import DocumentError, KnowledgeBaseError
from assistant.models import Chunk, DocType
from assistant.store import QUESTION_VECTOR_SUFFIX, ChromaConnection, VectorCollection
from assistant.versions import REBUILD_HINT, Registry, VersionPaths, VersionRecord, version_number
from ingest.chunking import build_chunks, embedding_text, keyword_text
from ingest.formats import read_document
from ingest.formats.guards import shown_name, too_large
from ingest.isolation import ParseWorker
from ingest.limits import DEFAULT_LIMITS, IngestLimits
from ingest.metadata import doc_type_for, is_sidecar, load_sidecar, resolve_metadata, sidecar_path

log = logging.getLogger(__name__)

# Bump when chunking or indexing changes, so the next ingest re-reads every file instead of skipping it.
INDEX_FORMAT = 2

Outcome = Literal["added", "updated", "unchanged", "removed", "failed"]
IGNORED_AT_ROOT = {"readme.md", "readme.txt", "readme"}


@dataclass
class FileResult:
    source: str
    outcome: Outcome
    chunks: int = 0
    reason: str | None = None


@dataclass
class IngestReport:
    """What one ingest run did, file by file."""

    root: str
    version: str | None  # the version built, or None when nothing changed
    staged: bool
    results: list[FileResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    chunks_embedded: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.outcome == "failed"]


class Progress:
    """Callbacks for a progress display; the default does nothing."""

    def start_embedding(self, total: int) -> None: ...

    def advance(self, n: int) -> None: ...

    def warn(self, message: str) -> None: ...


@dataclass(frozen=True)
class ScannedFile:
    source: str
    path: Path
    sha256: str
    size: int


@dataclass
class ReadFile:
    scanned: ScannedFile
    doc_type: DocType
    chunks: list[Chunk]
    meta: dict[str, object]


def scan_tree(
    root: Path, warn: Callable[[str], None], max_file_bytes: int = DEFAULT_LIMITS.max_file_bytes
) -> dict[str, ScannedFile]:
    """Regular knowledge files under root with a hash covering the file and its sidecar.

    Nothing outside the folder is read: symbolic links (to files or folders, dangling or not), FIFOs,
    devices and sockets are skipped with a warning naming them. A file over `max_file_bytes` is listed
    with an empty hash and not read, so it fails with its reason and keeps what the store held for it.
    """
    if not root.is_dir():
        raise DocumentError(str(root), "knowledge folder does not exist")
    found: dict[str, ScannedFile] = {}
    for path, info in _regular_files(root, warn):
        rel = path.relative_to(root).as_posix()
        if is_sidecar(path):
            if not os.path.lexists(path.with_name(path.name.removesuffix(".meta.yaml"))):
                warn(f"{shown_name(rel)}: sidecar without its document, ignored")
            continue
        if "/" not in rel and path.name.lower() in IGNORED_AT_ROOT:
            continue
        digest = _digest(path, info, max_file_bytes)
        side = sidecar_path(path)
        if digest and side.is_file() and not side.is_symlink():
            # An oversized sidecar is not read here: its size changes the hash, and reading it fails.
            size = side.stat().st_size
            digest.update(b"\0sidecar\0" + (side.read_bytes() if size <= max_file_bytes else b"%d" % size))
        found[rel] = ScannedFile(rel, path, digest.hexdigest() if digest else "", info.st_size)
    return dict(sorted(found.items()))


def _regular_files(root: Path, warn: Callable[[str], None]) -> list[tuple[Path, os.stat_result]]:
    """(path, lstat) of every regular, non-hidden file under root, without following any link."""
    top = root.resolve()
    out: list[tuple[Path, os.stat_result]] = []
    for folder, dirs, files in os.walk(top, followlinks=False):
        base = Path(folder)
        for name in sorted(dirs):
            if name.startswith("."):
                dirs.remove(name)
            elif (base / name).is_symlink():
                folder_name = shown_name((base / name).relative_to(top).as_posix())
                warn(f"{folder_name}: symlinked folder, not followed")
        for name in files:
            path = base / name
            if name.startswith("."):
                continue
            shown = shown_name(path.relative_to(top).as_posix())
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                dangling = "" if path.exists() else "dangling "
                warn(f"{shown}: {dangling}symbolic link, skipped (links are never followed)")
            elif not stat.S_ISREG(info.st_mode):
                warn(f"{shown}: not a regular file (FIFO, device or socket), skipped")
            elif not path.resolve().is_relative_to(top):
                warn(f"{shown}: resolves outside the knowledge folder, skipped")
            else:
                out.append((root / path.relative_to(top), info))
    return out


def _digest(path: Path, info: os.stat_result, max_file_bytes: int) -> Any:
    """The running SHA-256 of a file within the size limit (None for a larger one, which is not read)."""
    if info.st_size > max_file_bytes:
        return None
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256")


def read_file(
    scanned: ScannedFile, warn: Callable[[str], None], limits: IngestLimits = DEFAULT_LIMITS
) -> ReadFile:
    """Parse one file into chunks within the limits; raises DocumentError with the reason."""
    if scanned.size > limits.max_file_bytes:
        raise DocumentError(scanned.source, too_large(scanned.size, limits.max_file_bytes))
    doc_type = doc_type_for(scanned.source)
    if doc_type is DocType.OTHER:
        where = "not under offerings/, sows/, rfp-answers/ or playbook/, ingested as type 'other'"
        warn(f"{shown_name(scanned.source)}: {where}")
    sidecar = load_sidecar(sidecar_path(scanned.path), scanned.source)
    parsed = read_document(scanned.path, scanned.source, limits)
    meta = resolve_metadata(scanned.source, doc_type, parsed, sidecar, max_bytes=limits.max_meta_bytes)
    chunks = build_chunks(scanned.source, doc_type, meta, parsed.blocks)
    if not chunks:
        raise DocumentError(scanned.source, "no text to index")
    if len(chunks) > limits.max_chunks:
        raise DocumentError(
            scanned.source, f"too large: {len(chunks):,} chunks (the limit is {limits.max_chunks:,} per file)"
        )
    return ReadFile(scanned, doc_type, chunks, meta.model_dump(mode="json"))


def vector_entries(chunks: list[Chunk]) -> tuple[list[str], list[str], list[dict[str, str | int]]]:
    """Ids, texts and filter metadata of the vectors for these chunks (Q&A rows get a question vector too)."""
    ids: list[str] = []
    texts: list[str] = []
    metas: list[dict[str, str | int]] = []
    for c in chunks:
        ids.append(c.id)
        texts.append(embedding_text(c))
        metas.append(_vector_metadata(c))
        if c.kind == "qa" and c.question:
            ids.append(c.id + QUESTION_VECTOR_SUFFIX)
            texts.append(c.question)
            metas.append(_vector_metadata(c))
    return ids, texts, metas


def _vector_metadata(chunk: Chunk) -> dict[str, str | int]:
    return {
        "source": chunk.source,
        "doc_type": chunk.doc_type.value,
        "confidentiality": chunk.meta.confidentiality.value,
        "client_key": client_key(chunk.meta.client),
        "position": chunk.position,
    }


class VersionBuilder:
    """Builds one new version from a base version; nothing is visible until `finish`."""

    def __init__(self, registry: Registry, chroma: ChromaConnection, base: VersionPaths | None) -> None:
        self.registry = registry
        self.chroma = chroma
        self.base = base
        self.name = registry.next_name()
        self.final = registry.paths(self.name)
        self.folder = registry.building_folder(self.name)
        self.folder.mkdir(parents=True)
        catalog_path = self.folder / "catalog.sqlite3"
        if base:
            base_catalog = Catalog(base.catalog, readonly=True)
            self.catalog = base_catalog.copy_to(catalog_path)
            base_catalog.close()
        else:
            self.catalog = Catalog(catalog_path)
        self.collection: VectorCollection = chroma.create(self.final.collection)

    def copy_base_vectors(self, exclude: set[str]) -> None:
        if not self.base:
            return
        for ids, vectors, metas in self.chroma.get(self.base.collection).iterate():
            keep = [i for i, vid in enumerate(ids) if vid.removesuffix(QUESTION_VECTOR_SUFFIX) not in exclude]
            if keep:
                self.collection.add([ids[i] for i in keep], vectors[keep], [metas[i] for i in keep])

    def finish(self, record: VersionRecord, *, stage: bool) -> None:
        # built_as lets `kb repair` tell a candidate that was never gated from a version that was live
        built_as = "staged" if stage else "live"
        self.catalog.set_info(**record.model_dump(), index_format=INDEX_FORMAT, built_as=built_as)
        self.catalog.close()
        self.folder.rename(self.final.folder)
        self.registry.commit(record, stage=stage)


def cleanup_leftovers(registry: Registry, chroma: ChromaConnection, keep: int) -> None:
    """Remove half-built versions of interrupted runs and versions beyond the retention count.

    Everything the registry does not list is removed, so this relies on `Registry.state` refusing a
    missing or unreadable registry while version folders exist.
    """
    state = registry.state()
    retained = registry.retained(keep)
    dropped = set(state.versions) - retained
    if dropped:
        registry.forget(dropped)
    known = set(state.versions) - dropped
    if registry.root.exists():
        for p in registry.root.iterdir():
            # only version-shaped folders: anything else in kb/ is not ours to delete
            if p.is_dir() and p.name not in known and version_number(p.name.removeprefix(".building-")) >= 0:
                shutil.rmtree(p, ignore_errors=True)
    prefix = registry.prefix + "_"
    for name in chroma.names():
        if name.startswith(prefix) and name.removeprefix(prefix) not in known:
            chroma.drop(name)


@contextmanager
def _storage_errors() -> Iterator[None]:
    """A full disk or an unwritable folder stops the ingest with one line; the live version is untouched."""
    try:
        yield
    except OSError as e:
        where = f" ({e.filename})" if e.filename else ""
        raise KnowledgeBaseError(
            f"ingest stopped, the live version is unchanged: {e.strerror or e}{where}"
        ) from e
    except sqlite3.Error as e:
        raise KnowledgeBaseError(f"ingest stopped, the live version is unchanged: catalog: {e}") from e


def _whole_live(registry: Registry, chroma: ChromaConnection, name: str) -> VersionPaths:
    """The live version to build on; KnowledgeBaseError pointing at --rebuild when parts of it are gone."""
    missing = registry.missing_parts(name, set(chroma.names()))
    if missing:
        raise KnowledgeBaseError(
            f"the live version {name} is damaged ({', '.join(missing)} missing): {REBUILD_HINT}"
        )
    return registry.paths(name)


def build_version(
    root: Path,
    *,
    registry: Registry,
    chroma: ChromaConnection,
    load_embedder: Callable[[], Embedder],
    stage: bool = False,
    rebuild: bool = False,
    keep_versions: int = 5,
    progress: Progress | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    limits: IngestLimits = DEFAULT_LIMITS,
) -> IngestReport:
    """Ingest `root` incrementally against the live version; register the result as live or staged.

    With `rebuild`, every file is read and embedded again into a version that does not build on the
    live one (the way out when the live version's catalog or vectors are gone).
    """
    progress = progress or Progress()
    started = time.perf_counter()
    report = IngestReport(root=str(root), version=None, staged=stage)

    def warn(message: str) -> None:
        report.warnings.append(message)
        progress.warn(message)

    with _storage_errors(), registry.locked():
        cleanup_leftovers(registry, chroma, keep_versions)
        state = registry.state()
        base = _whole_live(registry, chroma, state.live) if state.live and not rebuild else None
        base_files: dict[str, FileRecord] = {}
        if base:
            base_catalog = Catalog(base.catalog, readonly=True)
            if base_catalog.info().get("index_format") == INDEX_FORMAT:
                base_files = base_catalog.files()
            else:
                warn("the index format changed since the live version was built: re-reading every file")
                base_files = {s: replace(r, sha256="") for s, r in base_catalog.files().items()}
            base_catalog.close()

        scanned = scan_tree(root, warn, limits.max_file_bytes)
        reads: list[ReadFile] = []
        with ParseWorker(limits) as worker:  # parses in a child process held to the memory/time budget
            for source, file in scanned.items():
                previous = base_files.get(source)
                if previous and previous.sha256 == file.sha256:
                    report.results.append(FileResult(source, "unchanged", previous.chunks))
                    continue
                try:
                    read = worker.read(file, warn)
                except DocumentError as e:
                    # Escaped: a newline in the name must not split the one line naming the file.
                    report.results.append(FileResult(shown_name(source), "failed", reason=e.reason))
                    progress.warn(f"{shown_name(source)}: {e.reason}")
                    continue
                reads.append(read)
                outcome: Outcome = "updated" if previous else "added"
                report.results.append(FileResult(source, outcome, len(read.chunks)))
        removed = sorted(set(base_files) - set(scanned))
        report.results += [FileResult(s, "removed", base_files[s].chunks) for s in removed]

        if not reads and not removed and not stage and not rebuild:
            report.seconds = time.perf_counter() - started
            return report

        builder = VersionBuilder(registry, chroma, base)
        replaced = {r.scanned.source for r in reads} | set(removed)
        if base:
            base_catalog = Catalog(base.catalog, readonly=True)
            builder.copy_base_vectors(set(base_catalog.chunk_ids_of(replaced)))
            base_catalog.close()

        new_chunks = [c for r in reads for c in r.chunks]
        ids, texts, metas = vector_entries(new_chunks)
        progress.start_embedding(len(texts))
        embed_started = time.perf_counter()
        if texts:
            vectors = load_embedder().embed(texts, progress.advance)
            builder.collection.add(ids, vectors, metas)
        report.embed_seconds = time.perf_counter() - embed_started
        stamp = now().isoformat(timespec="seconds")
        for r in reads:
            record = FileRecord(
                r.scanned.source,
                r.scanned.sha256,
                r.scanned.size,
                r.doc_type.value,
                r.meta,
                len(r.chunks),
                stamp,
            )
            builder.catalog.replace_file(record, r.chunks, [keyword_text(c) for c in r.chunks])
        for source in removed:
            builder.catalog.remove_file(source)
        report.chunks_embedded = len(new_chunks)

        version_record = VersionRecord(
            name=builder.name,
            built_at=stamp,
            source_root=str(root.resolve()),
            documents=len(builder.catalog.files()),
            chunks=builder.catalog.chunk_count(),
            base=base.name if base else None,
        )
        builder.finish(version_record, stage=stage)
        report.version = builder.name
        cleanup_leftovers(registry, chroma, keep_versions)
    report.seconds = time.perf_counter() - started
    return report
