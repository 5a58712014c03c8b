"""Approved entries reach the live knowledge base only through the gate, and concurrent approvals, a
person's edit and an ingest lose nothing."""

from __future__ import annotations

import csv
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.library import AnswerLibrary, Approval, EntrySource
from assistant.retrieval.embedding import Embedder
from assistant.settings import Settings
from assistant.wiring import open_version_catalog, run_ingest
from tests.conftest import make_settings
from tests.library_fixtures import knowledge_copy, library_for

QUESTION = "Do you offer a dedicated onboarding manager for new programs?"
ANSWER = "Yes. Every new program gets a named onboarding manager for its first 90 days, then an account lead."


def _approval(n: int, *, question: str = QUESTION, answer: str = ANSWER) -> Approval:
    return Approval(
        question=question,
        answer=answer,
        approved_by="U0ALICE",
        origin="slack",
        origin_ref=f"answer:{n}",
        sources=[EntrySource(source="offerings/ccm-platform.md")],
    )


@pytest.fixture
def settings(tmp_path: Path, embedder: Embedder) -> Settings:
    settings = make_settings(
        tmp_path / "data", knowledge_copy(tmp_path), library_db=tmp_path / "library.sqlite3"
    )
    assert not run_ingest(settings, load_embedder=lambda: embedder).failed
    return settings


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_an_approved_entry_is_staged_by_ingest_and_live_only_after_the_gated_promote(
    settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = library_for(settings)
    approved = library.approve(_approval(1))
    assert approved.entry.file == "rfp-answers/approved.csv"
    assert [p.stage for p in library.pending()] == ["in the knowledge folder"]

    report = run_ingest(settings, stage=True, load_embedder=lambda: embedder)
    assert report.staged and not report.failed
    staged, live = open_version_catalog(settings, "staged"), open_version_catalog(settings, "live")
    assert staged is not None and live is not None
    assert "rfp-answers/approved.csv" in staged.files() and "rfp-answers/approved.csv" not in live.files()
    staged.close()
    live.close()
    assert [p.stage for p in library.pending()] == ["staged"], "staged, not live, until promoted"

    for name, value in {
        "DEAL_DATA_DIR": settings.data_dir,
        "DEAL_KNOWLEDGE_DIR": settings.knowledge_dir,
        "DEAL_LIBRARY_DB": settings.library_path(),
    }.items():
        monkeypatch.setenv(name, str(value))
    result = CliRunner().invoke(app, ["kb", "promote"])
    assert result.exit_code == 0, result.output  # the eval gate ran and passed
    assert library.pending() == []
    pending = CliRunner().invoke(app, ["library", "pending"])
    assert "Nothing waiting" in pending.output


def test_concurrent_approvals_a_persons_edit_and_an_ingest_lose_nothing(
    settings: Settings, embedder: Embedder
) -> None:
    library = library_for(settings)
    library.approve(_approval(0))
    path = settings.knowledge_dir / "rfp-answers/approved.csv"
    # a person fixes a typo in the file by hand, while approvals keep coming
    person_edit = "Yes. Every new program gets a named onboarding manager for its first 90 days."
    text = path.read_text(encoding="utf-8").replace(ANSWER, person_edit)

    def approve(n: int) -> None:
        library_for(settings).approve(_approval(n, question=f"Question number {n} about onboarding?"))

    threads = [threading.Thread(target=approve, args=(n,)) for n in range(1, 13)]
    ingest = threading.Thread(target=lambda: run_ingest(settings, stage=True, load_embedder=lambda: embedder))
    for t in threads[:6]:
        t.start()
    ingest.start()
    path.write_text(text, encoding="utf-8")
    for t in threads[6:]:
        t.start()
    for t in [*threads, ingest]:
        t.join()

    library.write_pending()  # an approval whose row the person's save overwrote is written again
    rows = _rows(path)
    assert len(rows) == 13 and len({r["entry_id"] for r in rows}) == 13
    assert person_edit in {r["answer"] for r in rows}, "the person's edit is kept"
    assert all(e.file for e in library.store.entries())

    assert run_ingest(settings, stage=True, load_embedder=lambda: embedder).staged
    assert {p.stage for p in library.pending()} == {"staged"}
    assert len(library.pending()) == 13


def test_an_answer_for_a_client_that_names_it_goes_to_that_clients_own_file(settings: Settings) -> None:
    library: AnswerLibrary = library_for(settings)
    approval = _approval(1, answer="For Harbor Mutual we run onboarding with a named manager for 90 days.")
    entry = library.approve(approval.model_copy(update={"written_for": "Harbor Mutual"})).entry
    assert entry.client == "Harbor Mutual" and entry.file == "rfp-answers/approved-harbor-mutual.csv"
    sidecar = (settings.knowledge_dir / "rfp-answers/approved-harbor-mutual.csv.meta.yaml").read_text()
    assert "client: Harbor Mutual" in sidecar
    generic = library.approve(_approval(2).model_copy(update={"written_for": "Harbor Mutual"})).entry
    assert generic.client is None and generic.file == "rfp-answers/approved.csv"
