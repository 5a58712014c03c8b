"""Shared pieces of the answer-library tests: a writable copy of the demo knowledge folder, a library."""

from __future__ import annotations

import shutil
from pathlib import Path

from assistant.library import AnswerLibrary, LibraryStore
from assistant.settings import Settings
from assistant.wiring import open_version_catalog
from tests.conftest import KNOWLEDGE


def knowledge_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def library_for(settings: Settings) -> AnswerLibrary:
    """The library the CLI would build: settings' store and knowledge folder, catalogs of its data dir."""
    return AnswerLibrary(
        LibraryStore(settings.library_path()),
        settings.knowledge_dir,
        lambda version: open_version_catalog(settings, version),
    )
