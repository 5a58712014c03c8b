"""The curated public API: what each package exports (`__all__`), and that every exported name resolves."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

EXPORTS: dict[str, set[str]] = {
    "assistant": {
        "Answer",
        "Assistant",
        "Audience",
        "DealAssistantError",
        "Request",
        "Settings",
        "Status",
        "build_assistant",
        "run_ingest",
    },
    "assistant.answering": {"Assistant", "Mode", "Staged", "TextSink"},
    "assistant.cli": {"app"},
    "assistant.retrieval": {"Embedder", "Prior", "Retrieval", "Retriever", "Scope", "VersionSource"},
    "assistant.slack": {"BotConfig", "HttpEndpoint", "SlackBot", "build_bot", "run_socket_mode"},
    "assistant.questionnaires": {
        "NOT_FOUND_TEXT",
        "RESTRICTED_TEXT",
        "SUPPORTED",
        "Drafter",
        "Progress",
        "QuestionnaireSummary",
        "default_output_path",
        "fill_questionnaire",
        "fill_questions",
        "read_questionnaire",
    },
    "assistant.deals": {
        "DEAL_SUFFIXES",
        "BreakEven",
        "BusinessCase",
        "Comparable",
        "ComparableSet",
        "Deal",
        "DealPolicy",
        "DealReview",
        "Month",
        "PriceCheck",
        "Retention",
        "Risk",
        "Scenario",
        "Sensitivity",
        "ServiceLine",
        "StaffRole",
        "YearFigures",
        "assess_risks",
        "case_json",
        "check_prices",
        "compute_case",
        "compute_sensitivity",
        "find_comparables",
        "normal_unit",
        "read_deal",
        "read_deal_bytes",
        "review_deal",
        "write_template",
    },
    "assistant.sow_review": {
        "DRAFT_SUFFIXES",
        "Clause",
        "ClauseFinder",
        "Colour",
        "Comparable",
        "Draft",
        "Finding",
        "Location",
        "Playbook",
        "Review",
        "Reviewer",
        "Topic",
        "Value",
        "Verdict",
        "extract_values",
        "judge",
        "load_playbook",
        "parse_playbook",
        "past_positions",
        "playbook_from_catalog",
        "read_draft",
        "render_html",
        "render_markdown",
        "sow_chunks",
        "summary_line",
        "write_commented_copy",
    },
    "ingest": {
        "DEFAULT_LIMITS",
        "SUPPORTED_SUFFIXES",
        "IngestLimits",
        "IngestReport",
        "Progress",
        "build_version",
        "read_document",
    },
    "ingest.formats": {"SUPPORTED_SUFFIXES", "read_document"},
    "evals": {
        "ALL_METRICS",
        "Case",
        "GateResult",
        "Report",
        "RunResult",
        "System",
        "Thresholds",
        "load_dataset",
        "load_thresholds",
        "render_html",
        "render_markdown",
        "run_cases",
        "run_gate",
    },
    "evals.bench": {
        "BenchOptions",
        "BenchResult",
        "Figure",
        "Reference",
        "Target",
        "run_bench",
        "write_results",
    },
}


@pytest.mark.parametrize("package", sorted(EXPORTS))
def test_each_package_exports_exactly_its_curated_names(package: str) -> None:
    module = importlib.import_module(package)
    assert set(module.__all__) == EXPORTS[package]
    assert len(module.__all__) == len(set(module.__all__)), "a name is exported twice"


@pytest.mark.parametrize("package", sorted(EXPORTS))
def test_every_exported_name_resolves_to_something_defined_in_the_package(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        value = getattr(module, name)
        assert value is not None, f"{package}.{name}"
        if inspect.isclass(value) or inspect.isfunction(value):  # not constants, aliases or instances
            defined_in = value.__module__
            assert defined_in.split(".")[0] == package.split(".")[0], f"{package}.{name} is {defined_in}'s"
    star: dict[str, object] = {}
    exec(f"from {package} import *", star)
    assert EXPORTS[package] <= set(star)


def test_an_unknown_name_is_an_attribute_error_naming_the_package() -> None:
    ingest = importlib.import_module("ingest")
    with pytest.raises(AttributeError, match="module 'ingest' has no attribute 'build_versions'"):
        ingest.build_versions  # noqa: B018


@pytest.mark.parametrize(
    ("module", "not_loaded"),
    [
        ("ingest.isolation", "ingest.pipeline"),  # the parse worker loads only what it parses with
        ("assistant.errors", "assistant.answering.core"),
        ("assistant.answering.questions", "assistant.answering.core"),
        ("assistant.retrieval.embedding", "assistant.retrieval.retriever"),
        ("evals.bench.measuring", "evals.bench.running"),
    ],
)
def test_importing_one_module_does_not_load_its_package_exports(module: str, not_loaded: str) -> None:
    code = f"import sys, {module}; print({not_loaded!r} in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True, timeout=120
    )
    assert done.stdout.strip() == "False"
