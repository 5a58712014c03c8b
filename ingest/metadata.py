"""Document metadata: doc type from the folder, sidecar files, and merging sidecar, front matter and defaults.

Precedence, key by key: the sidecar (<file>.meta.yaml) wins over Markdown front matter, which wins over
the defaults (title from the document or its file name, confidentiality by document type).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path, PurePosixPath
from typing import Any

from assistant.errors import DocumentError
from assistant.models import Confidentiality, DocType, DocumentMeta, ParsedDocument
from ingest.formats.guards import read_bytes, shown_name
from ingest.formats.yaml_text import MAX_METADATA_SOURCE_BYTES, load_mapping
from ingest.limits import DEFAULT_LIMITS

SIDECAR_SUFFIX = ".meta.yaml"

_TOP_FOLDERS = {
    "offerings": DocType.OFFERING,
    "sows": DocType.SOW,
    "rfp-answers": DocType.RFP_ANSWER,
    "playbook": DocType.PLAYBOOK,
}
DEFAULT_CONFIDENTIALITY = {
    DocType.OFFERING: Confidentiality.PUBLIC,
    DocType.RFP_ANSWER: Confidentiality.INTERNAL,
    DocType.SOW: Confidentiality.CONFIDENTIAL,
    DocType.PLAYBOOK: Confidentiality.INTERNAL,
    DocType.OTHER: Confidentiality.INTERNAL,
}
_TEXT_KEYS = ("title", "client", "vertical", "offering", "owner")
_DATE_KEYS = ("effective_date", "review_by")
_KNOWN_KEYS = frozenset({*_TEXT_KEYS, *_DATE_KEYS, "confidentiality"})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def doc_type_for(source: str) -> DocType:
    """The document type named by the top folder of `source` (OTHER outside the known folders)."""
    parts = PurePosixPath(source.replace("\\", "/")).parts
    if len(parts) < 2:
        return DocType.OTHER
    return _TOP_FOLDERS.get(parts[0].lower(), DocType.OTHER)


def sidecar_path(path: Path) -> Path:
    """Where the metadata sidecar of `path` lives: the full file name plus ".meta.yaml"."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


def is_sidecar(path: Path) -> bool:
    """True for a metadata sidecar file (which is not a knowledge document itself)."""
    return path.name.lower().endswith(SIDECAR_SUFFIX) and len(path.name) > len(SIDECAR_SUFFIX)


def load_sidecar(path: Path, source: str) -> dict[str, Any] | None:
    """The mapping in the sidecar file at `path`, or None when there is none.

    `source` is the document the sidecar describes; broken YAML, a non-mapping, a symbolic link or a
    file over MAX_METADATA_SOURCE_BYTES raises DocumentError(source, "<sidecar name>: ...").
    """
    name = shown_name(path.name)
    if not os.path.lexists(path):
        return None
    try:
        data = read_bytes(path, source, MAX_METADATA_SOURCE_BYTES, allow_empty=True)
    except DocumentError as e:
        raise DocumentError(source, f"{name}: {e.reason}") from e
    try:
        return load_mapping(data.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise DocumentError(source, f"{name}: not UTF-8 text") from e
    except ValueError as e:
        raise DocumentError(source, f"{name}: {e}") from e


def resolve_metadata(
    source: str,
    doc_type: DocType,
    parsed: ParsedDocument,
    sidecar: dict[str, Any] | None,
    *,
    max_bytes: int = DEFAULT_LIMITS.max_meta_bytes,
) -> DocumentMeta:
    """Validated metadata: sidecar over front matter over defaults; unknown keys go to `extra`.

    Raises DocumentError(source, "<key>: <why>") for an invalid date or confidentiality level, and
    DocumentError(source, "metadata: too large ...") when it serialises to more than `max_bytes`.
    """
    if sidecar is not None and not isinstance(sidecar, dict):
        raise DocumentError(source, "metadata: expected a mapping of keys to values")
    merged = {**_normalise_keys(parsed.front_matter), **_normalise_keys(sidecar or {})}
    fields: dict[str, Any] = {key: _text(source, key, merged.get(key)) for key in _TEXT_KEYS}
    for key in _DATE_KEYS:
        fields[key] = _date(source, key, merged.get(key))
    fields["title"] = fields["title"] or clean_title(parsed.title) or title_from_file_name(source)
    fields["confidentiality"] = _confidentiality(source, merged.get("confidentiality"), doc_type)
    extra = {key: value for key, value in merged.items() if key not in _KNOWN_KEYS}
    meta = DocumentMeta(**fields, extra=extra)
    size = len(json.dumps(meta.model_dump(mode="json"), default=str).encode("utf-8"))
    if size > max_bytes:
        raise DocumentError(
            source, f"metadata: too large ({size:,} bytes serialised; the limit is {max_bytes:,} bytes)"
        )
    return meta


def title_from_file_name(source: str) -> str:
    """A readable title from a file name: "managed-security_offering.pdf" -> "Managed Security Offering"."""
    stem = PurePosixPath(source.replace("\\", "/")).name.split(".")[0] or source
    words = re.split(r"[\s_-]+", stem)
    return " ".join(word[:1].upper() + word[1:] for word in words if word) or stem


def clean_title(title: str | None) -> str | None:
    """A title with whitespace collapsed, or None when nothing is left."""
    cleaned = " ".join((title or "").split())
    return cleaned or None


def _normalise_keys(data: dict[Any, Any]) -> dict[str, Any]:
    """Known keys are matched case-insensitively with '-' or ' ' for '_'; other keys are kept as written."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = re.sub(r"[\s-]+", "_", str(key).strip().lower())
        out[name if name in _KNOWN_KEYS else str(key)] = value
    return out


def _text(source: str, key: str, value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            raise DocumentError(source, f"{key}: expected text, got {value!r}")
        return None
    if isinstance(value, str | int | float | dt.date):
        return clean_title(str(value))
    raise DocumentError(source, f"{key}: expected text, got a {type(value).__name__}")


def _date(source: str, key: str, value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if isinstance(value, str) and _ISO_DATE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError as e:
            raise DocumentError(source, f"{key}: {text!r} is not a valid date ({e})") from e
    raise DocumentError(source, f"{key}: {text!r} is not a date (expected YYYY-MM-DD)")


def _confidentiality(source: str, value: Any, doc_type: DocType) -> Confidentiality:
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_CONFIDENTIALITY[doc_type]
    try:
        return Confidentiality(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(level.value for level in Confidentiality)
        raise DocumentError(source, f"confidentiality: {value!r} is not one of {allowed}") from None
