"""The benchmark's vocabulary: figures, the references measured beside them, targets, and skipped sections."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, Field

Comparison = Literal["<=", "<", ">=", ">", "=="]
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
}
SECTIONS = ("ingest", "retrieval", "ask", "quality", "slack", "memory", "run")


class Reference(BaseModel):
    """What a figure is read against: measured in the same run, on the same machine."""

    name: str
    value: float
    unit: str


class Target(BaseModel):
    """A goal from the issues: a comparison on the figure's value or on its ratio to the reference."""

    comparison: Comparison
    threshold: float
    on: Literal["value", "ratio"] = "value"

    def met_by(self, value: float | None) -> bool | None:
        return None if value is None else _COMPARE[self.comparison](value, self.threshold)

    def describe(self, unit: str) -> str:
        what = "ratio" if self.on == "ratio" else ""
        suffix = "" if self.on == "ratio" or unit in ("", "×") else f" {unit}"
        return f"{what} {self.comparison} {self.threshold:g}{suffix}".strip()


class Figure(BaseModel):
    """One measured number, with its reference and (when the issues set one) its target."""

    section: str
    name: str
    value: float
    unit: str
    reference: Reference | None = None
    target: Target | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.reference is None or self.reference.value == 0:
            return None
        return self.value / self.reference.value

    @property
    def passed(self) -> bool | None:
        if self.target is None:
            return None
        return self.target.met_by(self.ratio if self.target.on == "ratio" else self.value)

    def to_json(self) -> dict[str, Any]:
        ratio = self.ratio
        return {
            "name": self.name,
            "value": round(self.value, 4),
            "unit": self.unit,
            "reference": self.reference.model_dump() if self.reference else None,
            "ratio": round(ratio, 4) if ratio is not None else None,
            "target": self.target.describe(self.unit) if self.target else None,
            "passed": self.passed,
            "note": self.note,
        }


class Skip(BaseModel):
    """A section (or part of one) that could not run, and why."""

    section: str
    reason: str


class BenchResult(BaseModel):
    """Everything one benchmark run measured."""

    meta: dict[str, Any] = Field(default_factory=dict)
    figures: list[Figure] = Field(default_factory=list)
    skips: list[Skip] = Field(default_factory=list)
    notes: dict[str, list[str]] = Field(default_factory=dict)  # section -> how it was measured
    charts: dict[str, str] = Field(default_factory=dict)  # chart name -> file name

    def add(self, figures: list[Figure]) -> None:
        self.figures.extend(figures)

    def skip(self, section: str, reason: str) -> None:
        self.skips.append(Skip(section=section, reason=reason))

    def note(self, section: str, text: str) -> None:
        self.notes.setdefault(section, []).append(text)

    def section_names(self) -> list[str]:
        used = {f.section for f in self.figures} | {s.section for s in self.skips}
        return [s for s in SECTIONS if s in used] + sorted(used - set(SECTIONS))

    def targets(self) -> list[Figure]:
        return [f for f in self.figures if f.target is not None]

    def to_json(self) -> dict[str, Any]:
        sections: dict[str, Any] = {}
        for name in self.section_names():
            figures = [f.to_json() for f in self.figures if f.section == name]
            skipped = [s.reason for s in self.skips if s.section == name]
            status = "skipped" if skipped and not figures else "partial" if skipped else "ok"
            sections[name] = {
                "status": status,
                "skipped": skipped,
                "notes": self.notes.get(name, []),
                "figures": figures,
            }
        return {
            "meta": self.meta,
            "sections": sections,
            "targets": [
                {
                    "section": f.section,
                    "name": f.name,
                    "target": f.target.describe(f.unit),
                    "passed": f.passed,
                }
                for f in self.targets()
                if f.target is not None
            ],
            "charts": self.charts,
        }
