"""Figures, the printed table and the JSON results file.

Every figure carries its measured value, the baseline measured in the same
run (when it has one), their ratio, the target and a verdict: ``pass``,
``miss`` or ``info`` (no target). ``bench/results/<timestamp>.json`` and
``bench/results/latest.json`` hold the figures, the phases' durations, the
run's facts (scale, nproc, PostgreSQL version and settings, timestamp) and
the evidence (EXPLAIN output, function profiles).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Figure:
    key: str
    name: str
    measured: float
    unit: str
    target: str
    verdict: str  # pass | miss | info
    baseline: float | None = None
    baseline_name: str | None = None
    ratio: float | None = None
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def verdict(ok: bool | None) -> str:
    return "info" if ok is None else "pass" if ok else "miss"


def _number(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def render(console: Console, figures: list[Figure], phases: dict[str, float], title: str) -> None:
    table = Table(title=title, show_lines=True)
    for column in ("figure", "measured", "baseline (same run)", "ratio", "target", "result"):
        table.add_column(column, overflow="fold")
    notes: list[str] = []
    for f in figures:
        name = f.name
        if f.note:
            notes.append(f.note)
            name += f" [{len(notes)}]"
        style = {"pass": "green", "miss": "bold red", "info": "cyan"}[f.verdict]
        baseline = f"{_number(f.baseline, f.unit)}\n{f.baseline_name}" if f.baseline is not None else "—"
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None else "—"
        table.add_row(name, _number(f.measured, f.unit), baseline, ratio, f.target, f"[{style}]{f.verdict}[/]")
    console.print(table)
    for i, note in enumerate(notes, 1):
        console.print(f"[{i}] {note}", soft_wrap=False)
    timing = Table(title="phases (wall clock)", show_header=True)
    timing.add_column("phase")
    timing.add_column("seconds", justify="right")
    for name, seconds in phases.items():
        timing.add_row(name, f"{seconds:.1f}")
    timing.add_row("[bold]total[/]", f"[bold]{sum(phases.values()):.1f}[/]")
    console.print(timing)


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def save(document: dict[str, Any], stamp: str, directory: Path = RESULTS_DIR) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(_plain(document), indent=2, sort_keys=False) + "\n"
    path = directory / f"{stamp}.json"
    path.write_text(text)
    (directory / "latest.json").write_text(text)
    return path
