"""The SOW reviewer's eval: labelled draft SOWs, per-topic precision and recall of findings, status accuracy.

A finding is correct when the reviewer locates a clause and the located quote contains the label's
`text`; locating a clause where the label has none, or the wrong clause, is a false positive (and the
wrong clause also a false negative). Status accuracy counts every (draft, topic) pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import DatasetError
from assistant.sow_review import Reviewer, read_draft
from assistant.text import squash
from ingest.formats.yaml_text import load_mapping

__all__ = ["DEFAULT_LABELS", "SowEvalResult", "TopicScore", "evaluate_sow_reviewer", "render_sow_report"]

DEFAULT_LABELS = Path(__file__).resolve().parent / "sow" / "labels.yaml"
METRICS = ("macro_precision", "macro_recall", "status_accuracy")


@dataclass
class TopicScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class SowEvalResult:
    topics: dict[str, TopicScore]
    statuses: int
    statuses_right: int
    misses: list[str] = field(default_factory=list)  # one line per wrong finding or status
    thresholds: dict[str, float] = field(default_factory=dict)

    @property
    def metrics(self) -> dict[str, float]:
        scores = list(self.topics.values())
        return {
            "macro_precision": sum(s.precision for s in scores) / len(scores),
            "macro_recall": sum(s.recall for s in scores) / len(scores),
            "status_accuracy": self.statuses_right / self.statuses if self.statuses else 1.0,
        }

    @property
    def failures(self) -> list[str]:
        got = self.metrics
        return [
            f"{name} {got[name]:.3f} < {self.thresholds[name]:.3f}"
            for name in METRICS
            if name in self.thresholds and got[name] < self.thresholds[name] - 1e-9
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            **{k: round(v, 4) for k, v in self.metrics.items()},
            "thresholds": self.thresholds,
            "topics": {
                t: {
                    "precision": round(s.precision, 4),
                    "recall": round(s.recall, 4),
                    "tp": s.tp,
                    "fp": s.fp,
                    "fn": s.fn,
                }
                for t, s in self.topics.items()
            },
            "misses": self.misses,
        }


def evaluate_sow_reviewer(reviewer: Reviewer, labels_path: Path = DEFAULT_LABELS) -> SowEvalResult:
    """Review every labelled draft (its path relative to the labels file's `drafts/`) and score it."""
    try:
        labels = load_mapping(labels_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise DatasetError(f"{labels_path}: {e}") from e
    drafts = labels.get("drafts") or {}
    topics = {t.id: TopicScore() for t in reviewer.playbook.topics}
    result = SowEvalResult(
        topics, 0, 0, thresholds={k: float(v) for k, v in (labels.get("thresholds") or {}).items()}
    )
    for name, expected in drafts.items():
        review = reviewer.review(read_draft(labels_path.parent / "drafts" / name))
        for finding in review.findings:
            label = (expected or {}).get(finding.topic) or {"status": "missing"}
            _score(result, name, finding.topic, label, finding.status.value, finding.quote)
    return result


def _score(
    result: SowEvalResult, draft: str, topic: str, label: dict[str, Any], status: str, quote: str | None
) -> None:
    score = result.topics[topic]
    text = label.get("text")
    if text and quote and squash(str(text)).lower() in squash(quote).lower():
        score.tp += 1
    else:
        if quote:
            score.fp += 1
        if text:
            score.fn += 1
        if quote or text:
            found = f"found {quote[:80]!r}" if quote else "found nothing"
            result.misses.append(f"{draft} {topic}: expected {text!r}, {found}")
    result.statuses += 1
    if status == label.get("status"):
        result.statuses_right += 1
    else:
        result.misses.append(f"{draft} {topic}: status {status}, expected {label.get('status')}")


def render_sow_report(result: SowEvalResult) -> str:
    """Markdown: the three metrics against their thresholds, the per-topic table, the misses."""
    got = result.metrics
    lines = ["# SOW reviewer eval", "", "| metric | value | threshold |", "|---|---|---|"]
    lines += [f"| {m} | {got[m]:.3f} | {result.thresholds.get(m, '-')} |" for m in METRICS]
    lines += ["", "| topic | precision | recall | tp | fp | fn |", "|---|---|---|---|---|---|"]
    for topic, s in result.topics.items():
        lines.append(f"| {topic} | {s.precision:.2f} | {s.recall:.2f} | {s.tp} | {s.fp} | {s.fn} |")
    if result.misses:
        lines += ["", "## Misses", ""] + [f"- {m}" for m in result.misses]
    return "\n".join(lines) + "\n"
