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
from typing import TYPE_CHECKING, Any

from assistant.retrieval.catalog import Catalog
from assistant.retrieval.embedding import Embedder
from assistant.retrieval.store import ChromaConnection
from assistant.retrieval.versions import Registry
from assistant.settings import Settings
from assistant.sizes import KIB, mib_bytes
from assistant.tuning import Tuning

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.answering.core import Assistant
    from assistant.deals.policy import DealPolicy
    from assistant.library import AnswerLibrary
    from assistant.sow_review import Reviewer
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
    from ingest.limits import IngestLimits
    from ingest.pipeline import build_version

    limits = IngestLimits(  # the per-file budgets of the DEAL_MAX_* / DEAL_INGEST_* settings
        max_file_bytes=mib_bytes(settings.max_file_mb),
        max_rows=settings.max_rows,
        max_columns=settings.max_columns,
        max_chunks=settings.max_chunks,
        max_meta_bytes=int(settings.max_meta_kb * KIB),
        max_expanded_bytes=mib_bytes(settings.max_expanded_mb),
        max_expansion_ratio=int(settings.max_expansion_ratio),
        worker_memory_bytes=mib_bytes(settings.ingest_worker_mb),
        file_seconds=settings.ingest_file_seconds,
    )
    return build_version(
        root or settings.knowledge_dir,
        registry=open_registry(settings),
        chroma=open_chroma(settings),
        load_embedder=load_embedder,
        stage=stage,
        keep_versions=settings.keep_versions,
        progress=progress,
        limits=limits,
    )


def load_chat_model(settings: Settings) -> BaseChatModel:
    """The configured chat model (DEAL_LLM as "provider:model", via init_chat_model), bounded by the limits.

    A configured base URL and key are passed explicitly, so a provider variable in the environment
    (OPENAI_BASE_URL, OPENAI_API_KEY) can neither redirect the calls nor send its key to the endpoint.
    """
    from langchain.chat_models import init_chat_model

    from assistant.answering.chat_model import redact
    from assistant.errors import ConfigError

    spec = settings.llm or ""
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    try:
        model = init_chat_model(spec, **_endpoint_params(settings, spec, key))
    except Exception as e:  # missing provider package, unknown provider, missing key
        reason = (redact(str(e), key or "").strip().splitlines() or [type(e).__name__])[0]
        raise ConfigError(f"cannot load chat model DEAL_LLM={spec!r}: {reason}") from None
    return bound_chat_model(model, settings)


def _endpoint_params(settings: Settings, spec: str, key: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"temperature": 0}
    if spec.startswith("ollama:"):
        # ChatOllama names its limit num_predict and takes no key; the timeout is BoundedChatModel's.
        params["num_predict"] = settings.llm_max_tokens
        if settings.llm_base_url:
            params["base_url"] = settings.llm_base_url
        return params
    # max_retries=0: BoundedChatModel does the retrying, so one setting counts them.
    params.update(timeout=settings.llm_timeout, max_tokens=settings.llm_max_tokens, max_retries=0)
    if settings.llm_base_url:
        params["base_url"] = settings.llm_base_url
        params["api_key"] = key or "not-set"  # never the provider's key from the environment
        # ChatOpenAI sends the limit as OpenAI's newer `max_completion_tokens`, which llama.cpp's server
        # ignores: a reply then runs to the context size, and the server keeps generating after our
        # timeout, so every later call waits behind it. Compatible servers read `max_tokens`: send both.
        params["extra_body"] = {"max_tokens": settings.llm_max_tokens}
    elif key:
        params["api_key"] = key
    return params


def bound_chat_model(model: BaseChatModel, settings: Settings) -> BaseChatModel:
    """`model` limited by DEAL_LLM_TIMEOUT, DEAL_LLM_RETRIES and DEAL_LLM_CONCURRENCY."""
    from assistant.answering.chat_model import bounded

    retries, concurrency = settings.llm_retries, settings.llm_concurrency
    return bounded(model, timeout=settings.llm_timeout, retries=retries, concurrency=concurrency)


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
    from assistant.answering.core import Assistant
    from assistant.retrieval.retriever import Retriever
    from assistant.retrieval.versions import VersionSource

    registry = open_registry(settings)
    chroma = open_chroma(settings)
    if chat_model is None and settings.llm:
        chat_model = load_chat_model(settings)
    elif chat_model is not None:
        chat_model = bound_chat_model(chat_model, settings)
    source = VersionSource(registry, chroma, version)
    tuning = tuning or Tuning(candidates=max(Tuning.candidates, settings.top_k * 4))
    retriever = Retriever(embedder or shared_embedder(), source, tuning=tuning)
    return Assistant(retriever, clock=clock, chat_model=chat_model, top_k=settings.top_k, tuning=tuning)


def open_version_catalog(settings: Settings, version: str) -> Catalog | None:
    """Read-only catalog of a version, or None when there is no such version (nothing staged, say)."""
    from assistant.errors import KnowledgeBaseError

    try:
        return open_catalog(settings, version)
    except KnowledgeBaseError:
        return None


def build_library(settings: Settings) -> AnswerLibrary:
    """The answer library over the configured store and knowledge folder."""
    from assistant.library import AnswerLibrary, LibraryStore

    return AnswerLibrary(
        LibraryStore(settings.library_path()),
        settings.knowledge_dir,
        lambda version: open_version_catalog(settings, version),
    )


def open_catalog(settings: Settings, version: str = "live") -> Catalog:
    """Read-only catalog of a version (for status and reports)."""
    return Catalog(open_registry(settings).resolve(version).catalog, readonly=True)


def deal_policy(settings: Settings) -> DealPolicy:
    """The deal desk's thresholds from DEAL_BUSINESS_CASE_THRESHOLD, DEAL_MARGIN_FLOOR and the others."""
    from assistant.deals.policy import DealPolicy

    return DealPolicy(
        business_case_threshold=settings.business_case_threshold,
        retention_floor=settings.retention_floor,
        margin_floor=settings.margin_floor,
        payback_limit_months=settings.payback_limit_months,
        concentration_limit=settings.concentration_limit,
        sla_gp_share_limit=settings.sla_gp_share_limit,
    )


def build_sow_reviewer(
    settings: Settings,
    *,
    version: str = "live",
    playbook_dir: Path | None = None,
    embedder: Embedder | None = None,
) -> Reviewer:
    """A SOW Reviewer: the playbook and past SOWs of a knowledge-base version (or a playbook folder given).

    Without an ingested version (and with `playbook_dir`), it reviews without history.
    """
    from assistant.errors import KnowledgeBaseError
    from assistant.sow_review import Reviewer, load_playbook, playbook_from_catalog, sow_chunks

    try:
        catalog: Catalog | None = open_catalog(settings, version)
    except KnowledgeBaseError:
        if playbook_dir is None:
            raise
        catalog = None
    try:
        playbook = load_playbook([playbook_dir]) if playbook_dir else playbook_from_catalog(catalog)
        past = sow_chunks(catalog) if catalog is not None else {}
    finally:
        if catalog is not None:
            catalog.close()
    return Reviewer(playbook, embedder or shared_embedder(), past_sows=past)
