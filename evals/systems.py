"""What gets evaluated: a knowledge base (a version, or a folder ingested afresh) and a system."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Literal

from assistant.errors import KnowledgeBaseError
from assistant.retrieval.embedding import Embedder
from assistant.settings import Settings
from assistant.wiring import build_assistant, open_catalog, run_ingest
from evals.dataset import Case
from evals.running import CaseResult, RunResult, System, run_cases

SystemName = Literal["deal", "baseline"]
SYSTEM_LABELS: dict[str, str] = {"deal": "Deal Assistant", "baseline": "LangChain tutorial baseline"}


@dataclass(frozen=True)
class Target:
    """A knowledge-base version to evaluate, the settings that reach it, and the folder it was built from."""

    settings: Settings
    version: str
    knowledge_root: Path  # what the peer baseline indexes
    label: str
    known_sources: frozenset[str] | None = None  # sources a citation may name; None: not checked


def version_target(settings: Settings, version: str, label: str | None = None) -> Target:
    """An ingested version ("live", "staged" or a name such as v0003); KnowledgeBaseError if it is missing."""
    catalog = open_catalog(settings, version)
    try:
        info = catalog.info()
        sources = frozenset(catalog.files())
    finally:
        catalog.close()
    root = Path(info["source_root"]) if info.get("source_root") else settings.knowledge_dir
    name = info.get("name")
    default_label = f"{version} ({name})" if name and name != version else version
    return Target(settings, version, root, label or default_label, sources)


@contextmanager
def folder_target(settings: Settings, root: Path, embedder: Embedder) -> Iterator[Target]:
    """Ingest `root` into a temporary data dir (embedded Chroma) and yield it as live; removed afterwards."""
    if not root.is_dir():
        raise KnowledgeBaseError(f"{root}: not a folder of knowledge documents")
    with TemporaryDirectory(prefix="deal-eval-kb-") as scratch_dir:
        scratch = settings.model_copy(
            update={"data_dir": Path(scratch_dir), "knowledge_dir": root, "chroma_url": None}
        )
        run_ingest(scratch, root, load_embedder=lambda: embedder)
        yield version_target(scratch, "live", label=f"{root} (fresh ingest)")


@contextmanager
def open_system(target: Target, name: SystemName, embedder: Embedder) -> Iterator[System]:
    """Deal Assistant's core for the target's version, or the tutorial baseline over its folder."""
    if name == "baseline":
        # Imported here so the CLI starts without loading LangChain's splitter and Chroma wrapper.
        from evals.baseline import tutorial_baseline

        with tutorial_baseline(target.knowledge_root, embedder) as baseline:
            yield baseline
    else:
        yield build_assistant(target.settings, version=target.version, embedder=embedder)


def evaluate(
    target: Target,
    name: SystemName,
    cases: Sequence[Case],
    *,
    dataset: str,
    embedder: Embedder,
    on_case: Callable[[CaseResult], None] | None = None,
) -> RunResult:
    """Run every case through one system against one knowledge base."""
    with open_system(target, name, embedder) as system:
        return run_cases(
            system,
            cases,
            system_name=name,
            kb=target.label,
            dataset=dataset,
            known_sources=set(target.known_sources) if target.known_sources is not None else None,
            on_case=on_case,
        )
