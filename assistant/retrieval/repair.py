"""Repairing and inspecting the registry: rebuild it from the versions' own catalogs, and list it.

`kb repair` runs `rebuild_registry` when the registry is missing, empty or unreadable (a readable one
is left alone); `kb status` lists the versions with `describe`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import KnowledgeBaseError
from assistant.retrieval.registry import (
    REBUILD_HINT,
    Registry,
    RegistryState,
    VersionRecord,
    read_catalog_info,
    segments_of,
    version_number,
)

__all__ = ["RepairResult", "choose_roles", "describe", "rebuild_registry"]


@dataclass
class RepairResult:
    """What `rebuild_registry` found and chose."""

    state: RegistryState
    rebuilt: bool  # False: the registry was readable and was left alone
    skipped: dict[str, str] = field(default_factory=dict)  # version -> why it was not registered
    kept_copy: Path | None = None  # where the unreadable registry was moved


def rebuild_registry(registry: Registry, collections: set[str]) -> RepairResult:
    """Recover a missing, empty or unreadable registry from the versions' own catalogs.

    A version is registered when its catalog is readable and its vectors (among `collections`) exist.
    The most recent one becomes live, unless its catalog says it was built with --stage and nothing was
    built on it since: then it is staged again (never made live without the gate) and live is the most
    recent version that was live. A readable, non-empty registry is left alone.
    """
    with registry.locked():
        try:
            current = registry.state()
        except KnowledgeBaseError:
            current = None
        if current is not None:
            return RepairResult(current, rebuilt=False)
        records, built_as, skipped = _versions_on_disk(registry, collections)
        if not records:
            raise KnowledgeBaseError(
                f"no complete version to rebuild the registry from ({_listing(skipped)}): {REBUILD_HINT}"
            )
        state = choose_roles(records, built_as)
        kept_copy = None
        if registry.file.exists():
            kept_copy = registry.file.with_suffix(".json.unreadable")
            os.replace(registry.file, kept_copy)
        registry.save(state)
        return RepairResult(state, rebuilt=True, skipped=skipped, kept_copy=kept_copy)


def _versions_on_disk(
    registry: Registry, collections: set[str]
) -> tuple[dict[str, VersionRecord], dict[str, str], dict[str, str]]:
    records: dict[str, VersionRecord] = {}
    built_as: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for name in registry.version_folders():
        paths = registry.paths(name)
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
    """Live, staged and history for versions known only from their catalogs (see `rebuild_registry`)."""
    names = sorted(records, key=version_number)
    bases = {r.base for r in records.values() if r.base}
    # a version was live if it was built live, or if a later ingest built on it (ingest builds on live)
    was_live = [n for n in names if built_as.get(n) != "staged" or n in bases]
    live = was_live[-1] if was_live else None
    newer = [n for n in names if live is None or version_number(n) > version_number(live)]
    history = [n for n in was_live if n != live]
    return RegistryState(live=live, staged=newer[-1] if newer else None, history=history, versions=records)


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


def _listing(reasons: dict[str, str]) -> str:
    return "; ".join(f"{n}: {r}" for n, r in reasons.items()) or "no version folders"
