"""Databases built by an earlier release, for upgrade tests.

A production database was migrated by the code of an earlier main, not by
today's. ``build_at_revision`` extracts that commit's tree (``git archive``)
into a temporary folder and runs *its* migration runner against an empty
database, so an upgrade test can then run today's ``make migrate`` on it and
check what changed. ``PREVIOUS_RELEASE`` is the main that production runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The last main before the second batch (hardening, speed, keys, leave, ...).
PREVIOUS_RELEASE = "3ce350c"


def revision_available(rev: str = PREVIOUS_RELEASE) -> bool:
    """True when this checkout has the commit (a shallow clone or a tarball may not)."""
    found = subprocess.run(["git", "cat-file", "-e", f"{rev}^{{commit}}"], cwd=ROOT, capture_output=True, check=False)
    return found.returncode == 0


def build_at_revision(url: str, rev: str = PREVIOUS_RELEASE) -> None:
    """Migrate the (empty) database at ``url`` with the tree and runner of ``rev``."""
    tree = Path(tempfile.mkdtemp(prefix="hithonix_rev_"))
    try:
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
        env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(tree)}
        subprocess.run(
            [sys.executable, "-m", "worker", "migrate"], cwd=tree, env=env, capture_output=True, text=True, check=True
        )
    finally:
        shutil.rmtree(tree, ignore_errors=True)
