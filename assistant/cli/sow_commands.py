"""CLI commands `sow review` (a draft SOW against the playbook and past SOWs) and `eval sow` (its eval)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from assistant.cli.context import console, err_console, fail, settings_of, user_errors
from assistant.cli.eval_commands import eval_app

sow_app = typer.Typer(
    help="Review draft statements of work against the deal desk's playbook.", no_args_is_help=True
)

_STYLE = {"red": "bold red", "yellow": "yellow", "missing": "dim", "green": "green"}


def register(app: typer.Typer) -> None:
    """Add the `sow` group and `eval sow`."""
    app.add_typer(sow_app, name="sow")
    eval_app.command("sow")(eval_sow)


@sow_app.command("review")
def review(
    ctx: typer.Context,
    draft: Annotated[
        Path, typer.Argument(metavar="DRAFT", help="The draft SOW (.docx, .pdf or .md); never modified.")
    ],
    client: Annotated[str | None, typer.Option("--client", help="The client the draft is for.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the review as JSON.")] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the internal report (.md or .html, with history).")
    ] = None,
    out_docx: Annotated[
        Path | None, typer.Option("--docx", help="Write a commented copy of a Word draft (no history in it).")
    ] = None,
    playbook: Annotated[
        Path | None,
        typer.Option(
            "--playbook", help="Playbook folder or file to use instead of the live knowledge base's."
        ),
    ] = None,
    kb: Annotated[
        str, typer.Option("--kb", help="Knowledge-base version for the playbook and history.")
    ] = "live",
) -> None:
    """Check a draft SOW's positions against the playbook (GREEN / YELLOW / RED / missing) and past SOWs."""
    from assistant.sow_review import render_html, render_markdown, write_commented_copy
    from assistant.wiring import build_sow_reviewer

    settings = settings_of(ctx)
    with user_errors():
        if not draft.is_file():
            fail(f"{draft}: no such file")
        if out_docx is not None and draft.suffix.lower() != ".docx":
            fail(f"--docx needs a Word draft (.docx); {draft.name} is not one")
        reviewer = build_sow_reviewer(settings, version=kb, playbook_dir=playbook)
        result = reviewer.review_file(draft, client=client)
        if report is not None:
            text = (
                render_html(result) if report.suffix.lower() in (".html", ".htm") else render_markdown(result)
            )
            report.parent.mkdir(parents=True, exist_ok=True)
            report.write_text(text, encoding="utf-8")
        if out_docx is not None:
            placed = write_commented_copy(draft, result, out_docx)
            err_console.print(f"Wrote {out_docx} with {placed} comment(s).", highlight=False)
    if as_json:
        console.print_json(json.dumps(result.to_json(), ensure_ascii=False))
        return
    _print_review(result)


def _print_review(result: object) -> None:
    from assistant.sow_review import Review, summary_line

    assert isinstance(result, Review)
    table = Table(title=f"{escape(result.document)}: {summary_line(result)}", show_lines=False)
    for name in ("Status", "Topic", "Section", "Reason", "Past SOWs"):
        table.add_column(name, overflow="fold")
    for f in result.ordered():
        past = ", ".join(h.value for h in f.history) or "-"
        table.add_row(
            f"[{_STYLE[f.status.value]}]{f.status.value}[/]",
            escape(f.title),
            escape(f.section or "-"),
            escape(f.reason),
            escape(past),
        )
    console.print(table)


def eval_sow(
    ctx: typer.Context,
    dataset: Annotated[
        Path | None,
        typer.Option("--dataset", help="Labels YAML of the draft SOWs (default: evals/sow/labels.yaml)."),
    ] = None,
    playbook: Annotated[
        Path | None,
        typer.Option("--playbook", help="Playbook folder (default: the demo knowledge/playbook)."),
    ] = None,
    check: Annotated[bool, typer.Option("--check", help="Exit non-zero below the thresholds.")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="Write a Markdown report.")] = None,
    out_json: Annotated[Path | None, typer.Option("--json", help="Write the metrics as JSON.")] = None,
) -> None:
    """Per-topic precision and recall of the SOW reviewer's findings, and its status accuracy."""
    from assistant.sow_review import Reviewer, load_playbook
    from assistant.wiring import shared_embedder
    from evals.sow_review import DEFAULT_LABELS, evaluate_sow_reviewer, render_sow_report

    settings = settings_of(ctx)
    with user_errors():
        folder = playbook or settings.knowledge_dir / "playbook"
        reviewer = Reviewer(load_playbook([folder]), shared_embedder())
        result = evaluate_sow_reviewer(reviewer, dataset or DEFAULT_LABELS)
    text = render_sow_report(result)
    console.print(text, highlight=False, markup=False)
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(text, encoding="utf-8")
    if out_json is not None:
        out_json.write_text(json.dumps(result.to_json(), indent=2), encoding="utf-8")
    if check and result.failures:
        for failure in result.failures:
            err_console.print(f"[red]below threshold:[/] {escape(failure)}", highlight=False)
        raise typer.Exit(1)
