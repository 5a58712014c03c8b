"""CLI command `questionnaire`: fill an .xlsx/.docx RFP questionnaire with drafted, cited answers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.cli.context import console, err_console, settings_of, user_errors
from assistant.models import Audience
from assistant.questionnaires import (
    QuestionnaireSummary,
    default_output_path,
    fill_questions,
    read_questionnaire,
)
from assistant.questionnaires.writing import check_output
from assistant.sizes import mib_bytes

_REVIEW_SHOWN = 10


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("questionnaire")(questionnaire)


def questionnaire(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(metavar="IN", help="The questionnaire to fill (.xlsx or .docx); never modified.")
    ],
    client: Annotated[str, typer.Option("--client", help="Client or prospect the answers are for.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Filled copy to write (default: IN-filled.xlsx next to IN)."),
    ] = None,
    audience: Annotated[
        Audience,
        typer.Option(
            "--audience",
            case_sensitive=False,
            help="internal (default; the deal team reviews the copy) or external (public documents only).",
        ),
    ] = Audience.INTERNAL,
) -> None:
    """Draft an answer to every question of an RFP questionnaire and write a filled copy for review."""
    settings = settings_of(ctx)
    out_path = out or default_output_path(path)
    with user_errors():
        found = read_questionnaire(
            path,
            max_bytes=mib_bytes(settings.questionnaire_max_mb),
            max_questions=settings.questionnaire_max_questions,
        )
        check_output(path, out_path)
        err_console.print(f"Found {len(found.questions)} questions in {path.name}.", highlight=False)
        from assistant.wiring import build_assistant  # loads the models: only once the file is known good

        assistant = build_assistant(settings)
        with Progress(
            TextColumn("Drafting answers"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
        ) as bar:
            task = bar.add_task("draft", total=None)

            def report(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            summary = fill_questions(
                found, out_path, client=client, audience=audience, answerer=assistant, progress=report
            )
    _print_summary(summary)


def _print_summary(summary: QuestionnaireSummary) -> None:
    table = Table(
        title=f"{escape(summary.source.name)}: {summary.questions} questions, {summary.unique} unique"
    )
    table.add_column("Result")
    table.add_column("Questions", justify="right")
    for label, count in (
        ("high confidence", summary.high),
        ("medium confidence", summary.medium),
        ("low confidence", summary.low),
        ("not found", summary.not_found),
        ("restricted", summary.restricted),
    ):
        table.add_row(label, str(count))
    table.add_row("[bold]needs review[/]", f"[bold]{summary.needs_review}[/]")
    console.print(table)
    for item in summary.to_review[:_REVIEW_SHOWN]:
        console.print(f"  review: {item}", highlight=False, markup=False)
    if len(summary.to_review) > _REVIEW_SHOWN:
        console.print(f"  ... and {len(summary.to_review) - _REVIEW_SHOWN} more", highlight=False)
    console.print(summary.text(), highlight=False)
    console.print(f"Wrote {summary.output}", highlight=False)
