"""CLI commands for the knowledge base: ingest, kb status / promote / rollback / repair, and the demo run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from assistant.cli.context import console, err_console, fail, settings_of, user_errors
from assistant.retrieval.catalog import Catalog
from assistant.retrieval.registry import REBUILD_HINT, Registry
from assistant.retrieval.repair import RepairResult, describe, rebuild_registry
from assistant.settings import Settings
from assistant.wiring import open_chroma, open_registry, run_ingest, shared_embedder
from ingest import pipeline

kb_app = typer.Typer(help="Knowledge-base versions: status, promote, rollback, repair.", no_args_is_help=True)


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


def do_ingest(
    settings: Settings, path: Path | None, stage: bool, rebuild: bool = False
) -> pipeline.IngestReport:
    progress = RichProgress()
    try:
        if rebuild:
            # TODO(wiring): run_ingest has no rebuild parameter yet; same objects, built here meanwhile
            report = pipeline.build_version(
                path or settings.knowledge_dir,
                registry=open_registry(settings),
                chroma=open_chroma(settings),
                load_embedder=shared_embedder,
                stage=stage,
                rebuild=True,
                keep_versions=settings.keep_versions,
                progress=progress,
            )
        else:
            report = run_ingest(settings, path, stage=stage, progress=progress)
    finally:
        progress.stop()
    print_report(report)
    return report


def print_status(settings: Settings, today: dt.date) -> bool:
    """Print the versions and their health; False when the live or staged version is missing parts."""
    registry = open_registry(settings)
    state = registry.state()
    if not state.versions:
        console.print("No knowledge base yet: run `deal-assistant ingest`.")
        return True
    collections = set(open_chroma(settings).names())
    table = Table(title="Knowledge-base versions", show_edge=False)
    for col in ("version", "role", "documents", "chunks", "built at", "source root", "health"):
        table.add_column(col)
    damaged: dict[str, list[str]] = {}
    for row in describe(state):
        missing = registry.missing_parts(row["name"], collections)
        if missing:
            damaged[row["name"]] = missing
        table.add_row(
            row["name"],
            row["role"],
            str(row["documents"]),
            str(row["chunks"]),
            row["built_at"],
            row["source_root"],
            f"[red]missing {', '.join(missing)}[/]" if missing else "ok",
        )
    console.print(table)
    for name, missing in damaged.items():
        role = "live " if name == state.live else "staged " if name == state.staged else ""
        err_console.print(
            f"[red]damaged:[/] {role}version {name} is missing its {' and '.join(missing)}",
            highlight=False,
            soft_wrap=True,
        )
    if state.live in damaged:
        err_console.print(f"The live version cannot answer: {REBUILD_HINT}.", highlight=False, soft_wrap=True)
    elif state.live:
        print_overdue(Catalog(registry.paths(state.live).catalog, readonly=True), today)
        print_library_health(settings, today)
    return not ({state.live, state.staged} & set(damaged))


def check_promotable(settings: Settings, registry: Registry, name: str, during_gate: bool = False) -> None:
    """Fail with one line unless `name` is a registered version, not live, with its catalog and vectors."""
    state = registry.state()
    if name == state.live:
        fail(f"version {name} is already live")
    if name not in state.versions:
        if during_gate:
            fail(f"version {name} vanished during the eval gate: not promoted")
        known = ", ".join(sorted(state.versions)) or "none"
        fail(f"unknown knowledge-base version {name!r} (known: {known})")
    missing = registry.missing_parts(name, set(open_chroma(settings).names()))
    if missing:
        when = " during the eval gate" if during_gate else ""
        fail(f"version {name} lost its {' and '.join(missing)}{when}: not promoted")


def gate(settings: Settings, name: str, dataset: Path | None) -> None:
    """Run the eval gate on `name` against live; fail with one line if it does not pass."""
    from assistant.cli.eval_commands import gate_report, print_summary
    from assistant.gate_records import GateRecord, gate_record_path, save_gate_record
    from evals.gate import run_gate

    result = run_gate(settings, candidate=name, baseline="live", dataset=dataset)
    print_summary(gate_report(result))
    record = GateRecord(
        candidate=name,
        baseline=result.baseline_label,
        passed=result.passed,
        failed=[c.metric for c in result.failed_checks()],
        at=dt.datetime.now(dt.UTC),
    )
    save_gate_record(gate_record_path(settings.data_dir), record)  # the bot's Home tab shows it
    if not result.passed:
        failed = ", ".join(c.metric for c in result.failed_checks())
        fail(f"the eval gate failed ({failed}): not promoted (use --force to promote anyway)")


def print_repair(result: RepairResult) -> None:
    state = result.state
    if not result.rebuilt:
        console.print(f"Nothing to repair: the registry is readable (live: {state.live or 'none'}).")
        return
    console.print(f"Rebuilt the registry from {len(state.versions)} version catalog(s).")
    if result.kept_copy:
        console.print(f"The unreadable registry was kept as {result.kept_copy}.", highlight=False)
    console.print(
        f"live: [bold]{state.live or 'none'}[/] (the most recent complete version that was live)"
        if state.live
        else "live: none (every version was built with --stage and never built on)"
    )
    if state.staged:
        console.print(
            f"staged: [bold]{state.staged}[/] (built with --stage and never promoted: "
            "`deal-assistant kb promote` runs the eval gate)"
        )
    if state.history:
        console.print(f"history (for rollback): {', '.join(state.history)}")
    for name, reason in result.skipped.items():
        err_console.print(f"[yellow]skipped:[/] {name}: {reason}", highlight=False)


def print_library_health(settings: Settings, today: dt.date) -> None:
    """The answer library's findings and usage (the `library lint` digest), under the versions."""
    from assistant.cli.library_commands import lint_report
    from assistant.library import digest_text

    console.print("[bold]Answer library[/] (`deal-assistant library lint` for the same report):")
    digest = digest_text(lint_report(settings, today=today))
    console.print(digest, markup=False, highlight=False, soft_wrap=True)


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
        rebuild: bool = typer.Option(
            False, "--rebuild", help="Read and embed every file again, ignoring the live version."
        ),
    ) -> None:
        """Ingest a knowledge folder incrementally into a new knowledge-base version."""
        settings = settings_of(ctx)
        with user_errors():
            report = do_ingest(settings, path, stage, rebuild)
        if report.failed:
            raise typer.Exit(1)

    @kb_app.command("status")
    def status(ctx: typer.Context) -> None:
        """List versions, their health, and the documents past their review date, by owner."""
        with user_errors():
            healthy = print_status(settings_of(ctx), dt.date.today())
        if not healthy:
            raise typer.Exit(1)

    @kb_app.command("promote")
    def promote(
        ctx: typer.Context,
        version: str | None = typer.Argument(
            None, help="Version to make live, e.g. one left by a rollback (default: the staged one)."
        ),
        force: bool = typer.Option(False, "--force", help="Promote even if the eval gate fails."),
        dataset: Path | None = typer.Option(None, help="Eval dataset for the gate (default: the demo set)."),
    ) -> None:
        """Make the staged (or a named) version live, atomically, if it passes the eval gate."""
        settings = settings_of(ctx)
        with user_errors():
            registry = open_registry(settings)
            # Held from choosing the candidate to switching live: an `ingest --stage` meanwhile waits,
            # so it can neither delete the candidate under the gate nor swap in an ungated one.
            with registry.locked(on_wait=lambda: err_console.print("waiting for a running ingest...")):
                name = version or registry.state().staged
                if not name:
                    fail("nothing staged to promote: run `deal-assistant ingest --stage` first")
                check_promotable(settings, registry, name)
                if not force:
                    gate(settings, name, dataset)
                check_promotable(settings, registry, name, during_gate=True)
                state = registry.promote(name)
            console.print(f"Version [bold]{state.live}[/] is now live.")

    @kb_app.command("rollback")
    def rollback(ctx: typer.Context) -> None:
        """Return to the previous live version (the one left is kept; `kb promote NAME` returns to it)."""
        with user_errors():
            registry = open_registry(settings_of(ctx))
            left = registry.state().live
            state = registry.rollback()
            console.print(
                f"Rolled back: version [bold]{state.live}[/] is live again "
                f"(`deal-assistant kb promote {left}` goes forward again)."
            )

    @kb_app.command("repair")
    def repair(ctx: typer.Context) -> None:
        """Rebuild a missing or unreadable registry from the versions' own catalogs."""
        settings = settings_of(ctx)
        with user_errors():
            print_repair(rebuild_registry(open_registry(settings), set(open_chroma(settings).names())))

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
