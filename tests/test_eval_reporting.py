"""Markdown and HTML reports from hand-built runs: tables, failures, embedded charts."""

from __future__ import annotations

import base64
import re

from assistant.models import Answer, Status
from evals.charts import latency_histogram, metric_bars
from evals.dataset import Case
from evals.judging import MetricRule, Thresholds, judge
from evals.metrics import score_case
from evals.reporting import Report, format_delta, render_html, render_markdown
from evals.running import CaseResult, RunResult

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def result(
    case_id: str, kind: str, status: Status, text: str, latency: float, **fields: object
) -> CaseResult:
    case = Case.model_validate({"id": case_id, "question": f"question {case_id}?", "kind": kind, **fields})
    answer = Answer(question=case.question, status=status, answer=text)
    return CaseResult(case=case, answer=answer, score=score_case(case, answer, latency))


def run(system: str, *results: CaseResult) -> RunResult:
    return RunResult(system=system, kb="live (v0001)", dataset="demo.jsonl", cases=list(results))


DEAL = run(
    "deal",
    result("q1", "answer", Status.ANSWERED, "Uptime is 99.9%.", 120.0, must_include=["99.9%"]),
    result("q2", "unanswerable", Status.NOT_FOUND, "Not in the knowledge base.", 80.0, audience="external"),
)
BASELINE = run(
    "baseline",
    result("q1", "answer", Status.ANSWERED, "Uptime is high.", 30.0, must_include=["99.9%"]),
    result("q2", "unanswerable", Status.ANSWERED, "Pinecrest pays 2M.", 25.0, must_not_include=["Pinecrest"]),
)


def report(**extra: object) -> Report:
    fields: dict[str, object] = {
        "title": "Eval of Deal Assistant",
        "primary": DEAL,
        "primary_label": "Deal Assistant",
        "other": BASELINE,
        "other_label": "LangChain tutorial baseline",
        **extra,
    }
    return Report(**fields)  # type: ignore[arg-type]


def test_markdown_report_compares_both_systems_metric_by_metric() -> None:
    md = render_markdown(report())

    row = next(line for line in md.splitlines() if line.startswith("| fact_recall |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[2:5] == ["1.000", "0.000", "+1.000 better"]
    assert "| refusal_accuracy |" in md
    assert "## By kind" in md and "## By audience" in md


def test_markdown_report_lists_each_case_outcome_and_the_primary_failures() -> None:
    failing_deal = run("deal", result("q9", "answer", Status.NOT_FOUND, "No.", 5.0, must_include=["4 hours"]))

    md = render_markdown(report(primary=failing_deal, other=None))

    outcome = "FAIL: context_fact_recall_at_5, fact_recall, refusal_accuracy"
    assert f"| q9 | answer | internal | question q9? | {outcome} |" in md
    assert "shown text to contain ['4 hours']" in md
    assert "status answered" in md


def test_markdown_report_states_the_gate_verdict_first() -> None:
    thresholds = Thresholds(metrics={"fact_recall": MetricRule(min=0.9)})
    checks = judge(BASELINE.summary(), None, thresholds)

    md = render_markdown(report(primary=BASELINE, other=None, checks=checks))

    assert md.splitlines()[2] == "**FAILED: fact_recall below the minimum 0.9**"


def test_html_report_is_self_contained_with_embedded_png_charts() -> None:
    page = render_html(report())

    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 2
    assert all(base64.b64decode(data).startswith(PNG_MAGIC) for data in images)
    assert "http://" not in page and "https://" not in page
    assert "<td>fact_recall</td>" in page


def test_html_report_escapes_text_from_answers_and_questions() -> None:
    nasty = run("deal", result("q<1>", "answer", Status.NOT_FOUND, "<script>x</script>", 1.0))

    page = render_html(report(primary=nasty, other=None))

    assert "<script>" not in page
    assert "q&lt;1&gt;" in page


def test_charts_render_png_even_for_missing_values_and_a_single_system() -> None:
    assert metric_bars({"Deal Assistant": {"hit_at_1": None}}).startswith(PNG_MAGIC)
    assert latency_histogram({"Deal Assistant": []}).startswith(PNG_MAGIC)


def test_delta_direction_follows_the_metric() -> None:
    assert format_delta("leak_rate", 0.0, 0.5) == "-0.500 better"
    assert format_delta("latency_p50_ms", 200.0, 100.0) == "+100 ms worse"
    assert format_delta("mrr", 0.5, None) == ""
