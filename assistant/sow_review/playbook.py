"""The deal desk's playbook: one entry per clause topic, read from `playbook/*.yaml` and validated.

A playbook file is a mapping with a `topics:` list. In a topic only `id`, `title` and `description` are
required; `required` says whether a draft must have the clause. The numeric fields (`measure` and the
numbers it is judged by) are optional: a topic without them is found and then read by a person.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.errors import PlaybookError

Unit = Literal["days", "hours", "months", "percent", "multiple", "amount"]
UNITS: tuple[str, ...] = ("days", "hours", "months", "percent", "multiple", "amount")
_UNIT_WORDS = {
    "day": "days",
    "hour": "hours",
    "month": "months",
    "%": "percent",
    "percentage": "percent",
    "x": "multiple",
    "times": "multiple",
    "money": "amount",
}

TOPICS_KEY = "playbook_topics"  # where ingest keeps a playbook file's topics in its metadata

__all__ = ["UNITS", "Playbook", "Topic", "Unit", "load_playbook", "parse_playbook", "playbook_from_catalog"]


class Topic(BaseModel):
    """One clause topic: where to find it (its words), how to judge it (its numbers), what to propose."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    required: bool = False
    keywords: list[str] = Field(default_factory=list)  # more words the clause may use
    measure: Unit | None = None  # the unit of the value judged
    cues: list[str] = Field(default_factory=list)  # words next to the value judged ("capped", "cure")
    standard: float | str | None = None
    acceptable: tuple[float, float] | None = None  # inclusive range
    escalate_above: float | None = None
    escalate_below: float | None = None
    must_mention: list[str] = Field(default_factory=list)  # RED unless the clause says one of these
    red_flags: list[str] = Field(default_factory=list)  # RED when the clause says one of these
    fallback: str | None = None
    owner: str | None = None
    source: str = ""  # the playbook file the topic came from

    @field_validator("measure", mode="before")
    @classmethod
    def _unit_alias(cls, value: Any) -> Any:
        if isinstance(value, str):
            word = value.strip().lower()
            return _UNIT_WORDS.get(word, word)
        return value

    @field_validator("keywords", "cues", "must_mention", "red_flags", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else ([] if value is None else value)

    @field_validator("acceptable", mode="before")
    @classmethod
    def _range(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return (value.get("min"), value.get("max"))
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Topic:
        numbers = [self.acceptable, self.escalate_above, self.escalate_below]
        numeric_standard = isinstance(self.standard, int | float)
        if self.measure is None and (numeric_standard or any(n is not None for n in numbers)):
            raise ValueError("numbers are given without a `measure` (one of " + ", ".join(UNITS) + ")")
        if self.acceptable is not None and self.acceptable[0] > self.acceptable[1]:
            raise ValueError(f"acceptable: {self.acceptable[0]} is above {self.acceptable[1]}")
        return self

    @property
    def numeric(self) -> bool:
        """True when a deterministic rule can judge the topic's value."""
        return self.measure is not None and (
            isinstance(self.standard, int | float) or self.acceptable is not None
        )

    def position(self) -> str:
        """The playbook's position in one line: standard, acceptable range, escalation triggers."""
        parts: list[str] = []
        if self.standard is not None:
            parts.append(f"standard {show(self.standard, self.measure)}")
        if self.acceptable is not None:
            low, high = self.acceptable
            parts.append(f"acceptable {show(low, self.measure)} to {show(high, self.measure)}")
        if self.escalate_above is not None:
            parts.append(f"escalate above {show(self.escalate_above, self.measure)}")
        if self.escalate_below is not None:
            parts.append(f"escalate below {show(self.escalate_below, self.measure)}")
        if self.must_mention:
            parts.append("must say " + " or ".join(f'"{m}"' for m in self.must_mention))
        text = "; ".join(parts) or self.description
        return text[:1].upper() + text[1:]


class Playbook(BaseModel):
    """Every topic of the playbook files, in file then list order."""

    topics: list[Topic]

    def topic(self, topic_id: str) -> Topic:
        return next(t for t in self.topics if t.id == topic_id)


def show(value: float | str | None, unit: str | None) -> str:
    """A value with its unit as a person writes it: 15%, 2x, $1,000,000, 30 days."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    number = f"{value:g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if unit == "percent":
        return f"{number}%"
    if unit == "multiple":
        return f"{number}x"
    if unit == "amount":
        return f"${value:,.0f}" if value == int(value) else f"${value:,.2f}"
    if unit is None:
        return number
    return f"{number} {unit[:-1] if value == 1 else unit}"


def parse_playbook(data: dict[str, Any], source: str) -> list[Topic]:
    """The topics of one playbook mapping; PlaybookError names the file and the topic at fault."""
    topics = data.get("topics")
    if not isinstance(topics, list) or not topics:
        raise PlaybookError(source, "expected a mapping with a non-empty `topics:` list")
    out: list[Topic] = []
    seen: set[str] = set()
    for index, raw in enumerate(topics, start=1):
        name = str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else f"#{index}"
        if not isinstance(raw, dict):
            raise PlaybookError(source, "expected a mapping of fields", name)
        try:
            topic = Topic.model_validate({**raw, "source": source})
        except ValidationError as e:
            raise PlaybookError(source, _first_error(e), name) from None
        if topic.id in seen:
            raise PlaybookError(source, "the same id is used twice", name)
        seen.add(topic.id)
        out.append(topic)
    return out


def load_playbook(paths: list[Path], root: Path | None = None) -> Playbook:
    """Read playbook YAML files (or every `*.yaml` of the folders given) into one Playbook."""
    from ingest.formats.yaml_text import load_mapping

    files: list[Path] = []
    for path in paths:
        files += sorted([*path.glob("*.yaml"), *path.glob("*.yml")]) if path.is_dir() else [path]
    topics: list[Topic] = []
    for file in files:
        source = file.relative_to(root).as_posix() if root and file.is_relative_to(root) else str(file)
        try:
            data = load_mapping(file.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError) as e:
            raise PlaybookError(source, f"cannot read the file ({e})") from e
        except ValueError as e:
            raise PlaybookError(source, str(e)) from e
        for topic in parse_playbook(data, source):
            if any(t.id == topic.id for t in topics):
                raise PlaybookError(source, "the id is already used by another playbook file", topic.id)
            topics.append(topic)
    if not topics:
        raise PlaybookError(", ".join(str(p) for p in paths) or "playbook", "no playbook topics found")
    return Playbook(topics=topics)


def _first_error(e: ValidationError) -> str:
    error = e.errors()[0]
    where = ".".join(str(p) for p in error.get("loc", ()))
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def playbook_from_catalog(catalog: Any) -> Playbook:
    """The playbook of one knowledge-base version: the topics its `playbook` documents carry.

    `catalog` is an `assistant.retrieval.catalog.Catalog`; ingest stores each playbook file's validated
    topics in its metadata (`playbook_topics`), so the version's playbook is exactly what was gated and
    promoted.
    """
    topics: list[Topic] = []
    for source, record in sorted(catalog.files().items()):
        raw = record.meta.get("extra", {}).get(TOPICS_KEY) if record.doc_type == "playbook" else None
        if raw:
            topics += parse_playbook({"topics": raw}, source)
    if not topics:
        raise PlaybookError(
            "knowledge base", "no playbook: add playbook/*.yaml to the knowledge folder and ingest it"
        )
    return Playbook(topics=topics)
