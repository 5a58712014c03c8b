"""CLI command `bench`: speed, memory and quality figures, each beside a reference from the same run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.cli.context import console, err_console, fail, settings_of, user_errors

if TYPE_CHECKING:
    from evals.bench.results import BenchResult

FULL_SIZES = (10_000, 100_000)
QUICK_SIZES = (10_000,)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("bench")(bench)


def parse_sizes(text: str) -> tuple[int, ...]:
    """ "10000,100000" -> (10000, 100000); underscores allowed; every size a positive integer."""
    try:
        sizes = tuple(
            sorted({int(part.strip().replace("_", "")) for part in text.split(",") if part.strip()})
        )
    except ValueError:
        fail(f"--sizes takes comma-separated chunk counts such as 10000,100000, not {text!r}")
    if not sizes or any(s <= 0 for s in sizes):
        fail(f"--sizes takes positive chunk counts such as 10000,100000, not {text!r}")
    return sizes


def bench(
    ctx: typer.Context,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for bench-results.json, bench-results.md and the chart.")
    ] = Path("."),
    quick: Annotated[
        bool,
        typer.Option(
            "--quick", help="Fewer samples (20 eval cases, 10 mentions, 50 questions, one ingest round)."
        ),
    ] = False,
    sizes: Annotated[
        str | None,
        typer.Option(
            "--sizes",
            help="Synthetic corpus sizes in chunks, comma-separated (default 10000,100000; --quick: 10000).",
            show_default=False,
        ),
    ] = None,
    only: Annotated[
        str | None,
        typer.Option(
            "--only",
            help="Run one section alone: 'latency' (retrieval and offline ask at the demo size and --sizes, "
            "embedded and on a Chroma server, beside raw encode + raw Chroma query).",
            show_default=False,
        ),
    ] = None,
    cache: Annotated[
        Path | None,
        typer.Option(
            "--cache",
            help="With --only latency: keep the demo and scale-point versions (and the server's folder) in "
            "this folder and reuse them on the next run instead of building them again.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Benchmark ingest, retrieval, ask, quality, the Slack bot and memory; write JSON, Markdown, a chart."""
    from evals.bench.processes import ChildFailed
    from evals.bench.running import BenchOptions, run_bench, run_latency_only

    if only not in (None, "latency"):
        fail(f"--only takes 'latency', not {only!r}")
    if cache is not None and only is None:
        fail("--cache works with --only latency")
    settings = settings_of(ctx)
    chosen = parse_sizes(sizes) if sizes else QUICK_SIZES if quick else FULL_SIZES
    options = BenchOptions(out_dir=out, quick=quick, sizes=chosen)
    say = lambda line: err_console.print(f"[dim]{line}[/]", highlight=False)  # noqa: E731
    with user_errors():
        try:
            if only == "latency":
                result, written = run_latency_only(settings, options, cache, say=say)
            else:
                result, written = run_bench(settings, options, say=say)
        except ChildFailed as e:
            fail(f"benchmark process failed: {e}")
    print_result(result)
    for path in written:
        err_console.print(f"wrote {path}", highlight=False)


def print_result(result: BenchResult) -> None:
    """Each figure on a line of its own, its reference and target beside it, section by section."""
    from evals.bench.reporting import number

    for section in result.section_names():
        console.print(f"\n[bold]{section}[/]", highlight=False)
        for skip in (s for s in result.skips if s.section == section):
            console.print(f"  [yellow]skipped:[/] {skip.reason}", highlight=False, soft_wrap=True)
        for f in (f for f in result.figures if f.section == section):
            line = f"  {f.name}: [bold]{number(f.value, f.unit)}[/]"
            if f.reference is not None:
                line += f"  vs {f.reference.name} {number(f.reference.value, f.reference.unit)}"
                line += f" ({f.ratio:.2f}×)" if f.ratio is not None else ""
            if f.note and f.note != "reference":
                line += f"  [dim]({f.note})[/]"
            if f.target is not None:
                line += f"  target {f.target.describe(f.unit)}: " + (
                    "[green]pass[/]" if f.passed else "[red]miss[/]"
                )
            console.print(line, highlight=False, soft_wrap=True)
