"""Clocks and summaries: phase timers, latency percentiles, a server process's CPU time."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg


def backend_cpu_ms(pid: int) -> float | None:
    """CPU time (user + system) the server process has used, when it runs on this machine.

    On a machine shared with other work the wall clock also counts the time a
    backend waited for a core; its CPU time is what the work itself cost."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


class BackendCpu:
    """The CPU seconds one connection's server process spends in a block (None: a remote server).

    The machine is shared: the wall clock also counts the time the backend
    waited for a core, its CPU time is what the work itself cost."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.pid = conn.info.backend_pid
        self.seconds: float | None = None

    def __enter__(self) -> BackendCpu:
        self._start = backend_cpu_ms(self.pid)
        return self

    def __exit__(self, *_: object) -> None:
        end = backend_cpu_ms(self.pid)
        self.seconds = None if end is None or self._start is None else (end - self._start) / 1000


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Latency:
    """A latency distribution in milliseconds."""

    samples: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        ms = [s * 1000 for s in seconds]
        return cls(
            samples=len(ms),
            p50_ms=percentile(ms, 50),
            p95_ms=percentile(ms, 95),
            p99_ms=percentile(ms, 99),
            max_ms=max(ms) if ms else math.nan,
            mean_ms=sum(ms) / len(ms) if ms else math.nan,
        )


def sample(fn: Callable[[], object], repeat: int, warmup: int = 3) -> Latency:
    """Run ``fn`` ``warmup`` times untimed, then ``repeat`` times timed."""
    for _ in range(warmup):
        fn()
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
    return Latency.of(seconds)


@dataclass
class Phases:
    """Wall-clock seconds spent in each named phase of the run, in order."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def track(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
