"""Benchmark: `library lint` over a synthetic answer library of N rows (default 5,000), printed beside one
raw embedding pass over the same rows (their Q/A text, as ingest embeds them) measured in the same run.

    python -m evals.bench.library_lint [--rows 5000] [--knowledge knowledge]

The demo knowledge folder is ingested into a scratch data directory (the documents the outdated-value
check compares against); the synthetic library file is added to the folder copy afterwards.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import shutil
import tempfile
import time
from pathlib import Path

from assistant.library.health import check_library
from assistant.library.vectors import CachedEmbedder
from assistant.settings import Settings
from assistant.wiring import open_version_catalog, run_ingest, shared_embedder

_TOPICS = [
    "uptime",
    "turnaround",
    "data retention",
    "encryption at rest",
    "disaster recovery",
    "mail scanning",
    "print capacity",
    "call center hours",
    "HIPAA training",
    "SOC 2 audit",
    "penetration testing",
    "backup frequency",
    "onboarding",
    "invoice accuracy",
    "address hygiene",
    "postal discounts",
    "returned mail",
    "e-delivery adoption",
    "accessibility",
    "translation services",
]
_ASPECTS = ["commitment", "process", "reporting", "pricing", "staffing", "tooling", "escalation", "audit"]
_FORMS = [
    "What is your {a} for {t}?",
    "Describe your {t} {a}.",
    "How do you handle {a} for {t} in program {n}?",
    "Explain the {a} you offer around {t} for region {n}.",
]
_OWNERS = ["Lena Park", "Priya Raman", "Victor Alvarez", "Hannah Cole", ""]


def write_library(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["question", "answer", "tags", "last_reviewed", "owner"])
        for i in range(rows):
            topic, aspect = rng.choice(_TOPICS), rng.choice(_ASPECTS)
            question = rng.choice(_FORMS).format(a=aspect, t=topic, n=i)
            answer = (
                f"Our {topic} {aspect} is reviewed every {rng.randint(1, 12)} months; we commit to "
                f"{rng.choice(['99.9%', '99.5%', '24 hours', '48 hours', '5 business days'])} "
                f"for program {i}, "
                f"managed by the Meridian {rng.choice(['Columbus', 'Charlotte', 'Harrisburg'])} team."
            )
            reviewed = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 1200))
            writer.writerow(
                [question, answer, f"{topic}; {aspect}", reviewed.isoformat(), rng.choice(_OWNERS)]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--knowledge", type=Path, default=Path("knowledge"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="deal-bench-library-") as scratch:
        work = Path(scratch)
        knowledge = work / "knowledge"
        shutil.copytree(args.knowledge, knowledge)
        settings = Settings(_env_file=None, data_dir=work / "data", knowledge_dir=knowledge)  # type: ignore[call-arg]
        embedder = shared_embedder()
        run_ingest(settings, load_embedder=lambda: embedder)
        library = knowledge / "rfp-answers" / "bench-library.csv"
        write_library(library, args.rows)
        with library.open(encoding="utf-8", newline="") as f:
            texts = [f"Q: {r['question']}\nA: {r['answer']}" for r in csv.DictReader(f)]

        started = time.perf_counter()
        embedder.embed(texts)
        raw_seconds = time.perf_counter() - started

        catalog = open_version_catalog(settings, "live")
        cached = CachedEmbedder(embedder, work / "library-vectors.sqlite3", dimensions=embedder.dimensions)
        for run in ("cold (no cached question vectors)", "warm (scheduled re-run, questions unchanged)"):
            started = time.perf_counter()
            report = check_library(knowledge, cached, catalog, [], today=dt.date.today(), max_age_days=365)
            lint_seconds = time.perf_counter() - started
            rows = len(report.rows)
            print(
                f"library lint, {run}: {rows:,} rows in {lint_seconds:.1f} s; "
                f"{len(report.findings):,} findings, {report.conflicts:,} conflicts (target < 30 s)"
            )
        print(
            f"raw embedding pass over the same rows: {raw_seconds:.1f} s ({rows / raw_seconds:,.0f} rows/s); "
            f"lint / raw = {lint_seconds / raw_seconds:.2f}"
        )


if __name__ == "__main__":
    main()
