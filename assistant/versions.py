"""Knowledge-base versions: which version is live, which is staged, and the history for rollback.

Each version is a catalog folder under <data_dir>/kb/<name>/ plus a Chroma collection
<prefix>_<name>. The registry is one JSON file replaced atomically (write, fsync, rename), so a crash
at any moment leaves either the old or the new state, never a mix: the live version is only ever
switched after the new one is complete.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistant.errors import KnowledgeBaseError

_NAME = re.compile(r"^v(\d{4,})$")


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
    versions: dict[str, VersionRecord] = Field(default_factory=dict)


@dataclass(frozen=True)
class VersionPaths:
    name: str
    folder: Path
    catalog: Path
    collection: str


class Registry:
    """The versions of one data directory."""

    def __init__(self, data_dir: Path, collection_prefix: str) -> None:
        self.root = data_dir / "kb"
        self.prefix = collection_prefix
        self._file = self.root / "registry.json"

    # ---- reading --------------------------------------------------------------------------
    def state(self) -> RegistryState:
        if not self._file.exists():
            return RegistryState()
        try:
            return RegistryState.model_validate_json(self._file.read_text("utf-8"))
        except ValueError as e:
            raise KnowledgeBaseError(f"knowledge-base registry {self._file} is unreadable: {e}") from e

    def paths(self, name: str) -> VersionPaths:
        folder = self.root / name
        return VersionPaths(name, folder, folder / "catalog.sqlite3", f"{self.prefix}_{name}")

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
        return self.paths(name)

    # ---- writing --------------------------------------------------------------------------
    @contextmanager
    def locked(self) -> Iterator[None]:
        """Serialise writers (two ingests at once would otherwise race for the same version name)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def next_name(self) -> str:
        names = list(self.state().versions)
        if self.root.exists():
            names += [p.name.removeprefix(".building-") for p in self.root.iterdir()]
        numbers = [int(m.group(1)) for m in map(_NAME.match, names) if m]
        return f"v{max(numbers, default=0) + 1:04d}"

    def building_folder(self, name: str) -> Path:
        return self.root / f".building-{name}"

    def commit(self, record: VersionRecord, *, stage: bool) -> RegistryState:
        """Register a finished version as live (or staged); the previous live goes to history."""
        state = self.state()
        state.versions[record.name] = record
        if stage:
            state.staged = record.name
        else:
            if state.live:
                state.history.append(state.live)
            state.live = record.name
        self.save(state)
        return state

    def promote(self) -> RegistryState:
        state = self.state()
        if not state.staged:
            raise KnowledgeBaseError("nothing staged to promote: run `deal-assistant ingest --stage` first")
        if state.live:
            state.history.append(state.live)
        state.live, state.staged = state.staged, None
        self.save(state)
        return state

    def rollback(self) -> RegistryState:
        state = self.state()
        if not state.history:
            raise KnowledgeBaseError("no earlier live version to roll back to")
        state.live = state.history.pop()
        self.save(state)
        return state

    def save(self, state: RegistryState) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self._file.with_suffix(".json.tmp")
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

    def retained(self, keep: int) -> set[str]:
        """Versions to keep: live, staged and the most recent history entries."""
        state = self.state()
        keep_names = {n for n in (state.live, state.staged) if n}
        room = keep - len(keep_names)
        if room > 0:
            keep_names.update(state.history[-room:])
        return keep_names

    def forget(self, names: set[str]) -> None:
        state = self.state()
        for n in names:
            state.versions.pop(n, None)
        state.history = [h for h in state.history if h not in names]
        self.save(state)


def describe(state: RegistryState) -> list[dict[str, Any]]:
    """Rows for a status table, newest first."""
    rows = []
    for name in sorted(state.versions, reverse=True):
        rec = state.versions[name]
        role = "live" if name == state.live else "staged" if name == state.staged else ""
        rows.append({**rec.model_dump(), "role": role})
    return rows
