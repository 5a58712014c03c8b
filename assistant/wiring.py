"""The one place objects are assembled: embedder -> store -> retriever -> assistant, and ingest runs.

Entry points (CLI, bot, evals, benchmarks) call these with the Settings they built; nothing below this
module reads configuration.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.catalog import Catalog
from assistant.embedding import Embedder
from assistant.settings import Settings
from assistant.store import ChromaConnection
from assistant.tuning import Tuning
from assistant.versions import Registry

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.answering import Assistant
    from ingest.pipeline import IngestReport, Progress

log = logging.getLogger(__name__)


@functools.cache
def shared_embedder() -> Embedder:
    """The embedding model, loaded once per process."""
    return Embedder.load()


def open_registry(settings: Settings) -> Registry:
    return Registry(settings.data_dir, settings.collection_prefix)


def open_chroma(settings: Settings) -> ChromaConnection:
    return ChromaConnection.open(settings.data_dir, settings.chroma_url)


def run_ingest(
    settings: Settings,
    root: Path | None = None,
    *,
    stage: bool = False,
    progress: Progress | None = None,
    load_embedder: Callable[[], Embedder] = shared_embedder,
) -> IngestReport:
    """Ingest a knowledge folder (default: the configured one) into a new live or staged version."""
    from ingest.pipeline import build_version

    return build_version(
        root or settings.knowledge_dir,
        registry=open_registry(settings),
        chroma=open_chroma(settings),
        load_embedder=load_embedder,
        stage=stage,
        keep_versions=settings.keep_versions,
        progress=progress,
    )


def load_chat_model(spec: str) -> BaseChatModel:
    """Any LangChain chat model by "provider:model" (e.g. openai:gpt-4.1-mini), via init_chat_model."""
    from langchain.chat_models import init_chat_model

    from assistant.errors import ConfigError

    try:
        return init_chat_model(spec, temperature=0)
    except Exception as e:  # missing provider package, unknown provider, missing key
        raise ConfigError(f"cannot load chat model DEAL_LLM={spec!r}: {e}") from e


def build_assistant(
    settings: Settings,
    *,
    version: str = "live",
    clock: Callable[[], dt.date] = dt.date.today,
    chat_model: BaseChatModel | None = None,
    embedder: Embedder | None = None,
    tuning: Tuning | None = None,
) -> Assistant:
    """An Assistant over one knowledge-base version ("live", "staged" or a name such as v0003).

    With version "live" the assistant follows promotions and rollbacks without a restart.
    """
    from assistant.answering import Assistant
    from assistant.retrieval import Retriever, VersionSource

    registry = open_registry(settings)
    chroma = open_chroma(settings)
    if chat_model is None and settings.llm:
        chat_model = load_chat_model(settings.llm)
    source = VersionSource(registry, chroma, version)
    tuning = tuning or Tuning(candidates=max(Tuning.candidates, settings.top_k * 4))
    retriever = Retriever(embedder or shared_embedder(), source, tuning=tuning)
    return Assistant(retriever, clock=clock, chat_model=chat_model, top_k=settings.top_k, tuning=tuning)


def open_catalog(settings: Settings, version: str = "live") -> Catalog:
    """Read-only catalog of a version (for status and reports)."""
    return Catalog(open_registry(settings).resolve(version).catalog, readonly=True)
