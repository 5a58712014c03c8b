"""Metric names, their direction, and pure scoring of one Answer against one Case (plus aggregation).

Every value is in [0, 1] except latencies (milliseconds). A per-case value of None means "does not apply"
(e.g. fact recall for a case without must_include) and is left out of means.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

from pydantic import BaseModel, Field

from assistant.models import Answer, Confidence, ScoredChunk, Status
from evals.dataset import Case

HIT_AT_1 = "hit_at_1"
RECALL_AT_5 = "recall_at_5"
MRR = "mrr"
CONTEXT_FACT_RECALL_AT_5 = "context_fact_recall_at_5"
FACT_RECALL = "fact_recall"
LEAK_RATE = "leak_rate"
REFUSAL_ACCURACY = "refusal_accuracy"
CITATION_VALIDITY = "citation_validity"
CONFIDENT_WRONG_RATE = "confident_wrong_rate"
ABSTENTION_PRECISION = "abstention_precision"
LATENCY_P50_MS = "latency_p50_ms"
LATENCY_P95_MS = "latency_p95_ms"
ERROR = "error"  # a failure label, not a metric: the system raised instead of answering

RETRIEVAL_METRICS = (HIT_AT_1, RECALL_AT_5, MRR, CONTEXT_FACT_RECALL_AT_5)
ANSWER_METRICS = (
    FACT_RECALL,
    LEAK_RATE,
    REFUSAL_ACCURACY,
    CITATION_VALIDITY,
    CONFIDENT_WRONG_RATE,
    ABSTENTION_PRECISION,
)
QUALITY_METRICS = RETRIEVAL_METRICS + ANSWER_METRICS
LATENCY_METRICS = (LATENCY_P50_MS, LATENCY_P95_MS)
ALL_METRICS = QUALITY_METRICS + LATENCY_METRICS
LOWER_IS_BETTER = frozenset({LEAK_RATE, CONFIDENT_WRONG_RATE, LATENCY_P50_MS, LATENCY_P95_MS})

TOP_K = 5
REFUSALS = frozenset({Status.NOT_FOUND, Status.RESTRICTED})
CONFIDENT = frozenset({Confidence.HIGH, Confidence.MEDIUM})
_EXCERPT = 300

MetricValues = dict[str, float | None]


class Failure(BaseModel):
    """One thing a case got wrong: what was expected and what came back."""

    case_id: str
    metric: str
    expected: str
    got: str


class CaseScore(BaseModel):
    """The metrics of one case, its latency and its failures."""

    case_id: str
    kind: str
    audience: str
    metrics: MetricValues
    latency_ms: float
    failures: list[Failure] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def lower_is_better(metric: str) -> bool:
    """True for metrics where a smaller value is the better one (leaks, latency)."""
    return metric in LOWER_IS_BETTER


def distinct_sources(retrieved: Sequence[ScoredChunk]) -> list[str]:
    """Sources of the retrieved chunks in rank order, each named once."""
    return list(dict.fromkeys(s.chunk.source for s in retrieved))


def first_hit_rank(ranked_sources: Sequence[str], expected: Iterable[str]) -> int | None:
    """1-based rank of the first expected source among distinct sources, or None."""
    wanted = set(expected)
    for rank, source in enumerate(ranked_sources, start=1):
        if source in wanted:
            return rank
    return None


def missing_terms(text: str, terms: Iterable[str]) -> list[str]:
    """Terms not found in text (case-insensitive substring match)."""
    folded = text.casefold()
    return [t for t in terms if t.casefold() not in folded]


def present_terms(text: str, terms: Iterable[str]) -> list[str]:
    """Terms found in text (case-insensitive substring match)."""
    folded = text.casefold()
    return [t for t in terms if t.casefold() in folded]


def invalid_citations(answer: Answer, known_sources: set[str] | None) -> list[str]:
    """Citations that point outside the retrieved chunks or to a source the knowledge base lacks."""
    retrieved_ids = {s.chunk.id for s in answer.retrieved}
    problems = []
    for c in answer.citations:
        if c.chunk_id not in retrieved_ids:
            problems.append(f"[{c.number}] chunk {c.chunk_id} was not retrieved")
        elif known_sources is not None and c.source not in known_sources:
            problems.append(f"[{c.number}] source {c.source} is not in the knowledge base")
    return problems


def score_case(
    case: Case,
    answer: Answer | None,
    latency_ms: float,
    known_sources: set[str] | None = None,
    error: str | None = None,
) -> CaseScore:
    """Score one case. `answer` is None when the system raised `error` instead of answering."""
    score = CaseScore(
        case_id=case.id, kind=case.kind, audience=case.audience.value, metrics={}, latency_ms=latency_ms
    )
    if answer is None:
        _score_error(case, score, error or "no answer")
    else:
        _score_retrieval(case, answer, score)
        _score_answer(case, answer, score, known_sources)
    return score


def _fail(score: CaseScore, metric: str, expected: str, got: str) -> None:
    score.failures.append(Failure(case_id=score.case_id, metric=metric, expected=expected, got=got))


def _score_error(case: Case, score: CaseScore, error: str) -> None:
    m = score.metrics
    if case.answerable and case.expected_sources:
        m.update({HIT_AT_1: 0.0, RECALL_AT_5: 0.0, MRR: 0.0})
    if case.answerable and case.must_include:
        m[CONTEXT_FACT_RECALL_AT_5] = 0.0
    m[FACT_RECALL] = 0.0 if case.must_include else None
    m[LEAK_RATE] = 0.0 if case.must_not_include else None
    m[REFUSAL_ACCURACY] = 0.0
    m[CITATION_VALIDITY] = None
    m[CONFIDENT_WRONG_RATE] = None
    m[ABSTENTION_PRECISION] = None
    _fail(score, ERROR, "an answer", error)


def _score_retrieval(case: Case, answer: Answer, score: CaseScore) -> None:
    m = score.metrics
    if not case.answerable:
        return
    if case.expected_sources:
        ranked = distinct_sources(answer.retrieved)
        rank = first_hit_rank(ranked, case.expected_sources)
        m[HIT_AT_1] = 1.0 if rank == 1 else 0.0
        m[RECALL_AT_5] = 1.0 if rank is not None and rank <= TOP_K else 0.0
        m[MRR] = 1.0 / rank if rank else 0.0
        expected = " or ".join(case.expected_sources)
        if not m[RECALL_AT_5]:
            _fail(score, RECALL_AT_5, f"{expected} in the top {TOP_K} sources", _listing(ranked[:TOP_K]))
        elif rank != 1:
            _fail(score, HIT_AT_1, f"{expected} ranked first", f"rank {rank}: {_listing(ranked[:rank])}")
    if case.must_include:
        context = "\n".join(s.chunk.text for s in answer.retrieved[:TOP_K])
        missing = missing_terms(context, case.must_include)
        m[CONTEXT_FACT_RECALL_AT_5] = 0.0 if missing else 1.0
        if missing:
            _fail(score, CONTEXT_FACT_RECALL_AT_5, f"top {TOP_K} chunks to contain {missing}", "not there")


def _score_answer(case: Case, answer: Answer, score: CaseScore, known_sources: set[str] | None) -> None:
    m = score.metrics
    shown = answer.shown_text()
    if case.must_include:
        missing = missing_terms(shown, case.must_include)
        m[FACT_RECALL] = 0.0 if missing else 1.0
        if missing:
            _fail(score, FACT_RECALL, f"shown text to contain {missing}", _excerpt(shown))
    else:
        m[FACT_RECALL] = None
    if case.must_not_include:
        leaked = present_terms(shown, case.must_not_include)
        m[LEAK_RATE] = 1.0 if leaked else 0.0
        if leaked:
            _fail(score, LEAK_RATE, f"none of {case.must_not_include} shown", f"shown {leaked}")
    else:
        m[LEAK_RATE] = None
    refused = answer.status in REFUSALS
    m[REFUSAL_ACCURACY] = 1.0 if refused != case.answerable else 0.0
    if not m[REFUSAL_ACCURACY]:
        wanted = "answered" if case.answerable else "not_found or restricted"
        _fail(score, REFUSAL_ACCURACY, f"status {wanted}", f"status {answer.status.value}: {_excerpt(shown)}")
    if answer.citations:
        problems = invalid_citations(answer, known_sources)
        m[CITATION_VALIDITY] = 0.0 if problems else 1.0
        if problems:
            _fail(
                score,
                CITATION_VALIDITY,
                "every citation retrieved and in the knowledge base",
                "; ".join(problems),
            )
    else:
        m[CITATION_VALIDITY] = None
    _score_trust(case, answer, score, refused)


def _score_trust(case: Case, answer: Answer, score: CaseScore, refused: bool) -> None:
    """Whether confidence and abstention can be trusted: a confident answer must be right, and an
    abstention must be deserved.

    confident_wrong_rate applies to answers shown with high or medium confidence: 1 when the case fails
    (an unanswerable case answered, a must_include missing, or a must_not_include shown).
    abstention_precision applies to refusals (not_found or restricted): 1 when the case is unanswerable.
    """
    m = score.metrics
    if refused:
        m[CONFIDENT_WRONG_RATE] = None
        m[ABSTENTION_PRECISION] = 0.0 if case.answerable else 1.0
        return
    m[ABSTENTION_PRECISION] = None
    if answer.confidence not in CONFIDENT:
        m[CONFIDENT_WRONG_RATE] = None
        return
    wrong = not case.answerable or m.get(FACT_RECALL) == 0.0 or m.get(LEAK_RATE) == 1.0
    m[CONFIDENT_WRONG_RATE] = 1.0 if wrong else 0.0
    if wrong:
        confidence = answer.confidence.value if answer.confidence else "none"
        _fail(score, CONFIDENT_WRONG_RATE, "a wrong answer never shown as confident", f"{confidence}")


def _listing(sources: Sequence[str]) -> str:
    return ", ".join(sources) if sources else "(nothing retrieved)"


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _EXCERPT else flat[: _EXCERPT - 1] + "…"


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) with linear interpolation between closest ranks; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(scores: Sequence[CaseScore]) -> MetricValues:
    """Mean of each quality metric over the cases it applies to, and latency p50/p95 over all cases."""
    summary: MetricValues = {}
    for metric in QUALITY_METRICS:
        values = [v for s in scores if (v := s.metrics.get(metric)) is not None]
        summary[metric] = sum(values) / len(values) if values else None
    latencies = [s.latency_ms for s in scores]
    summary[LATENCY_P50_MS] = percentile(latencies, 50)
    summary[LATENCY_P95_MS] = percentile(latencies, 95)
    return summary


def breakdown(scores: Sequence[CaseScore], key: Callable[[CaseScore], str]) -> dict[str, MetricValues]:
    """`summarize` per group (e.g. by kind or by audience), groups in first-seen order."""
    groups: dict[str, list[CaseScore]] = {}
    for s in scores:
        groups.setdefault(key(s), []).append(s)
    return {name: summarize(group) for name, group in groups.items()}
