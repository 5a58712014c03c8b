"""Timing and memory primitives: percentiles of timed calls, and the resident memory of processes."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import psutil

from evals.metrics import percentile

T = TypeVar("T")
MIB = 1024 * 1024


def _percentile(values: Sequence[float], q: float) -> float:
    value = percentile(values, q)
    if value is None:
        raise ValueError("no samples to take a percentile of")
    return value


@dataclass(frozen=True)
class Latency:
    """Milliseconds per call of one operation."""

    samples: tuple[float, ...]

    @property
    def p50(self) -> float:
        return _percentile(self.samples, 50)

    @property
    def p95(self) -> float:
        return _percentile(self.samples, 95)


def time_each(items: Iterable[T], call: Callable[[T], object]) -> Latency:
    """Call once per item and record each call's wall time in milliseconds."""
    samples = []
    for item in items:
        start = time.perf_counter()
        call(item)
        samples.append((time.perf_counter() - start) * 1000.0)
    return Latency(tuple(samples))


def rss_mib(pid: int) -> float:
    """Resident memory of one process now, in MiB."""
    return float(psutil.Process(pid).memory_info().rss) / MIB


def peak_rss_mib(pid: int) -> float | None:
    """The highest resident memory the process has had (Linux VmHWM), in MiB; None where unavailable."""
    status = Path(f"/proc/{pid}/status")
    try:
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / MIB
    except OSError:
        return None
    return None


def pairwise_sum(a: Latency, b: Latency) -> Latency:
    """Per-call sums of two operations timed over the same items (e.g. embed + vector query)."""
    return Latency(tuple(x + y for x, y in zip(a.samples, b.samples, strict=True)))


def machine_cpu_seconds() -> float:
    """CPU time every process on the machine has used since boot (all cores), in seconds."""
    t = psutil.cpu_times()
    return float(t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0))


def own_cpu_seconds() -> float:
    """CPU time of this process and of the children it has waited for, in seconds."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
