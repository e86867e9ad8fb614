"""The worker's job for large import commits (above import_async_threshold_rows).

One database transaction writes the whole batch, in parts (employees split by a
hash, so each employee's rows stay in one statement and each touched day is
derived once); after each part a second, autocommit connection records the
progress that ``api.import_status`` shows. A failure rolls everything back and
marks the batch FAILED (its token may be committed again).
"""

from __future__ import annotations

from typing import Any

import procrastinate
import psycopg

from worker.imports import queries
from worker.observability import log

IMPORT_QUEUE = "imports"  # procrastinate's job queue for import commits
TASK_NAME = "commit_import"  # the name app.import_commit defers
PART_ROWS = 25_000  # about this many rows per statement (each part scans the staged rows once more)


def run_commit(db_url: str, batch_id: int) -> dict[str, Any]:
    with psycopg.connect(db_url, autocommit=True) as progress, psycopg.connect(db_url) as conn:
        try:
            with conn.transaction():
                row = conn.execute(queries.RUN_BEGIN, [batch_id]).fetchone()
                total = row[0] if row else 0
                if total == 0:
                    return {"batch_id": batch_id, "skipped": "not queued"}
                parts = max(1, -(-total // PART_ROWS))
                done = 0
                progress.execute(queries.RUN_PROGRESS, [batch_id, 0])
                for part in range(parts):
                    part_row = conn.execute(queries.RUN_PART, [batch_id, part, parts]).fetchone()
                    done += part_row[0] if part_row else 0
                    progress.execute(queries.RUN_PROGRESS, [batch_id, done])
                finish = conn.execute(queries.RUN_FINISH, [batch_id]).fetchone()
        except psycopg.Error as exc:
            progress.execute(queries.RUN_FAILED, [batch_id, str(exc)])
            log.error("import_commit_failed", batch_id=batch_id, error=str(exc))
            raise
    result = finish[0] if finish else {}
    log.info("import_committed", batch_id=batch_id, events=result.get("effect", {}).get("events"))
    return result


def register(app: procrastinate.App, db_url: str) -> None:
    """Add the commit job to the worker's app; ``db_url`` connects as hithonix_worker."""

    @app.task(queue=IMPORT_QUEUE, name=TASK_NAME, pass_context=False)
    def commit_import(batch_id: int) -> dict[str, Any]:
        return run_commit(db_url, batch_id)
