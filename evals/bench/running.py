"""Running the whole benchmark: each section in turn over one temporary workspace, then the report files."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import logging
import os
import platform
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from assistant.retrieval.embedding import Embedder
from assistant.settings import Settings
from assistant.wiring import build_assistant, run_ingest, shared_embedder
from evals.bench.ingest_scale import bench_ingest_scale
from evals.bench.ingesting import bench_ingest
from evals.bench.measuring import machine_cpu_seconds, own_cpu_seconds
from evals.bench.quality import quality_figures
from evals.bench.querying import Point, baseline_figures, paired_asks
from evals.bench.questionnaire_fill import bench_questionnaire, rfp_questions
from evals.bench.reporting import write_results
from evals.bench.results import BenchResult, Figure, Reference, Target
from evals.bench.scaling import Say, bench_latency
from evals.bench.slack_load import bench_slack
from evals.dataset import Case, default_dataset_path, load_dataset
from evals.judging import Thresholds, load_thresholds
from evals.running import request_of, run_cases
from evals.systems import evaluate, open_system, version_target

log = logging.getLogger(__name__)

WALL_TARGET_SECONDS = 600.0


@dataclass(frozen=True)
class BenchOptions:
    """What to run: --quick trades sample sizes for time; sizes are the synthetic scale points."""

    out_dir: Path
    quick: bool = False
    sizes: tuple[int, ...] = (10_000, 100_000)

    @property
    def cases(self) -> int | None:
        return 20 if self.quick else None

    @property
    def ingest_rounds(self) -> int:
        return 1 if self.quick else 2

    @property
    def slack_events(self) -> int:
        return 10 if self.quick else 50

    @property
    def questionnaire_questions(self) -> int:
        return 50 if self.quick else 500


@contextmanager
def section(result: BenchResult, name: str, say: Say, *also: str) -> Iterator[None]:
    """Run one section; if it cannot run, record it as skipped with the reason instead of failing the run."""
    try:
        yield
    except Exception as e:  # a section that cannot run is reported, never fatal: the others still count
        log.warning("benchmark section %s skipped", name, exc_info=True)
        reason = f"{type(e).__name__}: {e}"
        for each in (name, *also):
            result.skip(each, reason)
        say(f"{name}: skipped ({reason})")


@contextmanager
def stage(result: BenchResult, name: str) -> Iterator[None]:
    """Record how long a stage of the run took (where the wall time goes)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        result.meta.setdefault("stage_seconds", {})[name] = round(time.perf_counter() - start, 1)


def pick_cases(cases: list[Case], count: int | None) -> list[Case]:
    """All cases, or `count` spread evenly over the dataset so every kind stays represented."""
    if count is None or count >= len(cases):
        return cases
    step = len(cases) / count
    return [cases[int(i * step)] for i in range(count)]


def run_bench(
    settings: Settings, options: BenchOptions, say: Say = lambda _: None
) -> tuple[BenchResult, list[Path]]:
    """Run every section and write bench-results.json, bench-results.md and the chart into options.out_dir."""
    started = time.perf_counter()
    machine_before, own_before = machine_cpu_seconds(), own_cpu_seconds()
    result = BenchResult(meta=run_meta(options))
    dataset = default_dataset_path()
    every_case = load_dataset(dataset)
    cases = pick_cases(every_case, options.cases)
    thresholds = load_thresholds() if len(cases) == len(every_case) else None  # the bars hold for all cases
    points: list[Point] = []
    with TemporaryDirectory(prefix="deal-bench-") as scratch:
        work = Path(scratch)
        say(f"ingest: {options.ingest_rounds} full ingest(s) of {settings.knowledge_dir}, separate process")
        with stage(result, "ingest"):
            ingested = bench_ingest(result, settings, work / "ingest", options.ingest_rounds)
        demo = settings.model_copy(update={"data_dir": ingested.data_dir, "chroma_url": None, "llm": None})
        with stage(result, "retrieval and ask"):
            embedder = shared_embedder()
            requests = [request_of(c) for c in cases]
            points = bench_latency(result, demo, options.sizes, work, requests, embedder, say)
        demo_point = points[0]
        with stage(result, "ingest at scale"), section(result, "ingest", say):
            size = max(options.sizes)
            say(f"ingest: one-document changes on a {size:,}-chunk knowledge base")
            bench_ingest_scale(result, demo, size, work / "ingest-scale", embedder)
        with stage(result, "quality and baseline"):
            bench_quality_and_baseline(
                result, demo, cases, str(dataset), thresholds, demo_point.label, embedder, say
            )
        with stage(result, "slack"), section(result, "slack", say, "memory"):
            say(f"slack: {options.slack_events} signed mentions at once against the bot process")
            questions = [c.question for c in cases if c.kind != "draft"]
            bench_slack(
                result,
                demo=demo,
                work=work / "slack",
                questions=[questions[i % len(questions)] for i in range(options.slack_events)],
                ask=demo_point.ask,
                model_rss_mib=ingested.rss_model_mib,
            )
        with stage(result, "questionnaire"), section(result, "memory", say):
            count = options.questionnaire_questions
            say(f"memory: filling a {count}-question questionnaire in a separate process")
            questions = rfp_questions(demo, [c.question for c in cases], count)
            bench_questionnaire(result, demo, work / "questionnaire", questions, demo_point.ask)
    wall = time.perf_counter() - started
    result.meta["wall_seconds"] = wall
    own = own_cpu_seconds() - own_before
    others = max(0.0, machine_cpu_seconds() - machine_before - own)
    result.add([contention_figure(others, own, wall)])
    result.add(
        [
            Figure(
                section="run",
                name="whole benchmark, wall time",
                value=wall,
                unit="s",
                target=Target(comparison="<", threshold=WALL_TARGET_SECONDS),
                note="" if not options.quick else "quick mode",
            )
        ]
    )
    spent = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in result.meta["stage_seconds"].items())
    result.note("run", f"Where the time went: {spent}.")
    return result, write_results(result, options.out_dir, points)


def run_latency_only(
    settings: Settings, options: BenchOptions, cache: Path | None = None, say: Say = lambda _: None
) -> tuple[BenchResult, list[Path]]:
    """Only the retrieval-and-ask latency section (`bench --only latency`): the demo ingested in this
    process, then every scale point on embedded Chroma and a Chroma server, with the same references
    and the machine's load beside them. With `cache`, the demo, the scale points and the server's
    folder are kept there and reused by the next run (only the build is skipped, never a measurement).
    """
    started = time.perf_counter()
    machine_before, own_before = machine_cpu_seconds(), own_cpu_seconds()
    meta = run_meta(options)
    meta["command"] = str(meta["command"]).replace("bench", "bench --only latency", 1)
    result = BenchResult(meta=meta)
    cases = pick_cases(load_dataset(default_dataset_path()), options.cases)
    embedder = shared_embedder()
    with ExitStack() as stack:
        work = (
            cache
            if cache is not None
            else Path(stack.enter_context(TemporaryDirectory(prefix="deal-bench-")))
        )
        demo = settings.model_copy(update={"data_dir": work / "demo", "chroma_url": None, "llm": None})
        if not (demo.data_dir / "kb" / "registry.json").is_file():
            say(f"ingest: {settings.knowledge_dir} into {demo.data_dir}")
            run_ingest(demo, load_embedder=lambda: embedder)
        with stage(result, "retrieval and ask"):
            requests = [request_of(c) for c in cases]
            points = bench_latency(
                result, demo, options.sizes, work, requests, embedder, say, reuse=cache is not None
            )
    wall = time.perf_counter() - started
    result.meta["wall_seconds"] = wall
    result.meta["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    own = own_cpu_seconds() - own_before
    result.add([contention_figure(max(0.0, machine_cpu_seconds() - machine_before - own), own, wall)])
    return result, write_results(result, options.out_dir, points)


def contention_figure(others: float, own: float, wall: float) -> Figure:
    """CPU that other processes took during the run: the noise every latency here was measured under."""
    cores = others / wall
    note = (
        f"others kept {cores:.2f} cores busy on average: tail latencies include their interference"
        if cores > 0.1
        else "the machine was otherwise quiet"
    )
    return Figure(
        section="run",
        name="CPU used by other processes during the run",
        value=others,
        unit="s",
        reference=Reference(name="CPU used by this benchmark and its processes", value=own, unit="s"),
        note=note,
    )


def bench_quality_and_baseline(
    result: BenchResult,
    demo: Settings,
    cases: list[Case],
    dataset: str,
    thresholds: Thresholds | None,
    label: str,
    embedder: Embedder,
    say: Say,
) -> None:
    """The tutorial baseline's latency and both systems' eval metrics, over one baseline index."""
    with section(result, "quality", say):
        target = version_target(demo, "live")
        say("quality: building the LangChain tutorial baseline and running the eval cases")
        with open_system(target, "baseline", embedder) as baseline:
            with section(result, "ask", say):
                deal = build_assistant(demo, embedder=embedder)
                ours, theirs = paired_asks(deal.ask, baseline.ask, [request_of(c) for c in cases])
                result.add(baseline_figures(theirs, ours, label))
            known = set(target.known_sources) if target.known_sources is not None else None
            base_run = run_cases(
                baseline, cases, system_name="baseline", kb=target.label, dataset=dataset, known_sources=known
            )
        deal_run = evaluate(target, "deal", cases, dataset=dataset, embedder=embedder)
        quality_figures(result, deal_run, base_run, thresholds)


def run_meta(options: BenchOptions) -> dict[str, object]:
    versions: dict[str, str | None] = {}
    for package in ("torch", "sentence-transformers", "chromadb", "langchain-core"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    sizes = ",".join(str(s) for s in options.sizes)
    return {
        "command": "deal-assistant bench" + (" --quick" if options.quick else "") + f" --sizes {sizes}",
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "mode": "quick" if options.quick else "full",
        "sizes": list(options.sizes),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }
