"""``python -m bench.imports_ab --before main``: the prepare's server CPU, two versions alternated.

One throwaway database, one 100,000-row file (``bench.imports``' generator);
each round loads one version's import functions (``sql/functions/600_imports_parse.sql``
and ``610_imports_prepare.sql``: the git revision ``--before``, then this
working tree, the order flipped every round) and stages the file as the CLI
does, measuring the backend's CPU time (``/proc``) and the wall clock. On a
shared machine the CPU time is the steadier figure; the min and the median of
the rounds are printed for each version. Only the functions differ: both
versions run on this tree's schema, so a change that needs a migration is not
measured here.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import click

from bench.database import server
from bench.imports import seed_employees, write_file
from bench.timing import BackendCpu
from worker.db.migrate import OWNER_ROLE
from worker.imports import session

ROOT = Path(__file__).resolve().parent.parent
FILES = ("sql/functions/600_imports_parse.sql", "sql/functions/610_imports_prepare.sql")


def version_at(rev: str) -> list[str]:
    return [
        subprocess.run(["git", "show", f"{rev}:{f}"], cwd=ROOT, check=True, capture_output=True, text=True).stdout
        for f in FILES
    ]


@click.command(name="bench-imports-ab", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--before", default="main", show_default=True, help="git revision of the version to compare with")
@click.option("--rounds", default=8, show_default=True)
@click.option("--rows", default=100_000, show_default=True)
def main(before: str, rounds: int, rows: int) -> None:
    """The prepare's server CPU: --before's import functions against this tree's, alternated."""
    versions = {before: version_at(before), "this tree": [(ROOT / f).read_text() for f in FILES]}
    spent: dict[str, list[tuple[float, float]]] = {name: [] for name in versions}
    employees = max(1, rows // 100)
    with server(None) as srv, tempfile.TemporaryDirectory(prefix="hithonix-imports-ab-") as tmp:
        db = srv.create("hithonix_bench_imports_ab")
        path = Path(tmp) / "file.csv"
        staged = write_file(path, employees, 25, 13)
        with db.connect() as conn:
            seed_employees(conn, employees)
            conn.execute("update app.settings set value = '1000000' where key = 'import_max_rows'")
            conn.commit()
            for r in range(rounds):
                order = list(versions.items())
                for name, texts in order if r % 2 == 0 else reversed(order):
                    conn.execute(f"set role {OWNER_ROLE}")
                    for text in texts:
                        conn.execute(text)
                    conn.execute("reset role")
                    conn.commit()
                    started = time.perf_counter()
                    with BackendCpu(conn) as cpu:
                        result = session.prepare(conn, path, "csv")
                    wall = time.perf_counter() - started
                    assert result["counts"]["VALID"] == staged, result["counts"]
                    spent[name].append((wall, cpu.seconds or 0.0))
                    conn.execute("delete from app.import_rows")
                    conn.commit()
        srv.drop_all()
    for name, runs in spent.items():
        cpus = [c for _, c in runs]
        walls = [w for w, _ in runs]
        print(
            f"{name}: server CPU min {min(cpus):.3f} s, median {statistics.median(cpus):.3f} s; "
            f"wall median {statistics.median(walls):.3f} s ({rounds} rounds, {staged:,} rows)"
        )


if __name__ == "__main__":
    main()
