"""Eval dataset reading: defaults, and malformed lines reported with file and line number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import DatasetError
from assistant.models import Audience
from evals.dataset import default_dataset_path, load_dataset


def write_lines(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_minimal_case_gets_internal_audience_no_client_and_empty_lists(tmp_path: Path) -> None:
    path = write_lines(tmp_path, json.dumps({"id": "q1", "question": "What is the SLA?", "kind": "answer"}))

    [case] = load_dataset(path)

    assert case.audience is Audience.INTERNAL
    assert case.client is None
    assert case.expected_sources == case.must_include == case.must_not_include == []
    assert case.answerable


def test_full_case_keeps_every_field(tmp_path: Path) -> None:
    raw = {
        "id": "d7",
        "question": "Describe onboarding",
        "kind": "draft",
        "expected_sources": ["offerings/ccm.docx"],
        "must_include": ["99.9%"],
        "must_not_include": ["Pinecrest"],
        "audience": "external",
        "client": "Acme",
    }
    [case] = load_dataset(write_lines(tmp_path, json.dumps(raw)))

    assert case.model_dump(mode="json") == raw


def test_blank_lines_are_skipped(tmp_path: Path) -> None:
    line = json.dumps({"id": "q1", "question": "Q?", "kind": "unanswerable"})
    path = write_lines(tmp_path, "", line, "   ")

    assert [c.id for c in load_dataset(path)] == ["q1"]


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ('{"id": "q2", "question": ', "not valid JSON"),
        ('{"question": "no id"}', "missing 'id'"),
        ('{"id": "q2"}', "missing 'question'"),
        ('{"id": "q2", "question": "Q?", "kind": "essay"}', "unknown kind 'essay'"),
        ('{"id": "q2", "question": "Q?", "kind": "draft"}', "a draft case needs a client"),
        ('{"id": "q2", "question": "Q?", "audience": "partners"}', "audience"),
        ('{"id": "q2", "question": "Q?", "must_include": "99.9%"}', "must_include"),
        ('["q2", "Q?"]', "expected a JSON object"),
        ('{"id": "q1", "question": "again"}', "duplicate id 'q1'"),
    ],
)
def test_malformed_line_raises_dataset_error_naming_file_and_line(
    tmp_path: Path, bad_line: str, reason: str
) -> None:
    good = json.dumps({"id": "q1", "question": "What is the SLA?"})
    path = write_lines(tmp_path, good, "", bad_line)

    with pytest.raises(DatasetError) as raised:
        load_dataset(path)

    message = str(raised.value)
    assert message.startswith(f"{path}:3: ")
    assert reason in message


def test_missing_file_is_a_dataset_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="cannot read dataset"):
        load_dataset(tmp_path / "nope.jsonl")


def test_empty_dataset_is_a_dataset_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no cases"):
        load_dataset(write_lines(tmp_path, ""))


def test_default_dataset_is_the_packaged_demo_file() -> None:
    path = default_dataset_path()

    assert path.name == "demo.jsonl"
    assert path.parent.parent == Path(__file__).resolve().parent.parent / "evals"
