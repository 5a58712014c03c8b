"""Eval datasets: one JSON object per line, read into validated `Case`s with line-numbered errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.errors import DatasetError
from assistant.models import Audience

CaseKind = Literal["answer", "draft", "unanswerable"]
CASE_KINDS: tuple[CaseKind, ...] = ("answer", "draft", "unanswerable")


class Case(BaseModel):
    """One evaluation question with what a good result must (and must not) contain."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    kind: CaseKind = "answer"
    expected_sources: list[str] = Field(default_factory=list)  # alternatives: any one retrieved is a hit
    must_include: list[str] = Field(default_factory=list)
    must_not_include: list[str] = Field(default_factory=list)
    audience: Audience = Audience.INTERNAL
    client: str | None = None

    @model_validator(mode="after")
    def _draft_names_a_client(self) -> Case:
        if self.kind == "draft" and not self.client:
            raise ValueError("a draft case needs a client")
        return self

    @property
    def answerable(self) -> bool:
        return self.kind != "unanswerable"


def default_dataset_path() -> Path:
    """The demo dataset shipped with the package."""
    return Path(__file__).parent / "datasets" / "demo.jsonl"


def load_dataset(path: Path) -> list[Case]:
    """Read a JSONL dataset; blank lines are skipped, a malformed line raises DatasetError naming it."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise DatasetError(f"{path}: cannot read dataset ({e.strerror or e})") from e
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        case = parse_case(line, path, number)
        if case.id in seen:
            raise DatasetError(f"{path}:{number}: duplicate id {case.id!r} (first on line {seen[case.id]})")
        seen[case.id] = number
        cases.append(case)
    if not cases:
        raise DatasetError(f"{path}: the dataset has no cases")
    return cases


def parse_case(line: str, path: Path, number: int) -> Case:
    """Parse one dataset line; `path` and `number` only locate errors."""
    where = f"{path}:{number}"
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as e:
        raise DatasetError(f"{where}: not valid JSON ({e.msg} at column {e.colno})") from e
    if not isinstance(raw, dict):
        raise DatasetError(f"{where}: expected a JSON object, got {type(raw).__name__}")
    for required in ("id", "question"):
        if not raw.get(required):
            raise DatasetError(f"{where}: missing {required!r}")
    if raw.get("kind", "answer") not in CASE_KINDS:
        raise DatasetError(
            f"{where}: unknown kind {raw.get('kind')!r} (expected one of {', '.join(CASE_KINDS)})"
        )
    for key in ("expected_sources", "must_include", "must_not_include"):
        if raw.get(key) is None:
            raw.pop(key, None)
    try:
        return Case.model_validate(raw)
    except ValidationError as e:
        raise DatasetError(f"{where}: {_first_problem(e)}") from e


def _first_problem(error: ValidationError) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    return f"{location}: {message}" if location else message
