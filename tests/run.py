"""The test command (``make test``): pgTAP, then pytest, on fresh databases.

Starts one throwaway cluster (or uses HITHONIX_TEST_ADMIN_URL), builds a fully
migrated template database, runs ``pg_prove`` over ``sql/tests/*.sql`` in a
copy of it, then runs pytest (which makes its own copies per test). Exits
non-zero if either fails; both always run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

from tests import dbtools

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    tap_files = sorted(str(p) for p in (ROOT / "sql" / "tests").glob("*.sql"))
    with dbtools.cluster() as admin_url:
        dbtools.migrated_template(admin_url)
        tap_db = dbtools.create_database(admin_url, "hithonix_pgtap", template=dbtools.TEMPLATE)
        print(f"== pgTAP: {len(tap_files)} files", flush=True)
        c = conninfo_to_dict(tap_db)
        conn_args = ["-d", c["dbname"], "-h", c["host"], "-p", str(c["port"]), "-U", c["user"]]
        tap = subprocess.call(["pg_prove", "--failures", *conn_args, *tap_files])
        print("== pytest", flush=True)
        env = {**os.environ, "HITHONIX_TEST_ADMIN_URL": admin_url}
        py = subprocess.call([sys.executable, "-m", "pytest", *argv], env=env, cwd=ROOT)
    if tap:
        print("pgTAP FAILED", file=sys.stderr)
    return tap or py


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
