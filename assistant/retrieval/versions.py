"""Knowledge-base versions and their lifecycle: begin, write, finish, prune, and follow the live pointer.

Each version is a catalog folder under <data_dir>/kb/<name>/ plus an ordered list of vector segments
(Chroma collections <prefix>_<build name>) less the chunks it no longer holds: a build writes only the
chunks of the files it read into a segment of its own and shares the rest with the version it built on
(see the README's architecture section). The registry is one JSON file replaced atomically (write,
fsync, rename), so a crash at any moment leaves either the old or the new state, never a mix: the live
version is only ever switched after the new one is complete, and no build writes to an earlier segment.

The registry is the only record of which folders are versions, so a missing or unreadable registry
while version folders exist is an error (never read as "no versions", which would let the next ingest
clean them all away); `rebuild` recovers it from the versions' own catalogs.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field, ValidationError

from assistant.errors import KnowledgeBaseError
from assistant.freshness import Supersession, supersessions
from assistant.models import Chunk
from assistant.retrieval.catalog import Catalog, FileRecord, collect_garbage
from assistant.retrieval.store import ChromaConnection, Segment, VectorCollection, VersionVectors

log = logging.getLogger(__name__)

_NAME = re.compile(r"^v(\d{4,})$")
CATALOG_FILE = "catalog.sqlite3"
ROW_STORE_FILE = "rows.sqlite3"  # chunk rows and keyword index shared by the versions' catalogs
MAX_SEGMENTS = 4  # a version over this many segments has its newer ones merged into one
MAX_TOMBSTONE_SHARE = 0.2  # ... or over this share of its vectors tombstoned (and over MIN_TOMBSTONES)
MIN_TOMBSTONES = 500  # below this, over-fetching the tombstones costs less than rewriting
REPAIR_HINT = "run `deal-assistant kb repair` to rebuild it from the versions' catalogs"
REBUILD_HINT = "run `deal-assistant ingest --rebuild` to build a fresh version from the knowledge folder"


class VersionRecord(BaseModel):
    name: str
    built_at: str
    source_root: str
    documents: int
    chunks: int
    base: str | None = None


class RegistryState(BaseModel):
    live: str | None = None
    staged: str | None = None
    history: list[str] = Field(default_factory=list)  # earlier live versions, oldest first
    rolled_back: list[str] = Field(default_factory=list)  # live versions left by a rollback, oldest first
    versions: dict[str, VersionRecord] = Field(default_factory=dict)


@dataclass(frozen=True)
class VersionPaths:
    name: str
    folder: Path
    catalog: Path
    collection: str


@dataclass
class RepairResult:
    """What `Registry.rebuild` found and chose."""

    state: RegistryState
    rebuilt: bool  # False: the registry was readable and was left alone
    skipped: dict[str, str] = field(default_factory=dict)  # version -> why it was not registered
    kept_copy: Path | None = None  # where the unreadable registry was moved


def version_number(name: str) -> int:
    """The build number of a version name (v0012 -> 12); -1 for anything else."""
    m = _NAME.match(name)
    return int(m.group(1)) if m else -1


class Registry:
    """The versions of one data directory."""

    def __init__(self, data_dir: Path, collection_prefix: str) -> None:
        self.root = data_dir / "kb"
        self.prefix = collection_prefix
        self._file = self.root / "registry.json"
        self._lock_depth = 0

    # ---- reading --------------------------------------------------------------------------
    def state(self, committing: str | None = None) -> RegistryState:
        """The registry; KnowledgeBaseError when it is unreadable, or missing while versions exist.

        `committing` names a version folder that is just being registered (so it is no orphan).
        """
        try:
            text = self._file.read_text("utf-8") if self._file.exists() else None
            state = RegistryState.model_validate_json(text) if text is not None else RegistryState()
        except ValidationError as e:
            problem = e.errors()[0]["msg"] if e.errors() else "invalid"
            raise KnowledgeBaseError(
                f"knowledge-base registry {self._file} is unreadable ({problem}): {REPAIR_HINT}"
            ) from e
        except (OSError, UnicodeDecodeError) as e:
            raise KnowledgeBaseError(f"cannot read knowledge-base registry {self._file}: {e}") from e
        if not state.versions:
            orphans = [n for n in self.version_folders() if n != committing]
            if orphans:
                what = "missing" if text is None else "empty"
                raise KnowledgeBaseError(
                    f"knowledge-base registry {self._file} is {what} but version folders exist "
                    f"({', '.join(orphans)}); nothing was changed: {REPAIR_HINT}"
                )
        return state

    def version_folders(self) -> list[str]:
        """Names of the complete version folders on disk (half-built ones excluded), oldest first."""
        try:
            names = [p.name for p in self.root.iterdir() if p.is_dir() and _NAME.match(p.name)]
        except (FileNotFoundError, NotADirectoryError):
            return []
        return sorted(names, key=version_number)

    def paths(self, name: str) -> VersionPaths:
        folder = self.root / name
        return VersionPaths(name, folder, folder / CATALOG_FILE, self.segment_name(name))

    @property
    def row_store(self) -> Path:
        return self.root / ROW_STORE_FILE

    def segment_name(self, build: str) -> str:
        """The collection holding the vectors a build wrote."""
        return f"{self.prefix}_{build}"

    def segments(self, name: str) -> list[Segment]:
        """A version's vector segments, oldest first (a version built before segments: its own one)."""
        info = read_catalog_info(self.paths(name).catalog)
        if info is None:
            raise KnowledgeBaseError(
                f"knowledge-base version {name} has an unreadable catalog: {REBUILD_HINT}"
            )
        return segments_of(info, self.segment_name(name))

    def resolve(self, spec: str = "live") -> VersionPaths:
        """The version named by "live", "staged", "previous" or a version name such as v0003."""
        state = self.state()
        if spec == "live":
            name = state.live
            if not name:
                raise KnowledgeBaseError("no knowledge base yet: run `deal-assistant ingest` first")
        elif spec == "staged":
            name = state.staged
            if not name:
                raise KnowledgeBaseError(
                    "no staged knowledge base: run `deal-assistant ingest --stage` first"
                )
        elif spec in state.versions:
            name = spec
        else:
            known = ", ".join(sorted(state.versions)) or "none"
            raise KnowledgeBaseError(f"unknown knowledge-base version {spec!r} (known: {known})")
        paths = self.paths(name)
        if not paths.catalog.is_file():
            raise KnowledgeBaseError(
                f"knowledge-base version {name} has lost its catalog ({paths.catalog}): {REBUILD_HINT}"
            )
        return paths

    def missing_parts(self, name: str, collections: set[str]) -> list[str]:
        """What a registered version lacks on disk and in Chroma ([] when it is whole)."""
        paths = self.paths(name)
        missing = []
        if not paths.catalog.is_file():
            missing.append("catalog")
        elif read_catalog_info(paths.catalog) is None:
            missing.append("readable catalog")
        info = read_catalog_info(paths.catalog) if paths.catalog.is_file() else None
        wanted = [s.collection for s in segments_of(info, paths.collection)] if info else [paths.collection]
        if any(c not in collections for c in wanted):
            missing.append("vectors")
        return missing

    # ---- writing --------------------------------------------------------------------------
    @contextmanager
    def locked(self, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """Serialise writers (two ingests at once would otherwise race for the same version name).

        Re-entrant within one Registry object, so a command can hold the lock around several steps
        (gate and promote) that take it themselves. `on_wait` is called once if another process holds it.
        """
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fh = open(self.root / ".lock", "w")  # noqa: SIM115 (held across the yield)
        except OSError as e:
            raise KnowledgeBaseError(
                f"cannot write to the knowledge-base folder {self.root}: {_why(e)}"
            ) from e
        with fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if on_wait:
                    on_wait()
                fcntl.flock(fh, fcntl.LOCK_EX)
            self._lock_depth = 1
            try:
                yield
            finally:
                self._lock_depth = 0
                fcntl.flock(fh, fcntl.LOCK_UN)

    def next_name(self) -> str:
        names = list(self.state().versions)
        if self.root.exists():
            names += [p.name.removeprefix(".building-") for p in self.root.iterdir()]
        return f"v{max([0, *map(version_number, names)]) + 1:04d}"

    def building_folder(self, name: str) -> Path:
        return self.root / f".building-{name}"

    def commit(self, record: VersionRecord, *, stage: bool) -> RegistryState:
        """Register a finished version as live (or staged); the previous live goes to history."""
        state = self.state(committing=record.name)
        state.versions[record.name] = record
        if stage:
            state.staged = record.name
        else:
            if state.live:
                state.history.append(state.live)
            state.live = record.name
        self.save(state)
        return state

    def promote(self, name: str | None = None) -> RegistryState:
        """Make `name` (default: the staged version) live; the previous live goes to history.

        A name can be any registered version, e.g. one left by a rollback, to go forward again.
        """
        with self.locked():
            state = self.state()
            name = name or state.staged
            if not name:
                raise KnowledgeBaseError(
                    "nothing staged to promote: run `deal-assistant ingest --stage` first"
                )
            if name not in state.versions or not self.paths(name).catalog.is_file():
                raise KnowledgeBaseError(f"version {name} no longer exists: not promoted")
            if name == state.live:
                raise KnowledgeBaseError(f"version {name} is already live")
            if state.live:
                state.history = [h for h in state.history if h != state.live] + [state.live]
            state.history = [h for h in state.history if h != name]
            state.rolled_back = [r for r in state.rolled_back if r != name]
            state.live = name
            if state.staged == name:
                state.staged = None
            self.save(state)
            return state

    def rollback(self) -> RegistryState:
        """Return to the previous live version; the one left stays, for `promote NAME` to return to."""
        with self.locked():
            state = self.state()
            if not state.history:
                raise KnowledgeBaseError("no earlier live version to roll back to")
            if state.live:
                state.rolled_back = [r for r in state.rolled_back if r != state.live] + [state.live]
            state.live = state.history.pop()
            self.save(state)
            return state

    def save(self, state: RegistryState) -> None:
        tmp = self._file.with_suffix(".json.tmp")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(state.model_dump_json(indent=2))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self._file)
            dir_fd = os.open(self.root, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as e:
            raise KnowledgeBaseError(
                f"cannot write the knowledge-base registry {self._file}: {_why(e)} (it was not changed)"
            ) from e

    def retained(self, keep: int) -> set[str]:
        """Versions to keep: live, staged, the rollback target, then the most recently built of the
        versions that were live (history and those left by a rollback), up to `keep` in all."""
        state = self.state()
        keep_names = {n for n in (state.live, state.staged) if n}
        if state.history and len(keep_names) < keep:
            keep_names.add(state.history[-1])
        earlier = sorted(
            set(state.history + state.rolled_back) - keep_names, key=version_number, reverse=True
        )
        keep_names.update(earlier[: max(0, keep - len(keep_names))])
        return keep_names

    def forget(self, names: set[str]) -> None:
        state = self.state()
        for n in names:
            state.versions.pop(n, None)
        state.history = [h for h in state.history if h not in names]
        state.rolled_back = [r for r in state.rolled_back if r not in names]
        self.save(state)

    # ---- repair ---------------------------------------------------------------------------
    def rebuild(self, collections: set[str]) -> RepairResult:
        """Recover a missing, empty or unreadable registry from the versions' own catalogs.

        A version is registered when its catalog is readable and its vectors exist. The most recent one
        becomes live, unless its catalog says it was built with --stage and nothing was built on it
        since: then it is staged again (never made live without the gate) and live is the most recent
        version that was live. A readable, non-empty registry is left alone.
        """
        with self.locked():
            try:
                current = self.state()
            except KnowledgeBaseError:
                current = None
            if current is not None:
                return RepairResult(current, rebuilt=False)
            records, built_as, skipped = self._versions_on_disk(collections)
            if not records:
                raise KnowledgeBaseError(
                    f"no complete version to rebuild the registry from ({_listing(skipped)}): {REBUILD_HINT}"
                )
            state = choose_roles(records, built_as)
            kept_copy = None
            if self._file.exists():
                kept_copy = self._file.with_suffix(".json.unreadable")
                os.replace(self._file, kept_copy)
            self.save(state)
            return RepairResult(state, rebuilt=True, skipped=skipped, kept_copy=kept_copy)

    def _versions_on_disk(
        self, collections: set[str]
    ) -> tuple[dict[str, VersionRecord], dict[str, str], dict[str, str]]:
        records: dict[str, VersionRecord] = {}
        built_as: dict[str, str] = {}
        skipped: dict[str, str] = {}
        for name in self.version_folders():
            paths = self.paths(name)
            info = read_catalog_info(paths.catalog) if paths.catalog.is_file() else None
            if info is None:
                skipped[name] = "catalog missing or unreadable"
            elif info.get("name") != name:
                skipped[name] = "its catalog has no version details (half-built)"
            elif any(s.collection not in collections for s in segments_of(info, paths.collection)):
                skipped[name] = "vectors missing"
            else:
                records[name] = VersionRecord.model_validate(info)
                built_as[name] = str(info.get("built_as", "live"))
        return records, built_as, skipped


def choose_roles(records: dict[str, VersionRecord], built_as: dict[str, str]) -> RegistryState:
    """Live, staged and history for versions known only from their catalogs (see `Registry.rebuild`)."""
    names = sorted(records, key=version_number)
    bases = {r.base for r in records.values() if r.base}
    # a version was live if it was built live, or if a later ingest built on it (ingest builds on live)
    was_live = [n for n in names if built_as.get(n) != "staged" or n in bases]
    live = was_live[-1] if was_live else None
    newer = [n for n in names if live is None or version_number(n) > version_number(live)]
    history = [n for n in was_live if n != live]
    return RegistryState(live=live, staged=newer[-1] if newer else None, history=history, versions=records)


def read_catalog_info(path: Path) -> dict[str, Any] | None:
    """A catalog's info table, or None when the file cannot be read as a catalog."""
    try:
        catalog = Catalog(path, readonly=True)
    except sqlite3.Error:
        return None
    try:
        return catalog.info()
    except (sqlite3.Error, ValueError):
        return None
    finally:
        catalog.close()


def _why(e: OSError) -> str:
    return e.strerror or str(e)


def _listing(reasons: dict[str, str]) -> str:
    return "; ".join(f"{n}: {r}" for n, r in reasons.items()) or "no version folders"


def describe(state: RegistryState) -> list[dict[str, Any]]:
    """Rows for a status table, newest first."""
    rows = []
    for name in sorted(state.versions, key=version_number, reverse=True):
        rec = state.versions[name]
        role = "live" if name == state.live else "staged" if name == state.staged else ""
        if not role and name in state.rolled_back:
            role = "rolled back"
        rows.append({**rec.model_dump(), "role": role})
    return rows


# ---- building -----------------------------------------------------------------------------------
def segments_of(info: dict[str, Any], own_collection: str) -> list[Segment]:
    """The segments a catalog's info lists (a catalog from before segments: its own full collection)."""
    listed = info.get("segments")
    if not isinstance(listed, list):
        return [Segment(own_collection)]
    return [Segment(str(s["collection"]), frozenset(s.get("tombstones", ()))) for s in listed]


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
        path: Path = self.registry.root / "registry.json"
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
