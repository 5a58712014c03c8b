"""The knowledge-base commands as a user runs them: ingest, status, promote behind the eval gate, rollback."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.gate_records import gate_record_path, load_gate_record
from assistant.wiring import open_catalog, open_registry
from tests.conftest import KNOWLEDGE, make_settings

runner = CliRunner()


def invoke(data_dir: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"DEAL_DATA_DIR": str(data_dir)})
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def live_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("cli-data")
    code, out = invoke(data_dir, "ingest", str(KNOWLEDGE))
    assert code == 0, out
    return data_dir


def test_status_lists_versions_and_overdue_documents_by_owner(live_demo: Path) -> None:
    code, out = invoke(live_demo, "kb", "status")
    assert code == 0
    assert "v0001" in out and "live" in out
    # What the live version's own metadata says is past review today, each line under its owner.
    catalog = open_catalog(make_settings(live_demo))
    try:
        dated = [(r.source, r.meta) for r in catalog.files().values() if r.meta.get("review_by")]
    finally:
        catalog.close()
    overdue = [(s, m) for s, m in dated if dt.date.fromisoformat(str(m["review_by"])) < dt.date.today()]
    current = [s for s, m in dated if (s, m) not in overdue]
    assert overdue and current, "the knowledge base has documents on both sides of their review date"
    expected: dict[str, list[str]] = {}
    for source, meta in overdue:
        owner = str(meta.get("owner") or "(no owner)")
        expected.setdefault(owner, []).append(f"{source} (review by {meta['review_by']})")
    # Exactly these: a document still within its review date is not listed.
    assert overdue_listing(out) == {owner: sorted(lines) for owner, lines in expected.items()}, out


def overdue_listing(out: str) -> dict[str, list[str]]:
    """The status output's "Past their review date" list: owner -> its lines, as shown."""
    listed: dict[str, list[str]] = {}
    owner = ""
    for line in out.split("Past their review date", 1)[1].splitlines()[1:]:
        if line.startswith("    - "):
            listed[owner].append(line.removeprefix("    - "))
        elif line.startswith("  ") and line.endswith(":"):
            owner = line.strip().removesuffix(":")
            listed[owner] = []
        else:
            break
    return listed


def test_ingest_with_a_failed_file_exits_non_zero_and_names_it(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    (root / "offerings").mkdir(parents=True)
    (root / "offerings" / "ok.md").write_text("# OK\n\nMail leaves at noon.\n")
    (root / "offerings" / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    code, out = invoke(tmp_path / "data", "ingest", str(root))
    assert code == 1
    assert "offerings/broken.pdf" in out
    assert open_registry(make_settings(tmp_path / "data")).state().live == "v0001"


def test_promote_refuses_a_candidate_that_fails_the_gate_unless_forced(
    live_demo: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(live_demo, data_dir)
    poor = tmp_path / "poor"
    shutil.copytree(KNOWLEDGE / "rfp-answers", poor / "rfp-answers")  # offerings and SOWs missing
    code, out = invoke(data_dir, "ingest", "--stage", str(poor))
    assert code == 0, out
    registry = open_registry(make_settings(data_dir))
    live_before = registry.state().live

    code, out = invoke(data_dir, "kb", "promote")
    assert code == 1
    assert "eval gate failed" in out
    assert registry.state().live == live_before
    record = load_gate_record(gate_record_path(data_dir))  # what the Slack Home tab shows
    assert record is not None and not record.passed and record.failed
    assert record.candidate == registry.state().staged

    code, out = invoke(data_dir, "kb", "promote", "--force")
    assert code == 0, out
    assert registry.state().live != live_before
    code, out = invoke(data_dir, "kb", "rollback")
    assert code == 0 and registry.state().live == live_before


def test_promote_with_nothing_staged_is_one_clear_line(tmp_path: Path) -> None:
    code, out = invoke(tmp_path / "data", "kb", "promote")
    assert code == 1
    assert "nothing staged to promote" in out
