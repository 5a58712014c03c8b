"""Knowledge-base versions: staged builds, promote, rollback, crash safety, reopening, and server mode."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.errors import KnowledgeBaseError
from assistant.models import Request, Status
from assistant.retrieval.embedding import Embedder
from assistant.wiring import build_assistant, open_registry, run_ingest
from evals.bench.chroma_server import chroma_server as run_chroma_server
from tests.conftest import TODAY, make_settings

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
INTERRUPTED_INGEST_CHILD = ROOT / "tests" / "interrupted_ingest_child.py"


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def small_kb(root: Path, cutoff: str = "2:00 p.m. ET") -> Path:
    write(
        root,
        "offerings/mail.md",
        f"# Mail Service\n\n## Cut-off\nFiles received by {cutoff} mail the same day.\n",
    )
    write(
        root,
        "rfp-answers/library.csv",
        "Question,Answer\nDo you sign BAAs?,Yes. We sign HIPAA business associate agreements.\n",
    )
    return root


def ask(settings, embedder: Embedder, question: str, version: str = "live") -> str:  # type: ignore[no-untyped-def]
    assistant = build_assistant(settings, version=version, clock=lambda: TODAY, embedder=embedder)
    return assistant.ask(Request(question=question)).answer


def test_staged_build_leaves_live_untouched_until_promoted_and_rollback_returns(
    tmp_path: Path, embedder: Embedder
) -> None:
    root = small_kb(tmp_path / "kb")
    settings = make_settings(tmp_path / "data", root)
    run_ingest(settings, load_embedder=lambda: embedder)
    small_kb(root, cutoff="4:30 p.m. ET")
    staged = run_ingest(settings, stage=True, load_embedder=lambda: embedder)
    registry = open_registry(settings)
    state = registry.state()
    assert state.staged == staged.version and state.live != staged.version

    question = "what is the same day mail cut-off?"
    assert "2:00 p.m." in ask(settings, embedder, question)
    assert "4:30 p.m." in ask(settings, embedder, question, version="staged")
    live = build_assistant(settings, clock=lambda: TODAY, embedder=embedder)  # follows promotions

    registry.promote()
    assert "4:30 p.m." in live.ask(Request(question=question)).answer
    registry.rollback()
    assert "2:00 p.m." in live.ask(Request(question=question)).answer
    with pytest.raises(KnowledgeBaseError, match="nothing staged"):
        registry.promote()


def test_unknown_version_and_empty_data_dir_are_clear_errors(tmp_path: Path, embedder: Embedder) -> None:
    settings = make_settings(tmp_path / "data", tmp_path / "kb")
    with pytest.raises(KnowledgeBaseError, match="run `deal-assistant ingest`"):
        build_assistant(settings, embedder=embedder).ask(Request(question="anything?"))
    with pytest.raises(KnowledgeBaseError, match="unknown knowledge-base version 'v0042'"):
        open_registry(settings).resolve("v0042")


def test_reopened_store_answers_the_same(tmp_path: Path, embedder: Embedder) -> None:
    root = small_kb(tmp_path / "kb")
    settings = make_settings(tmp_path / "data", root)
    run_ingest(settings, load_embedder=lambda: embedder)
    first = ask(settings, embedder, "do you sign business associate agreements")
    # a new process-level view of the same folder: nothing cached survives except what is on disk
    again = subprocess.run(
        [str(VENV_BIN / "deal-assistant"), "ask", "do you sign business associate agreements", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "DEAL_DATA_DIR": str(settings.data_dir)},
        cwd=tmp_path,
        check=True,
    )
    assert first and first.split(" [")[0] in again.stdout


def _big_tree(root: Path) -> Path:
    small_kb(root)
    paragraphs = "\n\n".join(
        f"Section {i} describes insert number {i} for envelope stock {i * 7} with barcode {i * 13}."
        for i in range(1500)
    )
    write(root, "offerings/huge.md", f"# Huge\n\n{paragraphs}\n")
    return root


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_ingest_leaves_live_version_exactly_as_it_was(
    tmp_path: Path, embedder: Embedder, sig: signal.Signals
) -> None:
    root = small_kb(tmp_path / "kb")
    settings = make_settings(tmp_path / "data", root)
    run_ingest(settings, load_embedder=lambda: embedder)
    registry = open_registry(settings)
    registry_before = (registry.root / "registry.json").read_bytes()
    live = registry.resolve("live")
    catalog_before = live.catalog.read_bytes()

    _big_tree(root)
    ready = tmp_path / "first-batch-embedded"
    proc = subprocess.Popen(
        [sys.executable, str(INTERRUPTED_INGEST_CHILD), str(settings.data_dir), str(root), str(ready)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not ready.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready.exists(), "the ingest never embedded its first batch"
    assert list(registry.root.glob(".building-*")), "no version was being built"
    proc.send_signal(sig)
    assert proc.wait(timeout=60) != 0  # the child never finishes on its own: it was stopped mid-build

    assert (registry.root / "registry.json").read_bytes() == registry_before
    assert live.catalog.read_bytes() == catalog_before
    assert "2:00 p.m." in ask(settings, embedder, "what is the same day mail cut-off?")
    # the next run cleans up the half-built version and completes
    report = run_ingest(settings, load_embedder=lambda: embedder)
    assert report.version and not list(registry.root.glob(".building-*"))


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    with run_chroma_server(tmp_path / "server") as url:
        yield url


def test_server_mode_ingests_and_answers_through_a_real_chroma_server(
    tmp_path: Path, embedder: Embedder, chroma_server: str
) -> None:
    root = small_kb(tmp_path / "kb")
    settings = make_settings(tmp_path / "data", root, chroma_url=chroma_server)
    report = run_ingest(settings, load_embedder=lambda: embedder)
    assert report.count("added") == 2
    assert not (settings.data_dir / "chroma").exists()  # vectors live on the server
    answer = build_assistant(settings, clock=lambda: TODAY, embedder=embedder).ask(
        Request(question="do you sign business associate agreements")
    )
    assert answer.status is Status.ANSWERED
    assert "HIPAA business associate agreements" in answer.answer
    again = run_ingest(settings, load_embedder=lambda: embedder)
    assert again.chunks_embedded == 0
