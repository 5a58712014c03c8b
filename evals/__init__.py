"""Offline evaluation of retrieval and answer quality, and the gate for knowledge and code changes.

Read a dataset of `Case`s (`load_dataset`), run it through a `System` (`run_cases` -> `RunResult`), judge
it against `Thresholds` (`load_thresholds`), gate a candidate version (`run_gate` -> `GateResult`), and
write a `Report` (`render_markdown`, `render_html`); `ALL_METRICS` names every metric. The names resolve
on first use, so a benchmark child importing one module loads only that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.exports import lazy_exports

if TYPE_CHECKING:
    from evals.dataset import Case, load_dataset
    from evals.gate import GateResult, run_gate
    from evals.judging import Thresholds, load_thresholds
    from evals.metrics import ALL_METRICS
    from evals.reporting import Report, render_html, render_markdown
    from evals.running import RunResult, System, run_cases

__all__ = [
    "ALL_METRICS",
    "Case",
    "GateResult",
    "Report",
    "RunResult",
    "System",
    "Thresholds",
    "load_dataset",
    "load_thresholds",
    "render_html",
    "render_markdown",
    "run_cases",
    "run_gate",
]

__getattr__, __dir__ = lazy_exports(
    globals(),
    {
        "ALL_METRICS": "evals.metrics",
        "Case": "evals.dataset",
        "GateResult": "evals.gate",
        "Report": "evals.reporting",
        "RunResult": "evals.running",
        "System": "evals.running",
        "Thresholds": "evals.judging",
        "load_dataset": "evals.dataset",
        "load_thresholds": "evals.judging",
        "render_html": "evals.reporting",
        "render_markdown": "evals.reporting",
        "run_cases": "evals.running",
        "run_gate": "evals.gate",
    },
)
