"""Document metadata: doc types by folder, sidecar files, and sidecar > front matter > defaults."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from assistant.errors import DocumentError
from assistant.models import Block, Confidentiality, DocType, ParsedDocument
from ingest.formats import read_document
from ingest.metadata import doc_type_for, is_sidecar, load_sidecar, resolve_metadata, sidecar_path
from tests.docbuilders import Para, Title, write_markdown


def parsed(title: str | None = None, front_matter: dict[str, Any] | None = None) -> ParsedDocument:
    return ParsedDocument(title=title, blocks=[Block(text="Body.")], front_matter=front_matter or {})


def rejection(sidecar: dict[str, Any], front_matter: dict[str, Any] | None = None) -> str:
    with pytest.raises(DocumentError) as info:
        resolve_metadata("sows/acme.docx", DocType.SOW, parsed(front_matter=front_matter), sidecar)
    assert info.value.source == "sows/acme.docx"
    return info.value.reason


@pytest.mark.parametrize(
    ("source", "doc_type"),
    [
        ("offerings/managed-security.md", DocType.OFFERING),
        ("sows/acme/2025-sow.docx", DocType.SOW),
        ("rfp-answers/security.xlsx", DocType.RFP_ANSWER),
        ("Offerings/soc.pdf", DocType.OFFERING),
        ("misc/notes.txt", DocType.OTHER),
        ("offerings.md", DocType.OTHER),
    ],
)
def test_doc_type_is_decided_by_the_top_folder(source: str, doc_type: DocType) -> None:
    assert doc_type_for(source) is doc_type


def test_sidecar_path_appends_to_the_full_file_name(tmp_path: Path) -> None:
    document = tmp_path / "sows" / "ccm.docx"
    assert sidecar_path(document) == tmp_path / "sows" / "ccm.docx.meta.yaml"
    assert is_sidecar(sidecar_path(document))
    assert not is_sidecar(document)
    assert not is_sidecar(tmp_path / "meta.yaml")


def test_missing_sidecar_loads_as_none_and_empty_sidecar_as_empty_mapping(tmp_path: Path) -> None:
    assert load_sidecar(tmp_path / "a.md.meta.yaml", "a.md") is None
    (tmp_path / "a.md.meta.yaml").write_text("")
    assert load_sidecar(tmp_path / "a.md.meta.yaml", "a.md") == {}


def test_sidecar_dates_are_loaded_as_text_for_validation(tmp_path: Path) -> None:
    (tmp_path / "a.docx.meta.yaml").write_text("client: Acme\neffective_date: 2024-13-40\n")
    assert load_sidecar(tmp_path / "a.docx.meta.yaml", "sows/a.docx") == {
        "client": "Acme",
        "effective_date": "2024-13-40",
    }


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("client: [Acme\n", "invalid YAML"),
        ("- client\n- Acme\n", "expected a mapping of keys to values, got a list"),
        ("just a sentence\n", "expected a mapping of keys to values, got a string"),
    ],
)
def test_broken_or_non_mapping_sidecar_is_rejected_naming_the_sidecar(
    tmp_path: Path, content: str, why: str
) -> None:
    (tmp_path / "a.docx.meta.yaml").write_text(content)
    with pytest.raises(DocumentError) as info:
        load_sidecar(tmp_path / "a.docx.meta.yaml", "sows/a.docx")
    assert info.value.source == "sows/a.docx"
    assert info.value.reason.startswith(f"a.docx.meta.yaml: {why}")
    assert "\n" not in str(info.value)


def test_sidecar_wins_over_front_matter_which_wins_over_defaults() -> None:
    front = {
        "title": "Front Title",
        "client": "Front Client",
        "vertical": "Retail",
        "confidentiality": "public",
    }
    side = {"client": "Sidecar Client", "confidentiality": "confidential"}
    meta = resolve_metadata("offerings/a.md", DocType.OFFERING, parsed("Doc Title", front), side)
    assert (meta.title, meta.client, meta.vertical) == ("Front Title", "Sidecar Client", "Retail")
    assert meta.confidentiality is Confidentiality.CONFIDENTIAL


@pytest.mark.parametrize(
    ("doc_type", "expected"),
    [
        (DocType.OFFERING, Confidentiality.PUBLIC),
        (DocType.RFP_ANSWER, Confidentiality.INTERNAL),
        (DocType.SOW, Confidentiality.CONFIDENTIAL),
        (DocType.OTHER, Confidentiality.INTERNAL),
    ],
)
def test_confidentiality_defaults_by_doc_type(doc_type: DocType, expected: Confidentiality) -> None:
    assert resolve_metadata("x/a.md", doc_type, parsed(), None).confidentiality is expected


def test_title_defaults_to_the_documents_title_then_the_file_name() -> None:
    assert (
        resolve_metadata("offerings/a.md", DocType.OFFERING, parsed("Managed SOC"), None).title
        == "Managed SOC"
    )
    from_name = resolve_metadata("rfp-answers/security_answers-2025.xlsx", DocType.RFP_ANSWER, parsed(), None)
    assert from_name.title == "Security Answers 2025"
    assert resolve_metadata("sows/ACME-sow.docx", DocType.SOW, parsed(), None).title == "ACME Sow"


def test_fields_are_validated_and_unknown_keys_are_kept_in_extra() -> None:
    side = {
        "Effective-Date": "2025-01-31",
        "review_by": dt.date(2026, 1, 31),
        "Confidentiality": " Internal ",
        "owner": "Sales Ops",
        "offering": "Managed SOC",
        "region": "EU",
        "tags": ["soc", "24x7"],
    }
    meta = resolve_metadata("sows/acme.docx", DocType.SOW, parsed("SOW"), side)
    assert meta.effective_date == dt.date(2025, 1, 31)
    assert meta.review_by == dt.date(2026, 1, 31)
    assert meta.confidentiality is Confidentiality.INTERNAL
    assert (meta.owner, meta.offering, meta.client) == ("Sales Ops", "Managed SOC", None)
    assert meta.extra == {"region": "EU", "tags": ["soc", "24x7"]}


@pytest.mark.parametrize(
    ("sidecar", "reason"),
    [
        ({"effective_date": "2024-13-40"}, "effective_date: '2024-13-40' is not a valid date"),
        ({"review_by": "next week"}, "review_by: 'next week' is not a date (expected YYYY-MM-DD)"),
        ({"review_by": 2025}, "review_by: '2025' is not a date (expected YYYY-MM-DD)"),
        (
            {"confidentiality": "secret"},
            "confidentiality: 'secret' is not one of public, internal, confidential",
        ),
        ({"client": ["Acme", "Globex"]}, "client: expected text, got a list"),
    ],
)
def test_invalid_metadata_values_are_rejected_naming_the_key(sidecar: dict[str, Any], reason: str) -> None:
    assert rejection(sidecar).startswith(reason)


def test_invalid_front_matter_value_is_rejected_like_a_sidecar_value() -> None:
    assert rejection({}, front_matter={"effective_date": "31/01/2025"}).startswith("effective_date: ")


def test_sidecar_is_not_a_mapping_is_rejected() -> None:
    with pytest.raises(DocumentError, match="metadata: expected a mapping"):
        resolve_metadata("sows/a.docx", DocType.SOW, parsed(), ["not", "a", "mapping"])  # type: ignore[arg-type]


def test_markdown_front_matter_and_sidecar_resolve_together_from_files(tmp_path: Path) -> None:
    front = {"client": "Acme", "effective_date": "2025-02-01", "review_by": "2025-08-01", "team": "EMEA"}
    path = write_markdown(tmp_path / "soc.md", [Title("Managed SOC"), Para("Body.")], front_matter=front)
    sidecar_path(path).write_text("review_by: 2026-02-01\nconfidentiality: INTERNAL\n")
    document = read_document(path, "offerings/soc.md")
    meta = resolve_metadata(
        "offerings/soc.md", DocType.OFFERING, document, load_sidecar(sidecar_path(path), "offerings/soc.md")
    )
    assert meta.title == "Managed SOC"
    assert meta.client == "Acme"
    assert meta.effective_date == dt.date(2025, 2, 1)
    assert meta.review_by == dt.date(2026, 2, 1)
    assert meta.confidentiality is Confidentiality.INTERNAL
    assert meta.extra == {"team": "EMEA"}


def test_yaml_aliases_are_refused_in_sidecars(tmp_path: Path) -> None:
    side = tmp_path / "a.md.meta.yaml"
    side.write_text('a: &a ["x", "x"]\nb: [*a, *a]\n', encoding="utf-8")
    with pytest.raises(DocumentError) as info:
        load_sidecar(side, "offerings/a.md")
    assert info.value.reason == (
        "a.md.meta.yaml: invalid YAML (aliases (*name) are not allowed in metadata at line 2, column 5)"
    )


def test_metadata_over_the_size_limit_is_rejected_naming_its_size() -> None:
    with pytest.raises(DocumentError) as info:
        resolve_metadata("sows/a.docx", DocType.SOW, parsed(), {"notes": "x" * 300}, max_bytes=256)
    assert info.value.reason.startswith("metadata: too large (")
    assert info.value.reason.endswith("bytes serialised; the limit is 256 bytes)")
