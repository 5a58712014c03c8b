"""`deal-assistant eval run` and `eval gate` through the real CLI, core, ingest and baseline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.settings import Settings
from tests.conftest import KNOWLEDGE

TINY_DOCUMENTS = ("offerings/security-compliance.md", "offerings/digital-mailroom.md")
LENIENT = "metrics:\n  hit_at_1: {min: 0.0}\n  latency_p95_ms: {max: 600000}\n"
STRICT = "metrics:\n  hit_at_1: {min: 0.0}\n  fact_recall: {min: 1.01}\n"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory without a .env, holding a small knowledge folder, dataset and thresholds."""
    monkeypatch.chdir(tmp_path)
    for source in TINY_DOCUMENTS:
        (tmp_path / "kb" / source).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(KNOWLEDGE / source, tmp_path / "kb" / source)
    (tmp_path / "cases.jsonl").write_text(
        '{"id": "t1", "question": "Do you hold HITRUST certification?", "kind": "answer",'
        ' "expected_sources": ["offerings/security-compliance.md"], "must_include": ["HITRUST"]}\n'
        '{"id": "t2", "question": "What is the capital of Mongolia?", "kind": "unanswerable"}\n',
        encoding="utf-8",
    )
    (tmp_path / "lenient.yaml").write_text(LENIENT, encoding="utf-8")
    (tmp_path / "strict.yaml").write_text(STRICT, encoding="utf-8")
    return tmp_path


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_eval_run_on_a_folder_writes_json_markdown_and_html_and_passes_its_check(workdir: Path) -> None:
    code, out, err = invoke(
        "eval", "run", "--knowledge", "kb", "--dataset", "cases.jsonl",
        "--check", "--thresholds", "lenient.yaml",
        "--json", "out/run.json", "--report", "out/run.md", "--html", "out/run.html",
    )  # fmt: skip

    assert code == 0, err
    assert "hit_at_1" in out and "PASSED" in out
    result = json.loads((workdir / "out" / "run.json").read_text(encoding="utf-8"))
    assert result["system"] == "deal" and result["comparison"]["system"] == "baseline"
    first = result["cases"][0]
    assert first["id"] == "t1" and first["answer"]["retrieved"] and "hit_at_1" in first["metrics"]
    assert result["checks"][0] == {**result["checks"][0], "metric": "hit_at_1", "passed": True}
    assert "## Metrics" in (workdir / "out" / "run.md").read_text(encoding="utf-8")
    assert "data:image/png;base64," in (workdir / "out" / "run.html").read_text(encoding="utf-8")


def test_eval_run_check_exits_non_zero_below_the_thresholds(workdir: Path) -> None:
    code, out, err = invoke(
        "eval", "run", "--knowledge", "kb", "--dataset", "cases.jsonl", "--no-compare-baseline",
        "--check", "--thresholds", "strict.yaml",
    )  # fmt: skip

    assert code == 1
    assert "below the thresholds: fact_recall" in err
    assert "FAILED: fact_recall below the minimum 1.01" in out


def test_eval_run_of_the_baseline_system_alone(workdir: Path) -> None:
    code, _, err = invoke(
        "eval",
        "run",
        "--knowledge",
        "kb",
        "--dataset",
        "cases.jsonl",
        "--system",
        "baseline",
        "--json",
        "b.json",
    )

    assert code == 0, err
    result = json.loads((workdir / "b.json").read_text(encoding="utf-8"))
    assert result["system"] == "baseline" and result["comparison"] is None
    assert [c["answer"]["status"] for c in result["cases"]] == ["answered", "answered"]


def test_malformed_dataset_line_is_one_error_line_naming_it(workdir: Path) -> None:
    (workdir / "bad.jsonl").write_text(
        '{"id": "a", "question": "Q?"}\n{"id": "b", "question": "Q?", "kind": "quiz"}\n'
    )

    code, _, err = invoke("eval", "run", "--knowledge", "kb", "--dataset", "bad.jsonl")

    assert code == 1
    assert err.strip().startswith("error: bad.jsonl:2: unknown kind 'quiz'")
    assert "Traceback" not in err


def test_knowledge_and_kb_together_are_refused(workdir: Path) -> None:
    code, _, err = invoke("eval", "run", "--knowledge", "kb", "--kb", "live")

    assert code == 1
    assert "either --knowledge or --kb" in err


def test_eval_gate_without_a_staged_version_says_so(workdir: Path, demo_settings: Settings) -> None:
    code, _, err = invoke("eval", "gate", env={"DEAL_DATA_DIR": str(demo_settings.data_dir)})

    assert code == 1
    assert "no staged knowledge base" in err


def test_eval_gate_prints_candidate_and_baseline_side_by_side(workdir: Path, demo_settings: Settings) -> None:
    code, out, err = invoke(
        "eval", "gate", "--candidate", "live", "--baseline", "live", "--dataset", "cases.jsonl",
        "--thresholds", "lenient.yaml", "--report", "gate.md",
        env={"DEAL_DATA_DIR": str(demo_settings.data_dir)},
    )  # fmt: skip

    assert code == 0, err
    assert "Gate: live (v0001) vs live (v0001)" in out and "PASSED" in out
    report = (workdir / "gate.md").read_text(encoding="utf-8")
    assert "| metric | meaning | candidate live (v0001) | baseline live (v0001) | difference |" in report
