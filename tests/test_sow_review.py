"""SOW review end to end on real parts: ingest's readers, the real embedding model, the demo playbook and the
demo knowledge base's past SOWs; the commented Word copy opened again and its comments read back."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.errors import DocumentError, PlaybookError
from assistant.retrieval.embedding import Embedder
from assistant.settings import Settings
from assistant.sow_review import (
    Colour,
    Review,
    Reviewer,
    extract_values,
    load_playbook,
    playbook_from_catalog,
    write_commented_copy,
)
from assistant.wiring import build_sow_reviewer, open_catalog
from ingest.formats import read_document
from tests.sow_builders import DRAFTS, PLAYBOOK, draft_as

OTHER_CLIENTS = ("Pinecrest", "Cobalt Ridge", "Calder", "Summit Valley", "SVCU")


@pytest.fixture(scope="session")
def reviewer(embedder: Embedder) -> Reviewer:
    return Reviewer(load_playbook([PLAYBOOK]), embedder)


@pytest.fixture(scope="session")
def kb_reviewer(demo_settings: Settings, embedder: Embedder) -> Reviewer:
    return build_sow_reviewer(demo_settings, embedder=embedder)


def statuses(review: Review) -> dict[str, str]:
    return {f.topic: f.status.value for f in review.findings}


def finding(review: Review, topic: str):  # type: ignore[no-untyped-def]
    return next(f for f in review.findings if f.topic == topic)


# -- values ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("not cured within ninety (90) days of notice", 90, "days"),
        ("capped at fifteen percent (15%) of the fees", 15, "percent"),
        ("limited to two times (2x) the annual fees", 2, "multiple"),
        ("cyber coverage of $1.2M per claim", 1_200_000, "amount"),
        ("for a period of forty-eight months", 48, "months"),
        ("no later than seventy-two hours after discovery", 72, "hours"),
        ("after month eighteen, on notice", 18, "months"),
        ("invoices are payable net 45", 45, "days"),
        ("one hundred twenty (120) days' prior written notice", 120, "days"),
    ],
)
def test_values_are_read_with_their_units_from_digits_and_words(text: str, value: float, unit: str) -> None:
    assert (value, unit) in [(v.value, v.unit) for v in extract_values(text)]


def test_a_figure_written_in_words_and_digits_is_read_once() -> None:
    assert [(v.value, v.unit) for v in extract_values("within thirty (30) days")] == [(30, "days")]


# -- formats and statuses ----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".md", ".docx", ".pdf"])
def test_each_format_is_reviewed_to_the_same_statuses(
    reviewer: Reviewer, tmp_path: Path, suffix: str
) -> None:
    review = reviewer.review_file(draft_as("standard.md", tmp_path, suffix))
    got = statuses(review)
    assert got["sla-credits"] == "green"
    assert got["limitation-of-liability"] == "green"
    assert got["termination-for-cause"] == "green"
    assert got["change-control"] == "yellow", "a topic without numbers is read by a person"
    sla = finding(review, "sla-credits")
    assert "capped at 10%" in (sla.quote or "")
    assert {"value": 10.0, "unit": "percent"} in [v.model_dump() for v in sla.values]
    if suffix != ".pdf":  # the PDF reader finds headings by font size, which this builder does not vary much
        assert "Service levels" in (sla.section or "")


def test_every_status_with_a_reason_position_and_fallback(reviewer: Reviewer) -> None:
    out_of_range = reviewer.review_file(DRAFTS / "out-of-range.md")
    sla = finding(out_of_range, "sla-credits")
    assert sla.status is Colour.RED
    assert sla.reason == "20% is above the escalation trigger of 15%."
    assert sla.playbook == "Standard 10%; acceptable 10% to 15%; escalate above 15%"
    assert sla.fallback and "ten percent (10%)" in sla.fallback
    assert finding(out_of_range, "postage").reason.startswith('The clause says "mark-up"')
    assert finding(out_of_range, "offshore-access").status is Colour.MISSING

    reworded = reviewer.review_file(DRAFTS / "moved-reworded.md")
    liability = finding(reworded, "limitation-of-liability")
    assert liability.status is Colour.YELLOW, liability.reason
    assert liability.reason == "2x is inside the acceptable range but not the standard."
    assert finding(reworded, "price-escalation").status is Colour.GREEN


def test_numbers_written_as_words_are_judged(reviewer: Reviewer) -> None:
    review = reviewer.review_file(DRAFTS / "moved-reworded.md")
    cause = finding(review, "termination-for-cause")
    assert "forty-five (45) days" in (cause.quote or "")
    assert cause.reason.startswith("45 days is inside the acceptable range")
    assert finding(review, "security-incident-notification").reason.startswith("48 hours")
    assert finding(review, "insurance").reason.startswith("$10,000,000")


def test_a_missing_required_clause_is_red_and_an_optional_one_missing(reviewer: Reviewer) -> None:
    review = reviewer.review_file(DRAFTS / "removed.md")
    liability = finding(review, "limitation-of-liability")
    assert (liability.status, liability.section, liability.quote) == (Colour.RED, None, None)
    assert liability.reason.startswith("Required clause missing")
    insurance = finding(review, "insurance")
    assert insurance.status is Colour.MISSING and insurance.quote is None


def test_json_follows_the_contract(kb_reviewer: Reviewer) -> None:
    data = kb_reviewer.review_file(DRAFTS / "standard.md", client="Harbor Mutual").to_json()
    assert set(data) == {"document", "client", "findings"}
    assert (data["document"], data["client"]) == ("standard.md", "Harbor Mutual")
    keys = {"topic", "status", "section", "quote", "values", "playbook", "reason", "fallback", "history"}
    for item in data["findings"]:
        assert set(item) == keys
        assert item["status"] in {"green", "yellow", "red", "missing"}
        assert all(set(v) == {"value", "unit"} for v in item["values"])
        assert all(set(h) == {"source", "value"} for h in item["history"])


# -- history and its confidentiality ----------------------------------------------------------------


def test_history_lists_what_past_sows_agreed_with_their_sources(kb_reviewer: Reviewer) -> None:
    review = kb_reviewer.review_file(DRAFTS / "out-of-range.md", client="Harbor Mutual")
    sla = finding(review, "sla-credits")
    assert sorted(h.value for h in sla.history) == ["10%", "10%", "12%", "15%"]
    assert all(h.source.startswith("sows/") for h in sla.history)
    assert sla.history_line() == "Service level credits in 4 past SOWs: 10%, 10%, 12%, 15%"


def test_commented_copy_for_a_client_never_shows_another_clients_sow(
    kb_reviewer: Reviewer, tmp_path: Path
) -> None:
    draft = draft_as("out-of-range.md", tmp_path, ".docx")
    review = kb_reviewer.review_file(draft, client="Harbor Mutual")
    assert any(f.history for f in review.findings), "the review itself has history"
    out = tmp_path / "commented.docx"
    write_commented_copy(draft, review, out)

    copy = docx.Document(str(out))
    everything = "\n".join(
        [p.text for p in copy.paragraphs]
        + [c.text for t in copy.tables for row in t.rows for c in row.cells]
        + [c.text for c in copy.comments]
    )
    for name in OTHER_CLIENTS:
        assert name not in everything
    assert "sows/" not in everything
    past_quotes = [h.quote for f in review.findings for h in f.history if len(h.quote) > 60]
    assert past_quotes
    assert not any(q[:60] in everything for q in past_quotes)


def test_commented_docx_has_a_comment_at_each_yellow_and_red_clause_and_a_summary_on_top(
    reviewer: Reviewer, tmp_path: Path
) -> None:
    draft = draft_as("out-of-range.md", tmp_path, ".docx")
    original = draft.read_bytes()
    review = reviewer.review_file(draft)
    out = tmp_path / "out" / "reviewed.docx"
    placed = write_commented_copy(draft, review, out)

    assert draft.read_bytes() == original
    flagged = [f for f in review.findings if f.status in (Colour.RED, Colour.YELLOW) and f.quote]
    copy = docx.Document(str(out))
    comments = list(copy.comments)
    assert placed == len(flagged) == len(comments)
    texts = [c.text for c in comments]
    assert any(t.startswith("RED: Service level credits. 20% is above") for t in texts)
    assert all(c.author == "Deal Assistant" for c in comments)
    sla_paragraph = next(p for p in copy.paragraphs if "capped at 20%" in p.text)
    assert "commentRangeStart" in sla_paragraph._p.xml
    body = copy.element.body
    assert body[0].tag.endswith("}p") and "SOW review by Deal Assistant" in copy.paragraphs[0].text
    summary = copy.tables[0]
    assert [c.text for c in summary.rows[0].cells] == ["Status", "Topic", "Reason"]
    assert summary.rows[1].cells[0].text == "RED"
    assert len(summary.rows) == len(review.findings) + 1


# -- the playbook as knowledge ------------------------------------------------------------------------


def test_playbook_is_ingested_as_internal_playbook_knowledge_and_read_from_the_version(
    demo_settings: Settings,
) -> None:
    catalog = open_catalog(demo_settings)
    try:
        record = catalog.files()["playbook/meridian-sow-playbook.yaml"]
        assert record.doc_type == "playbook"
        assert record.meta["confidentiality"] == "internal"
        assert record.chunks == len(load_playbook([PLAYBOOK]).topics)
        assert [t.id for t in playbook_from_catalog(catalog).topics] == [
            t.id for t in load_playbook([PLAYBOOK]).topics
        ]
    finally:
        catalog.close()


def test_bad_playbook_gets_one_error_naming_the_file_and_the_topic(tmp_path: Path) -> None:
    folder = tmp_path / "playbook"
    folder.mkdir()
    bad = folder / "desk.yaml"
    bad.write_text(
        "topics:\n  - id: sla-credits\n    title: SLA credits\n    description: Credit cap\n"
        "    measure: percent\n    acceptable: [15, 10]\n",
        encoding="utf-8",
    )
    with pytest.raises(DocumentError) as ingest_error:
        read_document(bad, "playbook/desk.yaml")
    assert (
        str(ingest_error.value) == "playbook/desk.yaml: topic 'sla-credits': acceptable: 15.0 is above 10.0"
    )
    with pytest.raises(PlaybookError) as load_error:
        load_playbook([folder], tmp_path)
    assert str(load_error.value).startswith("playbook/desk.yaml: topic 'sla-credits': ")

    bad.write_text("topics:\n  - id: x\n    title: X\n", encoding="utf-8")
    with pytest.raises(DocumentError, match=r"^playbook/desk.yaml: topic 'x': description: Field required$"):
        read_document(bad, "playbook/desk.yaml")


def test_yaml_outside_the_playbook_folder_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.yaml"
    path.write_text("topics: []\n", encoding="utf-8")
    with pytest.raises(DocumentError, match="only under playbook/"):
        read_document(path, "offerings/notes.yaml")


# -- CLI -----------------------------------------------------------------------------------------------


def test_cli_review_prints_the_json_and_writes_report_and_commented_copy(
    demo_settings: Settings, tmp_path: Path
) -> None:
    draft = draft_as("out-of-range.md", tmp_path, ".docx")
    report, copy = tmp_path / "review.html", tmp_path / "copy.docx"
    result = CliRunner().invoke(
        app,
        [
            "sow",
            "review",
            str(draft),
            "--client",
            "Harbor Mutual",
            "--json",
            "--report",
            str(report),
            "--docx",
            str(copy),
        ],
        env={"DEAL_DATA_DIR": str(demo_settings.data_dir)},
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout[result.stdout.index("{") :])
    assert data["client"] == "Harbor Mutual" and len(data["findings"]) == 17
    assert "Internal" in report.read_text(encoding="utf-8")
    assert len(list(docx.Document(str(copy)).comments)) > 5


def test_cli_refuses_docx_output_for_a_markdown_draft(demo_settings: Settings, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["sow", "review", str(DRAFTS / "standard.md"), "--docx", str(tmp_path / "x.docx")],
        env={"DEAL_DATA_DIR": str(demo_settings.data_dir)},
    )
    assert result.exit_code == 1
    assert "--docx needs a Word draft" in result.output


def test_eval_sow_meets_its_thresholds() -> None:
    result = CliRunner().invoke(app, ["eval", "sow", "--check"])
    assert result.exit_code == 0, result.output
    assert "| sla-credits |" in result.output
