"""How the language-model path did beside the offline composer on the same cases.

`eval llm` runs a dataset twice, offline and through the configured chat model, and reports the usual
metrics side by side plus what only the model path has: how many answers were sent to the model, how
many of its answers were shown, why the others were not (by count), and whether any shown answer is one
a proposal team must never send (citation-only, empty, a placeholder or a letter formula). The checks
here are the evals' own, written independently of the grounding checks in `assistant/answering/generating.py`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from evals.metrics import percentile
from evals.running import CaseResult, RunResult

OFFLINE = "offline"
_MARKER = re.compile(r"\[\d+\]")
_WORD = re.compile(r"[A-Za-z]{2,}")
_UNSENDABLE = re.compile(
    r"\[(?:client|company|your|insert|name|date)[^\]]*\]|<(?:client|company|insert)[^>]*>|"
    r"\bdear\s+\w+|\bsincerely\b|\bbest regards\b|\bkind regards\b|\byours (?:truly|faithfully)\b",
    re.I,
)


@dataclass(frozen=True)
class ModelPathStats:
    """What the model path did over one run (answers, drafts, reasons, latency)."""

    cases: int
    sent: int  # answers the model was asked to write (shown, or set aside with a reason)
    shown: int
    drafts_sent: int
    drafts_shown: int
    reasons: Counter[str] = field(default_factory=Counter)
    unsendable: list[str] = field(default_factory=list)  # ids of cases whose shown model answer is unfit
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None

    @property
    def shown_share(self) -> float | None:
        return self.shown / self.sent if self.sent else None

    def to_json(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "shown": self.shown,
            "shown_share": self.shown_share,
            "drafts_sent": self.drafts_sent,
            "drafts_shown": self.drafts_shown,
            "fallback_reasons": dict(self.reasons.most_common()),
            "unsendable_shown": self.unsendable,
            "latency_p50_ms": self.latency_p50_ms,
            "latency_p95_ms": self.latency_p95_ms,
        }


def was_sent(result: CaseResult) -> bool:
    """The model wrote this answer, or was asked to and its reply was set aside (a reason is recorded)."""
    answer = result.answer
    return answer is not None and (answer.composer != OFFLINE or answer.fallback_reason is not None)


def unsendable(text: str) -> bool:
    """No words once the citation markers are gone, or a placeholder / salutation / sign-off."""
    return len(_WORD.findall(_MARKER.sub(" ", text))) < 3 or bool(_UNSENDABLE.search(text))


def reason_key(reason: str) -> str:
    """A fallback reason with its particulars (numbers, quoted words) folded: like reasons count together."""
    folded = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", reason)
    return re.sub(r"\d+(?:\.\d+)?", "N", folded)


def model_path_stats(run: RunResult) -> ModelPathStats:
    sent = [c for c in run.cases if was_sent(c)]
    shown = [c for c in sent if c.answer is not None and c.answer.composer != OFFLINE]
    reasons = Counter(reason_key(r) for c in sent if c.answer is not None and (r := c.answer.fallback_reason))
    latencies = [c.score.latency_ms for c in sent]
    return ModelPathStats(
        cases=len(run.cases),
        sent=len(sent),
        shown=len(shown),
        drafts_sent=sum(1 for c in sent if c.case.kind == "draft"),
        drafts_shown=sum(1 for c in shown if c.case.kind == "draft"),
        reasons=reasons,
        unsendable=[c.case.id for c in shown if c.answer is not None and unsendable(c.answer.answer)],
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
    )


def _share(part: int, whole: int) -> str:
    return f"{part} of {whole}" + (f" ({part / whole:.0%})" if whole else "")


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} ms"


def stats_lines(stats: ModelPathStats) -> list[str]:
    """The model path in a few lines (the report's notes and the terminal summary)."""
    lines = [
        f"Sent to the model: {_share(stats.sent, stats.cases)} cases; "
        f"its answer shown: {_share(stats.shown, stats.sent)}; "
        f"drafts shown: {_share(stats.drafts_shown, stats.drafts_sent)}.",
        f"Model-path latency (cases sent to the model): p50 {_ms(stats.latency_p50_ms)}, "
        f"p95 {_ms(stats.latency_p95_ms)}.",
        "Shown model answers unfit to send (citation-only, placeholder, letter formula): "
        + (", ".join(stats.unsendable) if stats.unsendable else "none")
        + ".",
    ]
    if stats.reasons:
        lines.append("Why the offline answer stood, by count:")
        lines += [f"  {count} × {reason}" for reason, count in stats.reasons.most_common()]
    return lines


TARGET_METRICS: Sequence[str] = ("fact_recall", "refusal_accuracy")


def target_problems(model_run: RunResult, offline_run: RunResult, stats: ModelPathStats) -> list[str]:
    """Where the model path misses its targets: worse than offline on fact recall or refusal accuracy,
    any leak, any unfit answer shown, fewer than half of the drafts shown."""
    model, offline = model_run.summary(), offline_run.summary()
    problems = []
    for metric in TARGET_METRICS:
        m, o = model.get(metric), offline.get(metric)
        if m is not None and o is not None and m < o - 1e-9:
            problems.append(f"{metric} {m:.3f} below offline {o:.3f}")
    if (model.get("leak_rate") or 0.0) > 0:
        problems.append(f"leak_rate {model['leak_rate']:.3f}")
    if stats.unsendable:
        problems.append(f"{len(stats.unsendable)} unfit answer(s) shown")
    if stats.drafts_sent and stats.drafts_shown * 2 < stats.drafts_sent:
        problems.append(f"drafts shown {stats.drafts_shown} of {stats.drafts_sent}")
    return problems
