"""Metrics on small hand-computed cases: Answers built by hand from the shared models."""

from __future__ import annotations

import pytest

from assistant.models import (
    Answer,
    Audience,
    Chunk,
    Citation,
    Confidentiality,
    DocType,
    DocumentMeta,
    Note,
    NoteKind,
    ScoredChunk,
    Status,
)
from evals.dataset import Case
from evals.metrics import (
    CITATION_VALIDITY,
    CONTEXT_FACT_RECALL_AT_5,
    FACT_RECALL,
    HIT_AT_1,
    LATENCY_P50_MS,
    LATENCY_P95_MS,
    LEAK_RATE,
    MRR,
    RECALL_AT_5,
    REFUSAL_ACCURACY,
    breakdown,
    distinct_sources,
    lower_is_better,
    percentile,
    score_case,
    summarize,
)


def chunk(source: str, n: int = 0, text: str = "", title: str = "Doc") -> Chunk:
    return Chunk(
        id=f"{source}#{n}",
        source=source,
        doc_type=DocType.OFFERING,
        position=n,
        text=text or f"text of {source} part {n}",
        meta=DocumentMeta(title=title, confidentiality=Confidentiality.INTERNAL),
    )


def ranked(*chunks: Chunk) -> list[ScoredChunk]:
    return [
        ScoredChunk(chunk=c, score=1 - i / 10, similarity=1 - i / 10, rank=i + 1)
        for i, c in enumerate(chunks)
    ]


def cite(number: int, c: Chunk) -> Citation:
    return Citation(number=number, source=c.source, title=c.title, chunk_id=c.id)


def answer(
    status: Status = Status.ANSWERED,
    text: str = "",
    retrieved: list[ScoredChunk] | None = None,
    citations: list[Citation] | None = None,
    notes: list[Note] | None = None,
) -> Answer:
    return Answer(
        question="q",
        status=status,
        answer=text,
        retrieved=retrieved or [],
        citations=citations or [],
        notes=notes or [],
    )


def case(**fields: object) -> Case:
    return Case.model_validate({"id": "c1", "question": "q", **fields})


def test_distinct_sources_keep_rank_order_and_name_each_source_once() -> None:
    retrieved = ranked(chunk("a.md", 0), chunk("a.md", 1), chunk("b.md"), chunk("a.md", 2), chunk("c.md"))

    assert distinct_sources(retrieved) == ["a.md", "b.md", "c.md"]


def test_expected_source_third_among_distinct_sources_scores_mrr_one_third() -> None:
    retrieved = ranked(chunk("a.md", 0), chunk("a.md", 1), chunk("b.md"), chunk("c.md"))

    score = score_case(case(expected_sources=["c.md"]), answer(retrieved=retrieved), 5.0)

    assert score.metrics[HIT_AT_1] == 0.0
    assert score.metrics[RECALL_AT_5] == 1.0
    assert score.metrics[MRR] == pytest.approx(1 / 3)
    [failure] = score.failures
    assert failure.metric == HIT_AT_1
    assert "rank 3" in failure.got


def test_any_one_expected_source_counts_as_a_hit() -> None:
    retrieved = ranked(chunk("b.md"), chunk("a.md"))

    score = score_case(case(expected_sources=["a.md", "b.md"]), answer(retrieved=retrieved), 5.0)

    assert score.metrics[HIT_AT_1] == 1.0
    assert score.metrics[MRR] == 1.0
    assert score.passed


def test_expected_source_sixth_misses_recall_at_5_but_keeps_reciprocal_rank() -> None:
    retrieved = ranked(*(chunk(f"{name}.md") for name in "abcdef"))

    score = score_case(case(expected_sources=["f.md"]), answer(retrieved=retrieved), 5.0)

    assert score.metrics[RECALL_AT_5] == 0.0
    assert score.metrics[MRR] == pytest.approx(1 / 6)
    [failure] = score.failures
    assert failure.metric == RECALL_AT_5
    assert failure.got == "a.md, b.md, c.md, d.md, e.md"


def test_context_fact_recall_looks_only_at_the_top_five_chunks_case_insensitively() -> None:
    top_five = [chunk("a.md", i, text="uptime is 99.9% monthly" if i == 0 else "filler") for i in range(5)]
    sixth = chunk("b.md", text="response within 4 HOURS")
    retrieved = ranked(*top_five, sixth)

    found = score_case(case(must_include=["UPTIME IS 99.9%"]), answer(retrieved=retrieved), 1.0)
    beyond = score_case(case(must_include=["99.9%", "4 hours"]), answer(retrieved=retrieved), 1.0)

    assert found.metrics[CONTEXT_FACT_RECALL_AT_5] == 1.0
    assert beyond.metrics[CONTEXT_FACT_RECALL_AT_5] == 0.0
    assert beyond.failures[0].metric == CONTEXT_FACT_RECALL_AT_5


def test_fact_recall_needs_every_fact_somewhere_in_the_shown_text() -> None:
    c = chunk("offerings/ccm.docx", title="CCM Platform")
    shown_in_parts = answer(
        text="Uptime is 99.9%.",
        notes=[Note(kind=NoteKind.REVIEW_DUE, text="Reviewed in March")],
        retrieved=ranked(c),
        citations=[cite(1, c)],
    )
    partial = answer(text="Uptime is 99.9%.")
    facts = case(must_include=["99.9%", "ccm platform", "reviewed in march"])

    assert score_case(facts, shown_in_parts, 1.0).metrics[FACT_RECALL] == 1.0
    missed = score_case(facts, partial, 1.0)
    assert missed.metrics[FACT_RECALL] == 0.0
    assert "ccm platform" in missed.failures[0].expected


def test_a_forbidden_term_in_the_source_list_is_a_leak() -> None:
    c = chunk("sows/pinecrest-sow.docx", title="Pinecrest SOW")
    leaky = answer(text="We offer 24/7 support.", retrieved=ranked(c), citations=[cite(1, c)])
    clean = answer(text="We offer 24/7 support.")
    rule = case(must_not_include=["pinecrest"])

    leaked = score_case(rule, leaky, 1.0)
    assert leaked.metrics[LEAK_RATE] == 1.0
    assert leaked.failures[0].metric == LEAK_RATE
    assert score_case(rule, clean, 1.0).metrics[LEAK_RATE] == 0.0
    assert score_case(case(), clean, 1.0).metrics[LEAK_RATE] is None


@pytest.mark.parametrize(
    ("kind", "status", "correct"),
    [
        ("unanswerable", Status.NOT_FOUND, 1.0),
        ("unanswerable", Status.RESTRICTED, 1.0),
        ("unanswerable", Status.ANSWERED, 0.0),
        ("answer", Status.ANSWERED, 1.0),
        ("answer", Status.NOT_FOUND, 0.0),
        ("answer", Status.RESTRICTED, 0.0),
    ],
)
def test_refusal_accuracy_wants_refusals_only_for_unanswerable_cases(
    kind: str, status: Status, correct: float
) -> None:
    score = score_case(case(kind=kind), answer(status=status), 1.0)

    assert score.metrics[REFUSAL_ACCURACY] == correct
    assert score.passed == bool(correct)


def test_unanswerable_cases_have_no_retrieval_metrics() -> None:
    score = score_case(case(kind="unanswerable", must_include=["x"]), answer(Status.NOT_FOUND, "x"), 1.0)

    assert HIT_AT_1 not in score.metrics
    assert CONTEXT_FACT_RECALL_AT_5 not in score.metrics


def test_citation_validity_requires_retrieved_chunks_from_known_sources() -> None:
    a, b = chunk("a.md"), chunk("b.md")
    known = {"a.md", "b.md"}
    valid = answer(retrieved=ranked(a, b), citations=[cite(1, a), cite(2, b)])
    not_retrieved = answer(retrieved=ranked(a), citations=[cite(1, a), cite(2, b)])
    unknown_source = answer(retrieved=ranked(a, b), citations=[cite(1, a), cite(2, b)])

    assert score_case(case(), valid, 1.0, known).metrics[CITATION_VALIDITY] == 1.0
    bad = score_case(case(), not_retrieved, 1.0, known)
    assert bad.metrics[CITATION_VALIDITY] == 0.0
    assert "b.md#0 was not retrieved" in bad.failures[0].got
    assert score_case(case(), unknown_source, 1.0, {"a.md"}).metrics[CITATION_VALIDITY] == 0.0
    assert score_case(case(), answer(), 1.0, known).metrics[CITATION_VALIDITY] is None


def test_a_system_error_fails_every_applicable_metric() -> None:
    rule = case(kind="draft", client="Acme", expected_sources=["a.md"], must_include=["x"])

    score = score_case(rule, None, 3.0, error="UnknownClientError: Acme")

    assert score.metrics[HIT_AT_1] == score.metrics[FACT_RECALL] == score.metrics[REFUSAL_ACCURACY] == 0.0
    assert score.failures[0].metric == "error"
    assert score.failures[0].got == "UnknownClientError: Acme"


def test_percentile_interpolates_between_closest_ranks() -> None:
    assert percentile([40.0, 10.0, 30.0, 20.0], 50) == pytest.approx(25.0)
    assert percentile([40.0, 10.0, 30.0, 20.0], 95) == pytest.approx(38.5)
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


def test_summary_means_skip_cases_a_metric_does_not_apply_to() -> None:
    hit = score_case(case(expected_sources=["a.md"]), answer(retrieved=ranked(chunk("a.md"))), 10.0)
    miss = score_case(case(expected_sources=["z.md"]), answer(retrieved=ranked(chunk("a.md"))), 20.0)
    refusal = score_case(
        case(kind="unanswerable", must_not_include=["secret"]), answer(Status.NOT_FOUND), 30.0
    )
    leak = score_case(case(kind="unanswerable", must_not_include=["secret"]), answer(text="secret"), 40.0)

    summary = summarize([hit, miss, refusal, leak])

    assert summary[HIT_AT_1] == 0.5  # over the two answerable cases only
    assert summary[LEAK_RATE] == 0.5  # over the two cases with must_not_include
    assert summary[REFUSAL_ACCURACY] == 0.75
    assert summary[FACT_RECALL] is None  # no case has must_include
    assert summary[LATENCY_P50_MS] == pytest.approx(25.0)
    assert summary[LATENCY_P95_MS] == pytest.approx(38.5)


def test_breakdown_groups_by_kind_and_by_audience() -> None:
    external = case(kind="unanswerable", audience="external")
    internal = case(kind="answer", audience=Audience.INTERNAL)
    scores = [score_case(external, answer(Status.RESTRICTED), 1.0), score_case(internal, answer(), 1.0)]

    by_kind = breakdown(scores, lambda s: s.kind)
    by_audience = breakdown(scores, lambda s: s.audience)

    assert list(by_kind) == ["unanswerable", "answer"]
    assert by_audience["external"][REFUSAL_ACCURACY] == 1.0
    assert by_audience["internal"][REFUSAL_ACCURACY] == 1.0


def test_leak_rate_and_latencies_are_lower_is_better() -> None:
    assert lower_is_better(LEAK_RATE)
    assert lower_is_better(LATENCY_P95_MS)
    assert not lower_is_better(FACT_RECALL)
