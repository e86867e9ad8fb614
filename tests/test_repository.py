"""The repository itself: no file carries a merge left half-done."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^(<{7} |={7}$|>{7} )", re.MULTILINE)


def test_no_tracked_file_holds_merge_conflict_markers() -> None:
    tracked = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    )
    offenders = []
    for name in filter(None, tracked):
        path = ROOT / name
        if not path.is_file() or path.suffix in {".png", ".gz", ".xlsx"}:
            continue
        text = path.read_text(errors="replace")
        offenders += [f"{name}:{text.count(chr(10), 0, m.start()) + 1}" for m in MARKER.finditer(text)]
    assert offenders == [], f"merge conflict markers left in: {offenders}"


BOUNDS = ROOT / "sql" / "functions" / "012_bounds.sql"
BOUND_HELPERS = ("require_max_length", "require_text", "require_range", "require_punch_arguments")


def test_argument_bounds_helpers_live_in_012_and_are_called_only_after_it() -> None:
    """The repeatable files apply in order: the shared argument checks are defined once, in
    012_bounds.sql, and only files applied after it call them (010_request's require_reason aside,
    which names require_max_length in a PL/pgSQL body resolved at call time)."""
    files = [p for d in ("functions", "triggers", "policies", "api") for p in sorted((ROOT / "sql" / d).glob("*.sql"))]
    defined = {
        name: [p.name for p in files if re.search(rf"create or replace function app\.{name}\(", p.read_text())]
        for name in BOUND_HELPERS
    }
    assert defined == {name: [BOUNDS.name] for name in BOUND_HELPERS}
    early = files[: files.index(BOUNDS)]
    callers = {
        (p.name, name)
        for p in early
        for name in ("require_text", "require_range", "require_punch_arguments")
        if f"app.{name}(" in p.read_text()
    }
    assert callers == set()
