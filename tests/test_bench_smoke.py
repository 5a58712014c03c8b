"""`deal-assistant bench --quick` over a tiny knowledge base: the files it writes and their shape."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.retrieval.embedding import Embedder
from tests.conftest import KNOWLEDGE

TINY_KB = (
    "offerings/digital-mailroom.md",
    "offerings/security-compliance.md",
    "sows/pinecrest-health-digital-mailroom-sow.md",
)
SECTIONS = {"ingest", "retrieval", "ask", "quality", "slack", "memory", "run"}


def tiny_knowledge(root: Path) -> Path:
    for name in TINY_KB:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(KNOWLEDGE / name, root / name)
    return root


def test_quick_bench_writes_every_section_with_positive_figures_beside_references(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: Embedder
) -> None:
    monkeypatch.setenv("DEAL_KNOWLEDGE_DIR", str(tiny_knowledge(tmp_path / "knowledge")))
    out = tmp_path / "out"

    run = CliRunner().invoke(app, ["bench", "--quick", "--sizes", "500", "--out", str(out)])

    assert run.exit_code == 0, run.output
    data = json.loads((out / "bench-results.json").read_text(encoding="utf-8"))
    assert set(data) == {"meta", "sections", "targets", "charts"}
    assert set(data["sections"]) == SECTIONS
    for name, section in data["sections"].items():
        assert section["status"] == "ok", (name, section["skipped"])
        assert section["figures"], name
        for figure in section["figures"]:
            value, reference = figure["value"], figure["reference"]
            assert isinstance(value, int | float)
            if name == "quality":
                assert 0.0 <= value <= 1.0, figure
            elif figure["name"] == "CPU used by other processes during the run":
                assert value >= 0, figure  # zero on a quiet machine
            else:
                assert value > 0, figure
                assert reference is None or reference["value"] > 0, figure
    names = [f["name"] for s in data["sections"].values() for f in s["figures"]]
    for expected in (
        "full ingest throughput (whole pipeline)",
        "re-ingest of the unchanged tree",
        "retrieval p95 (500 chunks, server)",
        "raw Chroma collection.query p95 (500 chunks, embedded)",
        "LangChain tutorial baseline ask p95",
        "mentions answered exactly once (of 10 sent at once)",
        "peak RSS filling a 50-question questionnaire",
        "RSS of the Slack bot at rest",
    ):
        assert any(n.startswith(expected) for n in names), expected
    assert data["targets"] and all(isinstance(t["passed"], bool) for t in data["targets"])
    markdown = (out / "bench-results.md").read_text(encoding="utf-8")
    assert "## Targets" in markdown and "| full ingest throughput (whole pipeline) |" in markdown
    chart = out / data["charts"]["retrieval_latency"]
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_latency_only_measures_every_backend_and_reuses_its_cached_scale_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: Embedder
) -> None:
    monkeypatch.setenv("DEAL_KNOWLEDGE_DIR", str(tiny_knowledge(tmp_path / "knowledge")))
    cache = tmp_path / "cache"
    runs = []
    for n in (1, 2):
        out = tmp_path / f"out-{n}"
        args = [
            "bench",
            "--quick",
            "--only",
            "latency",
            "--sizes",
            "500",
            "--cache",
            str(cache),
            "--out",
            str(out),
        ]
        run = CliRunner().invoke(app, args)
        assert run.exit_code == 0, run.output
        runs.append(json.loads((out / "bench-results.json").read_text(encoding="utf-8")))

    for data in runs:
        assert set(data["sections"]) == {"retrieval", "ask", "run"}
        names = [f["name"] for s in data["sections"].values() for f in s["figures"]]
        for backend in ("embedded", "server"):
            assert any(n.startswith(f"retrieval p95 (500 chunks, {backend})") for n in names), backend
    built, reused = (" ".join(d["sections"]["retrieval"]["notes"]) for d in runs)
    assert "built through VersionBuilder" in built and "reused from the cache" not in built
    assert "reused from the cache" in reused and "built through VersionBuilder" not in reused


def test_latency_cache_needs_latency_only(tmp_path: Path) -> None:
    run = CliRunner().invoke(app, ["bench", "--cache", str(tmp_path)])
    assert run.exit_code != 0 and "--cache works with --only latency" in run.output
