"""CLI commands `eval run` and `eval gate`: evaluate a knowledge base and system, gate a candidate version."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from assistant.cli.context import console, err_console, fail, settings_of, user_errors
from assistant.retrieval.embedding import Embedder
from assistant.settings import Settings
from assistant.wiring import shared_embedder
from evals.dataset import Case, default_dataset_path, load_dataset
from evals.gate import GateResult, run_gate
from evals.judging import MetricCheck, checks_to_json, judge, load_thresholds
from evals.reporting import Report, render_html, render_markdown, summary_rows, verdict_line
from evals.running import CaseResult, RunResult
from evals.systems import SYSTEM_LABELS, SystemName, Target, evaluate, folder_target, version_target

eval_app = typer.Typer(help="Evaluate answer quality and gate knowledge-base versions.", no_args_is_help=True)
_MAX_FAILURES_SHOWN = 15


class SystemChoice(StrEnum):
    deal = "deal"
    baseline = "baseline"


@contextmanager
def case_progress(total: int) -> Iterator[Callable[[CaseResult], None]]:
    """A progress bar on stderr advanced once per case."""
    bar = Progress(TextColumn("evaluating"), BarColumn(), MofNCompleteColumn(), console=err_console)
    task = bar.add_task("cases", total=total)
    with bar:
        yield lambda _result: bar.advance(task)


@contextmanager
def open_target(settings: Settings, knowledge: Path | None, kb: str, embedder: Embedder) -> Iterator[Target]:
    if knowledge is None:
        yield version_target(settings, kb)
    else:
        with folder_target(settings, knowledge, embedder) as target:
            yield target


def print_summary(report: Report) -> None:
    header, rows = summary_rows(report)
    table = Table(title=report.title, show_edge=False)
    shown = [i for i, name in enumerate(header) if name != "meaning"]  # too wide for a terminal
    for i in shown:
        table.add_column(header[i], overflow="fold")
    for row in rows:
        table.add_row(*(row[i] for i in shown))
    console.print(table)
    failures = report.primary.failures()
    for f in failures[:_MAX_FAILURES_SHOWN]:
        console.print(f"[red]{f.case_id}[/] {f.metric}: expected {f.expected}; got {f.got}", highlight=False)
    if len(failures) > _MAX_FAILURES_SHOWN:
        console.print(
            f"… and {len(failures) - _MAX_FAILURES_SHOWN} more failures (see --report/--html/--json)"
        )
    if verdict := verdict_line(report):
        console.print(f"[bold]{verdict}[/]", highlight=False)


def write_outputs(
    report: Report, payload: dict[str, Any], out_json: Path | None, md: Path | None, page: Path | None
) -> None:
    for path, text in (
        (out_json, lambda: json.dumps(payload, indent=2, ensure_ascii=False)),
        (md, lambda: render_markdown(report)),
        (page, lambda: render_html(report)),
    ):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text(), encoding="utf-8")
            err_console.print(f"wrote {path}", highlight=False)


def run_both(
    target: Target, primary: SystemChoice, compare: bool, cases: list[Case], dataset: Path, embedder: Embedder
) -> tuple[RunResult, RunResult | None]:
    name: SystemName = "deal" if primary is SystemChoice.deal else "baseline"
    runs = 2 if compare and name == "deal" else 1
    with case_progress(len(cases) * runs) as on_case:
        main_run = evaluate(target, name, cases, dataset=str(dataset), embedder=embedder, on_case=on_case)
        other = None
        if runs == 2:
            other = evaluate(
                target, "baseline", cases, dataset=str(dataset), embedder=embedder, on_case=on_case
            )
    return main_run, other


def register(app: typer.Typer) -> None:
    """Add the `eval` group."""
    app.add_typer(eval_app, name="eval")


DatasetOption = Annotated[
    Path | None,
    typer.Option(help="JSONL eval dataset (default: the packaged demo dataset).", show_default=False),
]
JsonOption = Annotated[Path | None, typer.Option("--json", help="Write metrics and every Answer as JSON.")]
ReportOption = Annotated[Path | None, typer.Option("--report", help="Write a Markdown report.")]
HtmlOption = Annotated[Path | None, typer.Option("--html", help="Write a self-contained HTML report.")]
KnowledgeOption = Annotated[
    Path | None,
    typer.Option(help="Ingest this folder into a throwaway data dir and evaluate it (instead of --kb)."),
]
KbOption = Annotated[
    str | None, typer.Option(help="Knowledge-base version to evaluate: live (default), staged or a name.")
]
ThresholdsOption = Annotated[
    Path | None, typer.Option("--thresholds", help="Thresholds YAML (default: evals/thresholds.yaml).")
]


@eval_app.command("run")
def run_command(
    ctx: typer.Context,
    dataset: DatasetOption = None,
    knowledge: KnowledgeOption = None,
    kb: KbOption = None,
    system: Annotated[
        SystemChoice, typer.Option(help="deal (Deal Assistant) or baseline.")
    ] = SystemChoice.deal,
    compare_baseline: Annotated[
        bool,
        typer.Option(
            "--compare-baseline/--no-compare-baseline", help="Also run the LangChain tutorial baseline."
        ),
    ] = True,
    out_json: JsonOption = None,
    report_md: ReportOption = None,
    report_html: HtmlOption = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit non-zero below the absolute thresholds.")
    ] = False,
    thresholds_file: ThresholdsOption = None,
) -> None:
    """Run a dataset through Deal Assistant (or the baseline) and report retrieval and answer quality."""
    if knowledge is not None and kb is not None:
        fail("give either --knowledge or --kb, not both")
    settings = settings_of(ctx)
    dataset = dataset or default_dataset_path()
    with user_errors():
        cases = load_dataset(dataset)
        thresholds = load_thresholds(thresholds_file) if check else None
        embedder = shared_embedder()
        with open_target(settings, knowledge, kb or "live", embedder) as target:
            primary, other = run_both(target, system, compare_baseline, cases, dataset, embedder)
    checks: list[MetricCheck] | None = judge(primary.summary(), None, thresholds) if thresholds else None
    report = Report(
        title=f"Eval of {SYSTEM_LABELS[primary.system]} on {primary.kb}",
        primary=primary,
        primary_label=SYSTEM_LABELS[primary.system],
        other=other,
        other_label=SYSTEM_LABELS["baseline"] if other else None,
        checks=checks,
    )
    payload = primary.to_json()
    payload["comparison"] = other.to_json() if other else None
    payload["checks"] = checks_to_json(checks) if checks is not None else None
    print_summary(report)
    write_outputs(report, payload, out_json, report_md, report_html)
    if checks is not None and not all(c.passed for c in checks):
        fail("below the thresholds: " + ", ".join(c.metric for c in checks if not c.passed))


def gate_report(result: GateResult) -> Report:
    notes = (
        [] if result.baseline else ["No baseline version yet: judged against the absolute thresholds only."]
    )
    return Report(
        title=f"Gate: {result.candidate_label} vs {result.baseline_label or 'thresholds'}",
        primary=result.candidate,
        primary_label=f"candidate {result.candidate_label}",
        other=result.baseline,
        other_label=f"baseline {result.baseline_label}" if result.baseline_label else None,
        checks=result.checks,
        notes=notes,
    )


@eval_app.command("gate")
def gate_command(
    ctx: typer.Context,
    candidate: Annotated[str, typer.Option(help="Knowledge-base version to gate.")] = "staged",
    baseline: Annotated[
        str, typer.Option(help="Version to compare with (skipped when it does not exist yet).")
    ] = "live",
    dataset: DatasetOption = None,
    thresholds_file: ThresholdsOption = None,
    out_json: JsonOption = None,
    report_md: ReportOption = None,
    report_html: HtmlOption = None,
) -> None:
    """Evaluate a candidate version against a baseline version; exit non-zero when the gate fails."""
    settings = settings_of(ctx)
    dataset = dataset or default_dataset_path()
    with user_errors():
        thresholds = load_thresholds(thresholds_file)
        total = len(load_dataset(dataset)) * 2
        with case_progress(total) as on_case:
            result = run_gate(settings, candidate, baseline, dataset, thresholds=thresholds, on_case=on_case)
    report = gate_report(result)
    payload = {
        "passed": result.passed,
        "candidate": result.candidate.to_json(),
        "baseline": result.baseline.to_json() if result.baseline else None,
        "checks": checks_to_json(result.checks),
    }
    print_summary(report)
    write_outputs(report, payload, out_json, report_md, report_html)
    if not result.passed:
        fail("gate failed: " + ", ".join(c.metric for c in result.failed_checks()))


@eval_app.command("llm")
def llm_command(
    ctx: typer.Context,
    dataset: DatasetOption = None,
    knowledge: KnowledgeOption = None,
    kb: KbOption = None,
    out_json: JsonOption = None,
    report_md: ReportOption = None,
    report_html: HtmlOption = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Exit non-zero when the model path is worse than offline on fact recall or refusal "
            "accuracy, leaks, shows an unfit answer, or shows fewer than half of its drafts.",
        ),
    ] = False,
) -> None:
    """Run a dataset offline and through the configured chat model (DEAL_LLM), and compare the two.

    Sends knowledge-base text to the configured endpoint: run it against a model you may send it to.
    """
    from evals.model_path import model_path_stats, stats_lines, target_problems

    if knowledge is not None and kb is not None:
        fail("give either --knowledge or --kb, not both")
    settings = settings_of(ctx)
    if not settings.llm:
        fail("no chat model configured: set DEAL_LLM (and DEAL_LLM_BASE_URL for a local server); see README")
    dataset = dataset or default_dataset_path()
    with user_errors():
        cases = load_dataset(dataset)
        embedder = shared_embedder()
        with open_target(settings, knowledge, kb or "live", embedder) as target:
            offline_target = replace(target, settings=target.settings.model_copy(update={"llm": None}))
            with case_progress(len(cases) * 2) as on_case:
                offline = evaluate(
                    offline_target, "deal", cases, dataset=str(dataset), embedder=embedder, on_case=on_case
                )
                model_run = evaluate(
                    target, "deal", cases, dataset=str(dataset), embedder=embedder, on_case=on_case
                )
    stats = model_path_stats(model_run)
    problems = target_problems(model_run, offline, stats)
    report = Report(
        title=f"Model path ({settings.llm}) vs offline on {model_run.kb}",
        primary=model_run,
        primary_label=f"model {settings.llm}",
        other=offline,
        other_label="offline",
        notes=[*stats_lines(stats), f"Targets: {'; '.join(problems) if problems else 'all met'}."],
    )
    payload = model_run.to_json()
    payload["comparison"] = offline.to_json()
    payload["model_path"] = {**stats.to_json(), "target_problems": problems}
    print_summary(report)
    for line in report.notes:
        console.print(line, highlight=False)
    write_outputs(report, payload, out_json, report_md, report_html)
    if check and problems:
        fail("model path below its targets: " + "; ".join(problems))
