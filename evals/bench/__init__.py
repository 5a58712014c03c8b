"""Benchmarks of speed, memory and quality, each figure printed beside a reference from the same run.

`run_bench` runs every section under `BenchOptions` into a `BenchResult` of `Figure`s (each beside its
`Reference`, some with a `Target`); `write_results` writes the report files. The names resolve on first
use, so a benchmark child (`python -m evals.bench.child`) loads only what it measures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.exports import lazy_exports

if TYPE_CHECKING:
    from evals.bench.reporting import write_results
    from evals.bench.results import BenchResult, Figure, Reference, Target
    from evals.bench.running import BenchOptions, run_bench

__all__ = ["BenchOptions", "BenchResult", "Figure", "Reference", "Target", "run_bench", "write_results"]

__getattr__, __dir__ = lazy_exports(
    globals(),
    {
        "BenchOptions": "evals.bench.running",
        "BenchResult": "evals.bench.results",
        "Figure": "evals.bench.results",
        "Reference": "evals.bench.results",
        "Target": "evals.bench.results",
        "run_bench": "evals.bench.running",
        "write_results": "evals.bench.reporting",
    },
)
