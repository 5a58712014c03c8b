"""Knowledge-base versions and their lifecycle: begin, write, finish, prune, and follow the live pointer.

Each version is a catalog folder under <data_dir>/kb/<name>/ plus an ordered list of vector segments
(Chroma collections <prefix>_<build name>) less the chunks it no longer holds: a build writes only the
chunks of the files it read into a segment of its own and shares the rest with the version it built on
(see the README's architecture section). The live version is only ever switched (in the `registry`)
after the new one is complete, and no build writes to an earlier segment. `Registry` is re-exported
here for the builder's callers; `repair` rebuilds a lost registry.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.errors import KnowledgeBaseError
from assistant.freshness import Supersession, supersessions
from assistant.models import Chunk
from assistant.retrieval.catalog import Catalog, FileRecord, collect_garbage
from assistant.retrieval.registry import (
    CATALOG_FILE,
    REBUILD_HINT,
    Registry,
    VersionRecord,
    read_catalog_info,
    segments_of,
    version_number,
)
from assistant.retrieval.store import ChromaConnection, Segment, VectorCollection, VersionVectors

__all__ = [
    "MAX_SEGMENTS",
    "MAX_TOMBSTONE_SHARE",
    "MIN_TOMBSTONES",
    "OpenVersion",
    "Registry",
    "VersionBuilder",
    "VersionSource",
    "building",
    "prune",
]

log = logging.getLogger(__name__)

MAX_SEGMENTS = 4  # a version over this many segments has its newer ones merged into one
MAX_TOMBSTONE_SHARE = 0.2  # ... or over this share of its vectors tombstoned (and over MIN_TOMBSTONES)
MIN_TOMBSTONES = 500  # below this, over-fetching the tombstones costs less than rewriting


# ---- building -----------------------------------------------------------------------------------
def _segments_info(segments: list[Segment]) -> list[dict[str, Any]]:
    return [{"collection": s.collection, "tombstones": sorted(s.tombstones)} for s in segments]


class VersionBuilder:
    """One new version on top of a base version; nothing is visible until `finish`.

    Files are put or removed; the builder keeps the catalog and the vectors in step. The base's segments
    are shared, never written: chunks the new version drops become tombstones in its manifest.
    """

    def __init__(self, registry: Registry, chroma: ChromaConnection, base: str | None) -> None:
        self.registry = registry
        self.chroma = chroma
        self.base = base
        self.base_info: dict[str, Any] = {}
        self.base_files: dict[str, FileRecord] = {}
        self._base_segments: list[Segment] = []
        if base:
            catalog = Catalog(registry.paths(base).catalog, readonly=True)
            try:
                self.base_info, self.base_files = catalog.info(), catalog.files()
            finally:
                catalog.close()
            self._base_segments = segments_of(self.base_info, registry.segment_name(base))
        self.name = registry.next_name()
        self._folder = registry.building_folder(self.name)
        self._catalog: Catalog | None = None
        self._segment: VectorCollection | None = None
        self._dropped: set[str] = set()  # chunk ids of the base the new version no longer holds
        self._written: set[str] = set()  # chunk ids in the new segment
        self.moved_rows = False  # the base's rows were moved into the row store (some now unused)

    def begin(self) -> None:
        """Start the version on disk: its half-built folder with a copy of the base's catalog (done by the
        first write otherwise; nothing is written when nothing changed)."""
        _ = self.catalog

    @property
    def catalog(self) -> Catalog:
        """The new version's catalog (a copy of the base's until files are put or removed)."""
        if self._catalog is None:
            self._folder.mkdir(parents=True)
            path = self._folder / CATALOG_FILE
            base_catalog = (
                Catalog(self.registry.paths(self.base).catalog, readonly=True) if self.base else None
            )
            try:
                if base_catalog is not None and base_catalog.shared:
                    self._catalog = base_catalog.copy_to(path)
                else:
                    self._catalog = Catalog(path, row_store=self.registry.row_store)
                    if base_catalog is not None:  # built before the row store: its rows move in once
                        log.info("moving the rows of %s into the shared row store", self.base)
                        self.moved_rows = True
                        for record, chunks, bodies in base_catalog.file_rows():
                            self._catalog.replace_file(record, chunks, bodies)
            finally:
                if base_catalog is not None:
                    base_catalog.close()
        return self._catalog

    def _new_segment(self) -> VectorCollection:
        if self._segment is None:
            self._segment = self.chroma.create(self.registry.segment_name(self.name))
        return self._segment

    def put_file(
        self, record: FileRecord, chunks: list[Chunk], vectors: np.ndarray, bodies: list[str]
    ) -> None:
        """Put a file, its chunks, their vectors (ordered as `store.vector_texts`) and keyword texts in
        place of whatever the version held for it."""
        self._drop_chunks_of(record.source)
        if chunks:
            self._new_segment().add_chunks(chunks, vectors)
            self._written.update(c.id for c in chunks)
        self.catalog.replace_file(record, chunks, bodies)

    def remove_file(self, source: str) -> None:
        self._drop_chunks_of(source)
        self.catalog.remove_file(source)

    def _drop_chunks_of(self, source: str) -> None:
        ids = self.catalog.chunk_ids_of([source])
        rewritten = [i for i in ids if i in self._written]
        if rewritten and self._segment is not None:
            self._segment.delete_chunks(rewritten)
            self._written.difference_update(rewritten)
        self._dropped.update(i for i in ids if i not in rewritten)

    def finish(self, *, built_at: str, source_root: str, stage: bool, **info: Any) -> VersionRecord:
        """Complete the version (compacting its segments when due) and register it as live or staged."""
        catalog = self.catalog
        record = VersionRecord(
            name=self.name,
            built_at=built_at,
            source_root=source_root,
            documents=len(catalog.files()),
            chunks=catalog.chunk_count(),
            base=self.base,
        )
        segments = self._compacted(self._manifest())
        # built_as lets `kb repair` tell a candidate that was never gated from a version that was live
        catalog.set_info(
            **record.model_dump(),
            **info,
            built_as="staged" if stage else "live",
            segments=_segments_info(segments),
        )
        catalog.close()
        self._folder.rename(self.registry.paths(self.name).folder)
        self.registry.commit(record, stage=stage)
        return record

    def _manifest(self) -> list[Segment]:
        """The base's segments with this build's tombstones added (a segment left with nothing live is
        no longer listed), then this build's own."""
        segments = []
        for seg in self._base_segments:
            col = self.chroma.get(seg.collection)
            fresh = self._dropped - seg.tombstones
            dead = frozenset(seg.tombstones | (col.holding(fresh) if fresh else set()))
            if col.count_without(dead) > 0:
                segments.append(Segment(seg.collection, dead))
        if self._segment is not None:
            segments.append(Segment(self._segment.name))
        return segments

    def _compacted(self, segments: list[Segment]) -> list[Segment]:
        """Bound the fan-out and over-fetch of a query. Over MAX_SEGMENTS segments, or over
        MAX_TOMBSTONE_SHARE of the stored vectors tombstoned (and over MIN_TOMBSTONES), the newer
        segments are merged into this build's own; the first one too when it is itself over the share
        (then the version is one fresh segment)."""
        cols = [self.chroma.get(s.collection) for s in segments]
        stored = [c.count() for c in cols]
        live = [
            c.count_without(s.tombstones) if s.tombstones else n
            for c, s, n in zip(cols, segments, stored, strict=True)
        ]
        dead = sum(stored) - sum(live)
        if len(segments) <= MAX_SEGMENTS and (
            dead <= MIN_TOMBSTONES or dead <= MAX_TOMBSTONE_SHARE * sum(stored)
        ):
            return segments
        whole = live[0] < (1 - MAX_TOMBSTONE_SHARE) * stored[0]
        target = self._new_segment()
        for seg, col in zip(segments, cols, strict=True):
            if seg.collection != target.name and (whole or seg is not segments[0]):
                target.copy_from(col, seg.tombstones)
        return [Segment(target.name)] if whole else [segments[0], Segment(target.name)]


@contextmanager
def building(
    registry: Registry, chroma: ChromaConnection, keep: int, *, rebuild: bool = False
) -> Iterator[VersionBuilder]:
    """Hold the registry lock, clear leftovers, and hand out a builder on the live version (none with
    `rebuild`); versions beyond `keep` are pruned once the builder is finished."""
    with registry.locked():
        prune(registry, chroma, keep)
        live = registry.state().live
        if live and not rebuild:
            missing = registry.missing_parts(live, set(chroma.names()))
            if missing:
                raise KnowledgeBaseError(
                    f"the live version {live} is damaged ({', '.join(missing)} missing): {REBUILD_HINT}"
                )
        builder = VersionBuilder(registry, chroma, None if rebuild else live)
        yield builder
        prune(registry, chroma, keep, collect_rows=builder.moved_rows)


def prune(registry: Registry, chroma: ChromaConnection, keep: int, *, collect_rows: bool = False) -> None:
    """Remove half-built versions of interrupted runs, versions beyond the retention count, and the
    segments and catalog rows no remaining version uses (rows only when a version or a half-built one
    went, or `collect_rows`: otherwise no row can have lost its last holder).

    Everything the registry does not list is removed, so this relies on `Registry.state` refusing a
    missing or unreadable registry while version folders exist.
    """
    state = registry.state()
    retained = registry.retained(keep)
    dropped = set(state.versions) - retained
    if dropped:
        registry.forget(dropped)
    known = set(state.versions) - dropped
    leftovers = False
    if registry.root.exists():
        for p in registry.root.iterdir():
            # only version-shaped folders: anything else in kb/ is not ours to delete
            if p.is_dir() and p.name not in known and version_number(p.name.removeprefix(".building-")) >= 0:
                shutil.rmtree(p, ignore_errors=True)
                leftovers = True
    used = {registry.segment_name(n) for n in known}
    for name in known:
        info = read_catalog_info(registry.paths(name).catalog)
        if info is None:
            log.warning("version %s has no readable catalog: no vector segment is pruned", name)
            return
        used.update(s.collection for s in segments_of(info, registry.segment_name(name)))
    prefix = registry.prefix + "_"
    for name in chroma.names():
        if name.startswith(prefix) and version_number(name.removeprefix(prefix)) >= 0 and name not in used:
            chroma.drop(name)
    if dropped or leftovers or collect_rows:
        collect_garbage(registry.row_store, [registry.paths(n).catalog for n in known])


# ---- reading ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OpenVersion:
    name: str
    catalog: Catalog
    vectors: VersionVectors
    supersessions: dict[str, Supersession]
    clients: list[str]


class VersionSource:
    """The knowledge-base version a retriever reads; "live" follows promotions and rollbacks."""

    def __init__(self, registry: Registry, chroma: ChromaConnection, spec: str = "live") -> None:
        self.registry = registry
        self.chroma = chroma
        self.spec = spec
        self._lock = threading.Lock()
        self._opened: OpenVersion | None = None
        self._stamp: float | None = None

    def _registry_stamp(self) -> float:
        path = self.registry.file
        return path.stat().st_mtime_ns if path.exists() else 0.0

    def current(self) -> OpenVersion:
        with self._lock:
            stamp = self._registry_stamp()
            if self._opened is None or (self.spec in ("live", "staged") and stamp != self._stamp):
                paths = self.registry.resolve(self.spec)
                if self._opened is None or self._opened.name != paths.name:
                    if self._opened:
                        self._opened.catalog.close()
                    catalog = Catalog(paths.catalog, readonly=True)
                    files = {src: (r.doc_type, r.meta) for src, r in catalog.files().items()}
                    self._opened = OpenVersion(
                        paths.name,
                        catalog,
                        VersionVectors.open(self.chroma, segments_of(catalog.info(), paths.collection)),
                        supersessions(files),
                        catalog.clients(),
                    )
                self._stamp = stamp
            return self._opened
