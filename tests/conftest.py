"""Shared fixtures: a clean environment, the real embedding model, the demo knowledge base ingested once."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answering.core import Assistant
from assistant.models import Chunk, Confidentiality, DocType, DocumentMeta, ScoredChunk
from assistant.retrieval.embedding import Embedder
from assistant.settings import Settings
from assistant.wiring import build_assistant, run_ingest, shared_embedder
from tests.fakeslack import BotHarness, FakeSlack

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
TODAY = dt.date(2026, 11, 29)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's DEAL_* or SLACK_* variables."""
    for name in list(os.environ):
        if name.startswith(("DEAL_", "SLACK_")):
            monkeypatch.delenv(name)


def make_settings(data_dir: Path, knowledge_dir: Path = KNOWLEDGE, **overrides: object) -> Settings:
    """Settings that ignore ./.env and the environment's DEAL_ variables."""
    return Settings(_env_file=None, data_dir=data_dir, knowledge_dir=knowledge_dir, **overrides)  # type: ignore[call-arg]


def offering_chunk(source: str, text: str, kind: str = "prose", position: int = 0) -> ScoredChunk:
    """One retrieved chunk of a public offering sheet (titled by its path), built by hand."""
    chunk = Chunk(
        id=f"{source}#{position}",
        source=source,
        doc_type=DocType.OFFERING,
        position=position,
        text=text,
        kind=kind,
        meta=DocumentMeta(title=source, confidentiality=Confidentiality.PUBLIC),
    )
    return ScoredChunk(chunk=chunk, score=0.6, similarity=0.6)


def write_markdown(root: Path, rel: str, front: str, body: str) -> None:
    """A Markdown document of a test's knowledge base at `root`/`rel`, its front matter `front` (YAML)."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front.rstrip()}\n---\n{body}\n", encoding="utf-8")


def assistant_over(
    root: Path, tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, name: str = "kb-data"
) -> Assistant:
    """An assistant over a small knowledge base written by a test: `root` ingested as the live version
    (every file must ingest), the clock pinned to TODAY."""
    settings = make_settings(tmp_path_factory.mktemp(name), root)
    report = run_ingest(settings, root, load_embedder=lambda: embedder)
    assert not report.failed, report.failed
    return build_assistant(settings, clock=lambda: TODAY, embedder=embedder)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return shared_embedder()


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """Settings whose data_dir holds the demo knowledge/ ingested as the live version (read-only use)."""
    settings = make_settings(tmp_path_factory.mktemp("demo-data"))
    report = run_ingest(settings, load_embedder=lambda: embedder)
    assert not report.failed, report.failed
    return settings


@pytest.fixture(scope="session")
def demo_assistant(demo_settings: Settings, embedder: Embedder) -> Assistant:
    return build_assistant(demo_settings, clock=lambda: TODAY, embedder=embedder)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """A fake Slack Web API on a loopback port; fails the test if the bot called a method it does not know."""
    with FakeSlack() as slack:
        yield slack
        assert slack.unexpected() == [], "the bot called Web API methods the fake does not know"


@pytest.fixture
def harness(
    fake: FakeSlack, demo_settings: Settings, demo_assistant: Assistant, tmp_path: Path
) -> Iterator[BotHarness]:
    """The bot over the demo knowledge base with its own feedback store (test files with other settings
    define their own `harness`)."""
    settings = demo_settings.model_copy(update={"feedback_db": tmp_path / "feedback.sqlite3"})
    h = BotHarness(fake, settings, demo_assistant)
    yield h
    h.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"
