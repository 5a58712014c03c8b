"""Library health: `library lint` finds a conflict, an outdated value, stale, ownerless and uncheckable
rows against a real ingested version, shows usage, and exits non-zero on conflicts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.library import UsageEvent, check_library
from assistant.retrieval.embedding import Embedder
from assistant.settings import Settings
from assistant.wiring import open_version_catalog, run_ingest
from tests.conftest import make_settings

SLA = """---
title: Compose Platform Service Levels
offering: compose
confidentiality: public
effective_date: 2026-03-01
owner: Victor Alvarez
---
# Availability

We commit to 99.95% uptime for the Compose platform, measured monthly.
"""

LIBRARY = "\n".join(
    [
        "question,answer,tags,last_reviewed,owner",
        "What uptime SLA do you commit for the Compose platform?,"
        '"We commit to 99.9% uptime for the Compose platform, measured monthly.",sla,2025-01-10,Lena Park',
        "What is the uptime SLA you commit to for the Compose platform?,"
        '"We commit to 99.5% availability on Compose, with service credits.",sla,2026-10-01,Priya Raman',
        "Do you sign business associate agreements?,Yes.,hipaa,2026-10-01,Lena Park",
        "Where are your print centers?,"
        '"Our print centers are in Harrisburg and Charlotte, with failover between them.",,2026-10-01,',
    ]
)
TODAY = dt.date(2026, 11, 29)


@pytest.fixture
def settings(tmp_path: Path, embedder: Embedder) -> Settings:
    knowledge = tmp_path / "knowledge"
    (knowledge / "offerings").mkdir(parents=True)
    (knowledge / "rfp-answers").mkdir()
    (knowledge / "offerings/compose-sla.md").write_text(SLA, encoding="utf-8")
    (knowledge / "rfp-answers/library.csv").write_text(LIBRARY, encoding="utf-8")
    (knowledge / "rfp-answers/library.csv.meta.yaml").write_text(
        "title: Answer library\nconfidentiality: internal\neffective_date: 2025-01-01\n", encoding="utf-8"
    )
    settings = make_settings(tmp_path / "data", knowledge, library_db=tmp_path / "library.sqlite3")
    assert not run_ingest(settings, load_embedder=lambda: embedder).failed
    return settings


def test_lint_finds_the_conflict_the_outdated_value_and_the_stale_ownerless_and_uncheckable_rows(
    settings: Settings, embedder: Embedder
) -> None:
    catalog = open_version_catalog(settings, "live")
    cited = catalog.chunk_ids_of(["rfp-answers/library.csv"]) if catalog else []
    events = [
        UsageEvent("cited", "rfp-answers/library.csv", cited[0]),
        UsageEvent("up", "rfp-answers/library.csv", cited[0]),
    ]
    report = check_library(settings.knowledge_dir, embedder, catalog, events, today=TODAY, max_age_days=365)
    kinds = {(f.kind, f.rows[0].where) for f in report.findings}

    assert ("conflict", "row 2") in kinds, "two ways of asking the uptime question, two different answers"
    [outdated] = [f for f in report.findings if f.kind == "outdated" and f.rows[0].where == "row 2"]
    assert "99.9%" in outdated.detail and "99.95%" in outdated.detail and "compose-sla.md" in outdated.detail
    assert ("stale", "row 2") in kinds and ("stale", "row 3") not in kinds, "reviewed 2025-01-10: over a year"
    assert ("no owner", "row 5") in kinds
    assert ("uncheckable", "row 4") in kinds, '"Yes." is too short to be checked'
    assert ("uncheckable", "row 5") not in kinds, "names places: checkable"
    assert set(report.by_owner()) == {"Lena Park", "Priya Raman", "(no owner)"}
    assert report.usage is not None
    [(most, counts)] = report.usage.most_used(report.rows, 5)
    assert most.where == "row 2" and counts["cited"] == 1 and counts["up"] == 1
    assert len(report.usage.never_used(report.rows)) == 3


def test_library_lint_command_prints_the_digest_per_owner_and_exits_non_zero_on_conflicts(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "DEAL_DATA_DIR": settings.data_dir,
        "DEAL_KNOWLEDGE_DIR": settings.knowledge_dir,
        "DEAL_LIBRARY_DB": settings.library_path(),
    }.items():
        monkeypatch.setenv(name, str(value))
    result = CliRunner().invoke(app, ["library", "lint"])
    assert result.exit_code == 1, result.output
    assert "Lena Park:" in result.output and "- conflict:" in result.output and "Never used:" in result.output
    status = CliRunner().invoke(app, ["kb", "status"])
    assert "Answer library" in status.output and "- outdated:" in status.output
