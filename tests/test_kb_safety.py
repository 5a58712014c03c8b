"""Knowledge-base safety through the CLI: a lost registry, rollback retention, promote by name, faults."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.wiring import open_chroma, open_registry
from tests.conftest import make_settings

runner = CliRunner()


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def small_kb(root: Path, cutoff: str = "2:00 p.m. ET", pricing: str = "$0.42") -> Path:
    write(
        root,
        "offerings/mail.md",
        f"# Mail Service\n\n## Cut-off\nFiles received by {cutoff} mail the same day.\n",
    )
    write(root, "offerings/print.md", f"# Print Service\n\n## Pricing\nPrinting costs {pricing} per page.\n")
    write(
        root,
        "rfp-answers/library.csv",
        "Question,Answer\nDo you sign BAAs?,Yes. We sign HIPAA business associate agreements.\n",
    )
    return root


def dataset(path: Path, cutoff: str, copies: int = 1) -> Path:
    """An eval set for small_kb: the cut-off must read `cutoff`; one question the kb cannot answer."""
    cases = [
        {
            "question": "what is the same day mail cut-off?",
            "expected_sources": ["offerings/mail.md"],
            "must_include": [cutoff],
        },
        {
            "question": "do you sign business associate agreements",
            "expected_sources": ["rfp-answers/library.csv"],
            "must_include": ["HIPAA"],
        },
        {
            "question": "what is the airline's baggage allowance on transatlantic flights?",
            "kind": "unanswerable",
        },
    ]
    lines = [json.dumps({"id": f"c{n}-{i}", **case}) for n in range(copies) for i, case in enumerate(cases)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(data_dir: Path, *args: str) -> tuple[int, str]:
    """Run the CLI; a raw traceback (any exception other than an exit) fails the test."""
    result = runner.invoke(app, list(args), env={"DEAL_DATA_DIR": str(data_dir)})
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"raw exception from {args}: {result.exception!r}\n{result.output}"
    )
    return result.exit_code, result.output


def one_error_line(out: str) -> str:
    # the ingest progress bar may come first; the failure itself must be a single line
    lines = [line for line in out.splitlines() if line.strip() and not line.startswith("embedding ")]
    assert len(lines) == 1, out
    assert lines[0].startswith("error:"), out
    return lines[0]


def two_versions(tmp_path: Path) -> tuple[Path, Path]:
    """A data dir with v0001 (cut-off 2:00) and v0002 (cut-off 4:30, live)."""
    root, data = small_kb(tmp_path / "kb"), tmp_path / "data"
    assert run(data, "ingest", str(root))[0] == 0
    small_kb(root, cutoff="4:30 p.m. ET")
    assert run(data, "ingest", str(root))[0] == 0
    return root, data


# ---- 8: a missing, empty or unreadable registry ---------------------------------------------------


@pytest.mark.parametrize("broken", [None, "{}", "{not json"], ids=["missing", "empty", "corrupt"])
def test_lost_registry_stops_ingest_from_deleting_versions_and_repair_restores_it(
    tmp_path: Path, broken: str | None
) -> None:
    root, data = two_versions(tmp_path)
    registry_file = data / "kb" / "registry.json"
    if broken is None:
        registry_file.unlink()
    else:
        registry_file.write_text(broken)

    code, out = run(data, "kb", "status")
    assert code == 1 and "kb repair" in one_error_line(out)
    small_kb(root, cutoff="5:00 p.m. ET")
    code, out = run(data, "ingest", str(root))
    assert code == 1 and "kb repair" in one_error_line(out)
    assert (data / "kb" / "v0001").is_dir() and (data / "kb" / "v0002").is_dir()
    settings = make_settings(data)
    assert {"deal_kb_v0001", "deal_kb_v0002"} <= set(open_chroma(settings).names())

    code, out = run(data, "kb", "repair")
    assert code == 0, out
    assert "live: v0002" in out and "history (for rollback): v0001" in out
    if broken == "{not json":
        assert (data / "kb" / "registry.json.unreadable").read_text() == broken
    state = open_registry(settings).state()
    assert state.live == "v0002" and state.history == ["v0001"]
    code, out = run(data, "ask", "what is the same day mail cut-off?")
    assert code == 0 and "4:30" in out
    code, out = run(data, "ingest", str(root))
    assert code == 0, out
    assert open_registry(settings).state().live == "v0003"
    assert "nothing to repair" in run(data, "kb", "repair")[1].lower()


def test_repair_keeps_a_never_promoted_candidate_staged_not_live(tmp_path: Path) -> None:
    root, data = small_kb(tmp_path / "kb"), tmp_path / "data"
    assert run(data, "ingest", str(root))[0] == 0
    small_kb(root, cutoff="4:30 p.m. ET")
    assert run(data, "ingest", "--stage", str(root))[0] == 0
    (data / "kb" / "registry.json").unlink()

    code, out = run(data, "kb", "repair")
    assert code == 0, out
    assert "live: v0001" in out and "staged: v0002" in out
    state = open_registry(make_settings(data)).state()
    assert (state.live, state.staged) == ("v0001", "v0002")


def test_repair_skips_a_version_whose_vectors_are_gone(tmp_path: Path) -> None:
    _, data = two_versions(tmp_path)
    settings = make_settings(data)
    open_chroma(settings).drop("deal_kb_v0002")
    (data / "kb" / "registry.json").unlink()
    code, out = run(data, "kb", "repair")
    assert code == 0, out
    assert "live: v0001" in out and "v0002: vectors missing" in out


# ---- 14: rollback retention and promote forward ---------------------------------------------------


def test_rolled_back_version_survives_later_ingests_and_promote_goes_forward_through_the_gate(
    tmp_path: Path,
) -> None:
    root, data = two_versions(tmp_path)
    code, out = run(data, "kb", "rollback")
    assert code == 0 and "v0001" in out and "kb promote v0002" in out
    small_kb(root, cutoff="2:00 p.m. ET", pricing="$0.45")  # v0003 built on v0001
    assert run(data, "ingest", str(root))[0] == 0
    small_kb(root, cutoff="2:00 p.m. ET", pricing="$0.47")  # v0004
    assert run(data, "ingest", str(root))[0] == 0
    settings = make_settings(data)
    state = open_registry(settings).state()
    assert state.live == "v0004" and "v0002" in state.versions
    assert (data / "kb" / "v0002").is_dir() and "deal_kb_v0002" in open_chroma(settings).names()
    code, out = run(data, "kb", "status")
    assert code == 0 and "rolled back" in out

    # the gate judges the named version: v0002 reads 4:30, this set wants 2:00 -> refused
    code, out = run(data, "kb", "promote", "v0002", "--dataset", str(dataset(tmp_path / "old.jsonl", "2:00")))
    assert code == 1 and "eval gate failed" in out
    assert open_registry(settings).state().live == "v0004"
    code, out = run(data, "kb", "promote", "v0002", "--dataset", str(dataset(tmp_path / "new.jsonl", "4:30")))
    assert code == 0, out
    state = open_registry(settings).state()
    assert state.live == "v0002" and state.history[-1] == "v0004"
    code, out = run(data, "ask", "what is the same day mail cut-off?")
    assert "4:30" in out
    assert run(data, "kb", "rollback")[0] == 0
    assert open_registry(settings).state().live == "v0004"


def test_promote_of_an_unknown_or_live_version_is_one_line(tmp_path: Path) -> None:
    _, data = two_versions(tmp_path)
    code, out = run(data, "kb", "promote", "v0009", "--force")
    assert code == 1 and "unknown knowledge-base version 'v0009'" in one_error_line(out)
    code, out = run(data, "kb", "promote", "v0002", "--force")
    assert code == 1 and "already live" in one_error_line(out)


def test_retention_still_drops_the_oldest_versions(tmp_path: Path) -> None:
    root, data = small_kb(tmp_path / "kb"), tmp_path / "data"
    for n in range(7):
        small_kb(root, pricing=f"$0.{40 + n}")
        assert run(data, "ingest", str(root))[0] == 0
    assert run(data, "kb", "rollback")[0] == 0
    small_kb(root, pricing="$0.99")
    assert run(data, "ingest", str(root))[0] == 0
    state = open_registry(make_settings(data)).state()
    # keep 5: live v0008, the rollback target v0006, the rolled-back v0007, then the newest others
    assert sorted(state.versions) == ["v0004", "v0005", "v0006", "v0007", "v0008"]
    assert sorted(p.name for p in (data / "kb").iterdir() if p.is_dir()) == sorted(state.versions)


# ---- 15: a staged version that vanished ------------------------------------------------------------


def test_promote_of_a_staged_version_that_vanished_is_one_line(tmp_path: Path) -> None:
    root, data = small_kb(tmp_path / "kb"), tmp_path / "data"
    assert run(data, "ingest", str(root))[0] == 0
    small_kb(root, cutoff="4:30 p.m. ET")
    assert run(data, "ingest", "--stage", str(root))[0] == 0
    shutil.rmtree(data / "kb" / "v0002")
    for args in (["--force"], ["--dataset", str(dataset(tmp_path / "d.jsonl", "4:30"))]):
        code, out = run(data, "kb", "promote", *args)
        assert code == 1 and "v0002 lost its catalog" in one_error_line(out)
    assert open_registry(make_settings(data)).state().live == "v0001"


# ---- 20: operational faults ------------------------------------------------------------------------


def test_unwritable_data_dir_is_one_line_for_every_command(tmp_path: Path) -> None:
    # Tests run as root, for whom chmod does not stop writes: a data dir under a regular file can
    # never be created or written, by anyone.
    root = small_kb(tmp_path / "kb")
    (tmp_path / "file").write_text("not a folder")
    data = tmp_path / "file" / "data"
    for args in (["ingest", str(root)], ["kb", "repair"], ["kb", "rollback"], ["ask", "anything?"]):
        code, out = run(data, *args)
        assert code != 0, (args, out)
        one_error_line(out)
    assert "Not a directory" in run(data, "ingest", str(root))[1]


def test_unwritable_registry_and_full_disk_stop_the_ingest_and_keep_live(tmp_path: Path) -> None:
    root, data = two_versions(tmp_path)
    registry_file = data / "kb" / "registry.json"
    before = registry_file.read_bytes()
    tmp = data / "kb" / "registry.json.tmp"
    small_kb(root, cutoff="5:00 p.m. ET")

    os.symlink("/dev/full", tmp)  # every write there fails with ENOSPC, as on a full disk
    code, out = run(data, "ingest", str(root))
    assert code == 1 and "No space left on device" in one_error_line(out)
    assert registry_file.read_bytes() == before
    code, out = run(data, "kb", "rollback")
    assert code == 1 and "No space left on device" in one_error_line(out)
    tmp.unlink()

    tmp.mkdir()  # the registry cannot be replaced
    code, out = run(data, "ingest", str(root))
    assert code == 1 and "registry" in one_error_line(out)
    assert registry_file.read_bytes() == before
    tmp.rmdir()

    code, out = run(data, "ingest", str(root))
    assert code == 0, out
    assert open_registry(make_settings(data)).state().live == "v0003"
    assert "5:00" in run(data, "ask", "what is the same day mail cut-off?")[1]


@pytest.mark.parametrize("lost", ["catalog", "vectors"])
def test_lost_catalog_or_vectors_are_reported_and_ingest_rebuild_recovers(tmp_path: Path, lost: str) -> None:
    root, data = two_versions(tmp_path)
    settings = make_settings(data)
    if lost == "catalog":
        (data / "kb" / "v0002" / "catalog.sqlite3").unlink()
    else:
        open_chroma(settings).drop("deal_kb_v0002")

    code, out = run(data, "kb", "status")
    assert code == 1
    assert "live version v0002 is missing its " + lost in out
    assert "ingest --rebuild" in out
    code, out = run(data, "ask", "what is the same day mail cut-off?")
    assert code == 1
    one_error_line(out)
    code, out = run(data, "ingest", str(root))
    assert code == 1 and "ingest --rebuild" in one_error_line(out)

    code, out = run(data, "ingest", "--rebuild", str(root))
    assert code == 0, out
    state = open_registry(settings).state()
    assert state.live == "v0003" and state.versions["v0003"].base is None
    code, out = run(data, "kb", "status")
    assert code == 0, out  # only an earlier version is damaged now
    assert "4:30" in run(data, "ask", "what is the same day mail cut-off?")[1]
