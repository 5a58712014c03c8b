"""Incremental ingest: scan a knowledge folder, read what changed, and build a new knowledge-base version.

Ingest turns files into chunks and vectors and hands them to a `VersionBuilder`
(assistant/retrieval/versions.py), which shares everything unchanged with the live version and registers
the result as live or staged only once it is complete. The live version is never written to, so a crash
or Ctrl-C leaves it as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from assistant.errors import DocumentError, KnowledgeBaseError
from assistant.models import Chunk, DocType
from assistant.retrieval.catalog import FileRecord
from assistant.retrieval.embedding import Embedder
from assistant.retrieval.store import ChromaConnection, vector_texts
from assistant.retrieval.versions import Registry, VersionBuilder, building
from ingest.chunking import build_chunks, embedding_text, keyword_text
from ingest.formats import read_document
from ingest.formats.guards import shown_name, too_large
from ingest.isolation import ParseWorker
from ingest.limits import DEFAULT_LIMITS, IngestLimits
from ingest.metadata import doc_type_for, is_sidecar, load_sidecar, resolve_metadata, sidecar_path

log = logging.getLogger(__name__)

# Bump when chunking or indexing changes, so the next ingest re-reads every file instead of skipping it.
INDEX_FORMAT = 4

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

    with _storage_errors(), building(registry, chroma, keep_versions, rebuild=rebuild) as builder:
        reads, removed = plan_changes(root, builder, report, warn, progress, limits)
        if not reads and not removed and not stage and not rebuild:
            report.seconds = time.perf_counter() - started
            return report
        builder.begin()
        vectors = embed_chunks(reads, load_embedder, report, progress)
        stamp = now().isoformat(timespec="seconds")
        write_changes(builder, reads, vectors, removed, stamp)
        builder.finish(
            built_at=stamp, source_root=str(root.resolve()), stage=stage, index_format=INDEX_FORMAT
        )
        report.version = builder.name
    report.seconds = time.perf_counter() - started
    return report


def plan_changes(
    root: Path,
    builder: VersionBuilder,
    report: IngestReport,
    warn: Callable[[str], None],
    progress: Progress,
    limits: IngestLimits,
) -> tuple[list[ReadFile], list[str]]:
    """Scan the tree against the base version: read the new and changed files (each outcome goes into
    the report) and list the removed ones."""
    base_files = builder.base_files
    if builder.base and builder.base_info.get("index_format") != INDEX_FORMAT:
        warn("the index format changed since the live version was built: re-reading every file")
        base_files = {s: replace(r, sha256="") for s, r in base_files.items()}
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
    return reads, removed


def embed_chunks(
    reads: list[ReadFile], load_embedder: Callable[[], Embedder], report: IngestReport, progress: Progress
) -> list[np.ndarray]:
    """The vectors of each read file's chunks (the model is loaded only when something must be embedded)."""
    texts = [vector_texts(r.chunks, embedding_text) for r in reads]
    flat = [t for group in texts for t in group]
    progress.start_embedding(len(flat))
    embed_started = time.perf_counter()
    vectors = load_embedder().embed(flat, progress.advance) if flat else np.zeros((0, 0), np.float32)
    report.embed_seconds = time.perf_counter() - embed_started
    report.chunks_embedded = sum(len(r.chunks) for r in reads)
    out, offset = [], 0
    for group in texts:
        out.append(vectors[offset : offset + len(group)])
        offset += len(group)
    return out


def write_changes(
    builder: VersionBuilder, reads: list[ReadFile], vectors: list[np.ndarray], removed: list[str], stamp: str
) -> None:
    for r, file_vectors in zip(reads, vectors, strict=True):
        record = FileRecord(
            r.scanned.source, r.scanned.sha256, r.scanned.size, r.doc_type.value, r.meta, len(r.chunks), stamp
        )
        builder.put_file(record, r.chunks, file_vectors, [keyword_text(c) for c in r.chunks])
    for source in removed:
        builder.remove_file(source)
