"""The harness and the gate end to end against the real answering core and the demo knowledge base."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from assistant.answering.core import Assistant
from assistant.errors import KnowledgeBaseError
from assistant.retrieval.embedding import Embedder
from assistant.settings import Settings
from assistant.wiring import run_ingest
from evals.dataset import default_dataset_path, load_dataset
from evals.gate import run_gate
from evals.judging import MetricRule, Thresholds
from evals.metrics import ALL_METRICS, FACT_RECALL, LATENCY_METRICS, QUALITY_METRICS
from evals.running import run_cases
from evals.systems import version_target
from tests.conftest import KNOWLEDGE, make_settings

LENIENT = Thresholds(
    metrics={m: MetricRule(min=0.0, tolerance=0.0) for m in QUALITY_METRICS if m != "leak_rate"}
)
UNREACHABLE = Thresholds(metrics={FACT_RECALL: MetricRule(min=1.01)})
TINY_DOCUMENTS = ("offerings/security-compliance.md", "offerings/digital-mailroom.md")


def tiny_dataset(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.jsonl"
    path.write_text(
        '{"id": "t1", "question": "Do you hold HITRUST certification?", "kind": "answer",'
        ' "expected_sources": ["offerings/security-compliance.md"], "must_include": ["HITRUST"]}\n'
        '{"id": "t2", "question": "What is the capital of Mongolia?", "kind": "unanswerable"}\n',
        encoding="utf-8",
    )
    return path


def demo_subset(tmp_path: Path, per_kind: int = 4) -> Path:
    """The first few demo cases of each kind, so the end-to-end gate stays quick."""
    cases = load_dataset(default_dataset_path())
    picked = [
        c
        for kind in ("answer", "draft", "unanswerable")
        for c in [x for x in cases if x.kind == kind][:per_kind]
    ]
    path = tmp_path / "demo-subset.jsonl"
    path.write_text("".join(c.model_dump_json() + "\n" for c in picked), encoding="utf-8")
    return path


def test_every_case_goes_through_ask_or_draft_and_keeps_its_full_answer(
    demo_assistant: Assistant, demo_settings: Settings
) -> None:
    cases = load_dataset(default_dataset_path())
    picked = [next(c for c in cases if c.kind == kind) for kind in ("answer", "draft", "unanswerable")]
    clock = itertools.count(step=0.25).__next__
    target = version_target(demo_settings, "live")

    run = run_cases(
        demo_assistant,
        picked,
        system_name="deal",
        kb="live",
        dataset="demo",
        known_sources=set(target.known_sources or ()),
        clock=clock,
    )

    assert [r.answer.mode for r in run.cases if r.answer] == ["ask", "draft", "ask"]
    assert [r.score.latency_ms for r in run.cases] == [250.0, 250.0, 250.0]
    for result, row in zip(run.cases, run.to_json()["cases"], strict=True):
        assert result.answer is not None
        assert row["answer"] == result.answer.to_json()
        assert row["metrics"] == result.score.metrics
    assert set(run.summary()) == set(ALL_METRICS)


def test_version_target_knows_the_sources_of_the_ingested_version(demo_settings: Settings) -> None:
    target = version_target(demo_settings, "live")

    assert target.known_sources is not None
    assert "offerings/ccm-platform.docx" in target.known_sources
    assert "offerings/ccm-platform.docx.meta.yaml" not in target.known_sources
    assert target.knowledge_root == KNOWLEDGE


def test_gate_of_the_live_version_against_itself_passes_with_no_drop(
    demo_settings: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    dataset = demo_subset(tmp_path)

    result = run_gate(demo_settings, "live", "live", dataset, thresholds=LENIENT, embedder=embedder)

    assert result.passed
    assert result.baseline is not None and result.baseline_label is not None
    assert len(result.candidate.cases) == len(result.baseline.cases) == 12
    for check in result.checks:
        if check.metric not in LATENCY_METRICS and check.candidate is not None:
            assert check.delta == pytest.approx(0.0), check.metric


def test_gate_fails_when_a_metric_is_below_its_threshold(
    demo_settings: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    result = run_gate(
        demo_settings, "live", "live", tiny_dataset(tmp_path), thresholds=UNREACHABLE, embedder=embedder
    )

    assert not result.passed
    [failed] = result.failed_checks()
    assert failed.metric == FACT_RECALL
    assert failed.reasons == ["below the minimum 1.01"]


def test_first_ingest_is_gated_on_thresholds_only(tmp_path: Path, embedder: Embedder) -> None:
    knowledge = tmp_path / "knowledge"
    for source in TINY_DOCUMENTS:
        (knowledge / source).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(KNOWLEDGE / source, knowledge / source)
    settings = make_settings(tmp_path / "data", knowledge)
    run_ingest(settings, stage=True, load_embedder=lambda: embedder)

    result = run_gate(
        settings, "staged", "live", tiny_dataset(tmp_path), thresholds=LENIENT, embedder=embedder
    )

    assert result.baseline is None and result.baseline_label is None
    assert result.passed
    assert not any(check.compared for check in result.checks)


def test_gate_against_a_named_version_that_does_not_exist_is_an_error(
    demo_settings: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    with pytest.raises(KnowledgeBaseError, match="unknown knowledge-base version 'v0099'"):
        run_gate(
            demo_settings, "live", "v0099", tiny_dataset(tmp_path), thresholds=LENIENT, embedder=embedder
        )
