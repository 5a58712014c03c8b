"""Which knowledge-base versions exist and which one is live: the registry file, its records and its lock.

The registry is one JSON file replaced atomically (write, fsync, rename), so a crash at any moment
leaves either the old or the new state, never a mix. It is the only record of which folders are
versions, so a missing or unreadable registry while version folders exist is an error (never read as
"no versions", which would let the next ingest clean them all away); `repair.rebuild_registry`
recovers it from the versions' own catalogs. Building, pruning and reading versions is `versions`' part.
"""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from assistant.errors import KnowledgeBaseError
from assistant.retrieval.catalog import Catalog
from assistant.retrieval.store import Segment

_NAME = re.compile(r"^v(\d{4,})$")
CATALOG_FILE = "catalog.sqlite3"
ROW_STORE_FILE = "rows.sqlite3"  # chunk rows and keyword index shared by the versions' catalogs
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


def version_number(name: str) -> int:
    """The build number of a version name (v0012 -> 12); -1 for anything else."""
    m = _NAME.match(name)
    return int(m.group(1)) if m else -1


class Registry:
    """The versions of one data directory."""

    def __init__(self, data_dir: Path, collection_prefix: str) -> None:
        self.root = data_dir / "kb"
        self.prefix = collection_prefix
        self.file = self.root / "registry.json"  # replaced atomically, never written in place
        self._lock_depth = 0

    # ---- reading --------------------------------------------------------------------------
    def state(self, committing: str | None = None) -> RegistryState:
        """The registry; KnowledgeBaseError when it is unreadable, or missing while versions exist.

        `committing` names a version folder that is just being registered (so it is no orphan).
        """
        try:
            text = self.file.read_text("utf-8") if self.file.exists() else None
            state = RegistryState.model_validate_json(text) if text is not None else RegistryState()
        except ValidationError as e:
            problem = e.errors()[0]["msg"] if e.errors() else "invalid"
            raise KnowledgeBaseError(
                f"knowledge-base registry {self.file} is unreadable ({problem}): {REPAIR_HINT}"
            ) from e
        except (OSError, UnicodeDecodeError) as e:
            raise KnowledgeBaseError(f"cannot read knowledge-base registry {self.file}: {e}") from e
        if not state.versions:
            orphans = [n for n in self.version_folders() if n != committing]
            if orphans:
                what = "missing" if text is None else "empty"
                raise KnowledgeBaseError(
                    f"knowledge-base registry {self.file} is {what} but version folders exist "
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
        tmp = self.file.with_suffix(".json.tmp")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(state.model_dump_json(indent=2))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.file)
            dir_fd = os.open(self.root, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as e:
            raise KnowledgeBaseError(
                f"cannot write the knowledge-base registry {self.file}: {_why(e)} (it was not changed)"
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


def segments_of(info: dict[str, Any], own_collection: str) -> list[Segment]:
    """The segments a catalog's info lists (a catalog from before segments: its own full collection)."""
    listed = info.get("segments")
    if not isinstance(listed, list):
        return [Segment(own_collection)]
    return [Segment(str(s["collection"]), frozenset(s.get("tombstones", ()))) for s in listed]
