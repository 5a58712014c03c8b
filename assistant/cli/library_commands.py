"""CLI commands of the answer library: `library import`, `pending`, `write` and `lint`."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.cli.context import console, err_console, settings_of, user_errors
from assistant.settings import Settings
from assistant.sizes import mib_bytes

if TYPE_CHECKING:
    from assistant.library import LintReport, UsageEvent

library_app = typer.Typer(
    help="The answer library: approve reviewed answers, see what waits, lint.", no_args_is_help=True
)


def usage_events(settings: Settings) -> list[UsageEvent]:
    """Citations and ratings from the bot's feedback store, and the sources of approved entries."""
    from assistant.library import LibraryStore, UsageEvent
    from assistant.slack.feedback import FeedbackStore

    events: list[UsageEvent] = []
    if settings.feedback_path().exists():
        for signal, source, chunk_id in FeedbackStore(settings.feedback_path()).citations():
            events.append(UsageEvent(signal, source, chunk_id))  # type: ignore[arg-type]
    if settings.library_path().exists():
        for entry in LibraryStore(settings.library_path()).entries():
            events += [UsageEvent("approved", s.source, s.chunk_id) for s in entry.sources]
    return events


def lint_report(settings: Settings, version: str = "live", today: dt.date | None = None) -> LintReport:
    """The library health report of the knowledge folder against a version's documents."""
    from assistant.library import check_library
    from assistant.library.vectors import CachedEmbedder
    from assistant.wiring import open_version_catalog, shared_embedder

    catalog = open_version_catalog(settings, version)
    embedder = shared_embedder()
    cache = settings.library_path().with_name("library-vectors.sqlite3")
    try:
        return check_library(
            settings.knowledge_dir,
            CachedEmbedder(embedder, cache, dimensions=embedder.dimensions),
            catalog,
            usage_events(settings),
            today=today or dt.date.today(),
            max_age_days=settings.library_review_days,
        )
    finally:
        if catalog is not None:
            catalog.close()


@library_app.command("import")
def import_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A questionnaire filled by Deal Assistant, then reviewed.")],
    by: Annotated[str | None, typer.Option("--by", help="Who approved (default: your login name).")] = None,
    client: Annotated[str | None, typer.Option("--client", help="The client (default: the fill's).")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Owner of the new rows.")] = None,
) -> None:
    """Take the rows marked Approved (yes, y, x, ✓) into the answer library, with their Answer text."""
    from assistant.library.importing import import_reviewed
    from assistant.wiring import build_library

    settings = settings_of(ctx)
    with user_errors():
        result = import_reviewed(
            build_library(settings),
            path,
            approved_by=by or getpass.getuser(),
            max_bytes=mib_bytes(settings.questionnaire_max_mb),
            client=client,
            owner=owner,
        )
    console.print(result.text(), markup=False, highlight=False, soft_wrap=True)


@library_app.command("pending")
def pending_command(ctx: typer.Context) -> None:
    """List approved entries that are not live yet, and how far each has got."""
    from assistant.wiring import build_library

    settings = settings_of(ctx)
    with user_errors():
        library = build_library(settings)
        library.write_pending()
        pending = library.pending()
    if not pending:
        console.print("Nothing waiting: every approved entry is live.")
        return
    console.print(f"{len(pending)} approved entr{'y' if len(pending) == 1 else 'ies'} not live yet:")
    for item in pending:
        e = item.entry
        where = e.file or "queued"
        console.print(
            f"  [{item.stage}] {where}: {e.question} (by {e.approved_by}, {e.approved_at:%Y-%m-%d})",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        "Next: `deal-assistant ingest --stage`, `deal-assistant eval gate`, `deal-assistant kb promote`."
    )


@library_app.command("write")
def write_command(ctx: typer.Context) -> None:
    """Write approved entries still queued (a failed or raced write) into their library files."""
    from assistant.wiring import build_library

    with user_errors():
        written = build_library(settings_of(ctx)).write_pending()
    console.print(f"Wrote {written} queued entr{'y' if written == 1 else 'ies'}.")


@library_app.command("lint")
def lint_command(
    ctx: typer.Context,
    version: Annotated[
        str, typer.Option(help="Version whose documents the answers are checked against.")
    ] = "live",
    max_age_days: Annotated[
        int | None,
        typer.Option("--max-age-days", help="Stale after this many days (DEAL_LIBRARY_REVIEW_DAYS)."),
    ] = None,
) -> None:
    """Report conflicts, outdated values, stale, ownerless and uncheckable rows per owner, and usage.

    Exits 1 when conflicts exist, so a scheduled job notices.
    """
    from assistant.library import digest_text

    settings = settings_of(ctx)
    if max_age_days is not None:
        settings = settings.model_copy(update={"library_review_days": max_age_days})
    with user_errors():
        report = lint_report(settings, version)
    console.print(digest_text(report), markup=False, highlight=False, soft_wrap=True)
    if report.conflicts:
        err_console.print(f"{report.conflicts} conflict(s) in the answer library.", highlight=False)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the `library` command group."""
    app.add_typer(library_app, name="library")
