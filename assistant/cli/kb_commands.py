"""CLI commands for the knowledge base: ingest, kb status / promote / rollback, and the demo run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from assistant.catalog import Catalog
from assistant.cli.context import console, err_console, fail, settings_of, user_errors
from assistant.settings import Settings
from assistant.versions import describe
from assistant.wiring import open_registry, run_ingest
from ingest import pipeline

kb_app = typer.Typer(help="Knowledge-base versions: status, promote, rollback.", no_args_is_help=True)


class RichProgress(pipeline.Progress):
    """A progress bar while embedding; warnings printed as they happen."""

    def __init__(self) -> None:
        self.bar = Progress(
            TextColumn("embedding"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err_console,
        )
        self.task: object | None = None

    def start_embedding(self, total: int) -> None:
        if total:
            self.bar.start()
            self.task = self.bar.add_task("embedding", total=total)

    def advance(self, n: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, n)  # type: ignore[arg-type]

    def warn(self, message: str) -> None:
        err_console.print(f"[yellow]warning:[/] {message}", highlight=False)

    def stop(self) -> None:
        self.bar.stop()


def print_report(report: pipeline.IngestReport) -> None:
    table = Table(title=f"Ingest of {report.root}", show_edge=False)
    for col in ("added", "updated", "unchanged", "removed", "failed", "chunks embedded", "seconds"):
        table.add_column(col, justify="right")
    table.add_row(
        *(str(report.count(o)) for o in ("added", "updated", "unchanged", "removed", "failed")),  # type: ignore[arg-type]
        str(report.chunks_embedded),
        f"{report.seconds:.1f}",
    )
    console.print(table)
    for failure in report.failed:
        err_console.print(f"[red]failed:[/] {failure.source}: {failure.reason}", highlight=False)
    if report.version:
        where = "staged (promote with `deal-assistant kb promote`)" if report.staged else "live"
        console.print(f"Built knowledge-base version [bold]{report.version}[/], now {where}.")
    else:
        console.print("Nothing changed: the live knowledge base is up to date.")


def do_ingest(settings: Settings, path: Path | None, stage: bool) -> pipeline.IngestReport:
    progress = RichProgress()
    try:
        report = run_ingest(settings, path, stage=stage, progress=progress)
    finally:
        progress.stop()
    print_report(report)
    return report


def print_status(settings: Settings, today: dt.date) -> None:
    registry = open_registry(settings)
    state = registry.state()
    if not state.versions:
        console.print("No knowledge base yet: run `deal-assistant ingest`.")
        return
    table = Table(title="Knowledge-base versions", show_edge=False)
    for col in ("version", "role", "documents", "chunks", "built at", "source root"):
        table.add_column(col)
    for row in describe(state):
        table.add_row(
            row["name"],
            row["role"],
            str(row["documents"]),
            str(row["chunks"]),
            row["built_at"],
            row["source_root"],
        )
    console.print(table)
    if state.live:
        print_overdue(Catalog(registry.paths(state.live).catalog, readonly=True), today)


def print_overdue(catalog: Catalog, today: dt.date) -> None:
    by_owner: dict[str, list[str]] = {}
    for record in catalog.files().values():
        review_by = record.meta.get("review_by")
        if review_by and dt.date.fromisoformat(str(review_by)) < today:
            owner = record.meta.get("owner") or "(no owner)"
            by_owner.setdefault(str(owner), []).append(f"{record.source} (review by {review_by})")
    catalog.close()
    if not by_owner:
        console.print("No live document is past its review date.")
        return
    console.print("[bold]Past their review date[/] (live version):")
    for owner in sorted(by_owner):
        console.print(f"  {owner}:", highlight=False)
        for line in sorted(by_owner[owner]):
            console.print(f"    - {line}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ingest, kb and demo commands."""

    @app.command()
    def ingest(
        ctx: typer.Context,
        path: Path | None = typer.Argument(None, help="Knowledge folder (default: DEAL_KNOWLEDGE_DIR)."),
        stage: bool = typer.Option(False, "--stage", help="Build a candidate beside the live version."),
    ) -> None:
        """Ingest a knowledge folder incrementally into a new knowledge-base version."""
        settings = settings_of(ctx)
        with user_errors():
            report = do_ingest(settings, path, stage)
        if report.failed:
            raise typer.Exit(1)

    @kb_app.command("status")
    def status(ctx: typer.Context) -> None:
        """List versions and the documents past their review date, by owner."""
        with user_errors():
            print_status(settings_of(ctx), dt.date.today())

    @kb_app.command("promote")
    def promote(
        ctx: typer.Context,
        force: bool = typer.Option(False, "--force", help="Promote even if the eval gate fails."),
        dataset: Path | None = typer.Option(None, help="Eval dataset for the gate (default: the demo set)."),
    ) -> None:
        """Make the staged version live, atomically, if it passes the eval gate."""
        settings = settings_of(ctx)
        with user_errors():
            registry = open_registry(settings)
            state = registry.state()
            if not state.staged:
                fail("nothing staged to promote: run `deal-assistant ingest --stage` first")
            if not force:
                from assistant.cli.eval_commands import gate_report, print_summary
                from evals.gate import run_gate

                result = run_gate(settings, candidate="staged", baseline="live", dataset=dataset)
                print_summary(gate_report(result))
                if not result.passed:
                    failed = ", ".join(c.metric for c in result.failed_checks())
                    fail(f"the eval gate failed ({failed}): not promoted (use --force to promote anyway)")
            state = registry.promote()
            console.print(f"Version [bold]{state.live}[/] is now live.")

    @kb_app.command("rollback")
    def rollback(ctx: typer.Context) -> None:
        """Return to the previous live version."""
        with user_errors():
            state = open_registry(settings_of(ctx)).rollback()
            console.print(f"Rolled back: version [bold]{state.live}[/] is live again.")

    app.add_typer(kb_app, name="kb")

    @app.command()
    def demo(
        ctx: typer.Context,
        question: str = typer.Option(
            "What uptime SLA do we commit for the CCM platform?", help="Question asked at the end."
        ),
    ) -> None:
        """Ingest the configured knowledge folder, show the status, and answer one question."""
        from assistant.cli.ask_commands import print_answer
        from assistant.models import Request
        from assistant.wiring import build_assistant

        settings = settings_of(ctx)
        with user_errors():
            do_ingest(settings, None, stage=False)
            print_status(settings, dt.date.today())
            console.rule(f"ask: {question}")
            print_answer(build_assistant(settings).ask(Request(question=question)))
