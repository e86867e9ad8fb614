"""Attendance imports through the HTTP API (PostgREST's raw text/plain body) and the worker job.

Every outcome and error of issue 13: the row outcomes, malformed files (4xx with
line and column, nothing written), tokens (unknown, expired, committed twice,
two commits racing), idempotency keys, the worker job for large batches, rollback.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.factories import claims, employee
from worker.db.urls import derive_url
from worker.devtools.pgrest import PostgrestEmulator, Response
from worker.imports.job import run_commit

FILES = Path(__file__).resolve().parent / "imports"
HEADER = "employee,event_type,local_time,time_zone,note"


def seed(owner: psycopg.Connection) -> dict[str, uuid.UUID]:
    ids = {
        "ana": employee(owner, "ana@example.com", role="hr_admin"),
        "li": employee(owner, "li@example.com"),
        "oli": employee(owner, "oli@example.com"),
        "gone": employee(owner, "gone@example.com"),
    }
    owner.execute("update app.employees set employee_number = 'E-1001' where id = %s", [ids["ana"]])
    owner.execute("update app.employees set employee_number = 'E-1002' where id = %s", [ids["li"]])
    owner.execute(
        "update app.employees set employee_number = 'E-1003', attendance_number = 'A-3' where id = %s", [ids["oli"]]
    )
    owner.execute(
        "update app.employees set employment_status = 'RELIEVED', exit_date = '2026-10-31' where id = %s", [ids["gone"]]
    )
    return ids


def admin(ids: dict[str, uuid.UUID]) -> dict[str, Any]:
    return claims("hr_admin", ids["ana"])


def prepare(api: PostgrestEmulator, who: dict[str, Any], text: str, **headers: str) -> Response:
    return api.request(
        "POST", "/rpc/import_prepare", claims=who, text_body=text, headers={"Content-Type": "text/plain", **headers}
    )


def csv(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def rows_of(api: PostgrestEmulator, who: dict[str, Any], token: str, **kw: Any) -> list[dict[str, Any]]:
    r = api.rpc("import_preview", {"token": token, "limit": 500, "with_effect": False, **kw}, claims=who)
    assert r.status == 200, r.body
    return r.body["rows"]


def staged(owner: psycopg.Connection) -> tuple[int, int]:
    row = owner.execute(
        "select (select count(*) from app.import_batches), (select count(*) from app.import_rows)"
    ).fetchone()
    assert row
    return row[0], row[1]


def test_templates_are_files_prepare_accepts(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    who = admin(seed(owner))
    for fmt in ("csv", "dingtalk"):
        template = api.rpc("import_template", {"format": fmt}, claims=who)
        assert template.status == 200
        lines = template.body.strip().split("\n")
        assert len(lines) == 3, "a header and two example rows"
        r = prepare(api, who, template.body, **{"X-Import-Format": fmt})
        assert r.status == 200, r.body
        assert r.body["format"] == fmt
    assert api.rpc("import_template", {"format": "xlsx"}, claims=who).code == "INVALID_ARGUMENT"


def test_every_row_outcome(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    ids = seed(owner)
    who = admin(ids)
    owner.execute(
        "insert into app.attendance_events (employee_id, event_type, occurred_at, source, created_by) "
        "values (%s, 'CLOCK_IN', '2026-11-16 10:00+05:30', 'import', 'seed')",
        [ids["oli"]],
    )
    body = csv(
        "E-1001,CLOCK_IN,2026-11-16 09:58,Asia/Kolkata,",  # 2 valid (employee number)
        "ana@example.com,clock_out,2026-11-16 19:05,,done",  # 3 valid (e-mail, lower-case type)
        "E-1001,CLOCK_IN,2026-11-16 09:58,,",  # 4 duplicate in the file
        "A-3,CLOCK_IN,2026-11-16 10:00,,",  # 5 already in the ledger: skipped
        "E-9999,CLOCK_IN,2026-11-16 10:00,,",  # 6 unknown employee
        "E-1002,NAP_START,2026-11-16 10:00,,",  # 7 unknown event type
        "E-1002,CLOCK_IN,2026-02-30 10:00,,",  # 8 no such date
        "E-1002,CLOCK_IN,2999-01-01 10:00,,",  # 9 future
        "E-1002,CLOCK_IN,2026-11-16 10:00,Mars/Olympus,",  # 10 unknown zone
        "gone@example.com,CLOCK_IN,2026-11-16 10:00,,",  # 11 relieved before that date
        f"E-1002,CLOCK_IN,2026-11-17 10:00,,{'x' * 501}",  # 12 note too long
        ",CLOCK_IN,2026-11-16 10:00,,",  # 13 no employee
        "E-1002,CLOCK_IN,16/11/2026 10:00,,",  # 14 unreadable time
    )
    r = prepare(api, who, body)
    assert r.status == 200, r.body
    counts = r.body["counts"]
    assert (counts["VALID"], counts["DUPLICATE"], counts["SKIPPED"], counts["ERROR"]) == (2, 1, 1, 9)
    by_line = {row["line_no"]: (row["outcome"], row["error_code"]) for row in rows_of(api, who, r.body["token"])}
    assert by_line == {
        2: ("VALID", None),
        3: ("VALID", None),
        4: ("DUPLICATE", "DUPLICATE_IN_FILE"),
        5: ("SKIPPED", "ALREADY_IN_LEDGER"),
        6: ("ERROR", "UNKNOWN_EMPLOYEE"),
        7: ("ERROR", "UNKNOWN_EVENT_TYPE"),
        8: ("ERROR", "INVALID_TIME"),
        9: ("ERROR", "FUTURE_TIME"),
        10: ("ERROR", "UNKNOWN_TIME_ZONE"),
        11: ("ERROR", "EMPLOYEE_INACTIVE"),
        12: ("ERROR", "NOTE_TOO_LONG"),
        13: ("ERROR", "MISSING_EMPLOYEE"),
        14: ("ERROR", "INVALID_TIME"),
    }
    errors = rows_of(api, who, r.body["token"], outcome="ERROR")
    assert [row["line_no"] for row in errors] == list(range(6, 15))
    assert all(row["error"] for row in errors), "every error carries a sentence"


def test_ambiguous_reference_is_an_error(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    ids = seed(owner)
    owner.execute("update app.employees set attendance_number = 'E-1001' where id = %s", [ids["li"]])
    r = prepare(api, admin(ids), csv("E-1001,CLOCK_IN,2026-11-16 09:58,,"))
    assert rows_of(api, admin(ids), r.body["token"])[0]["error_code"] == "AMBIGUOUS_EMPLOYEE"


@pytest.mark.parametrize(
    ("text", "code", "line", "column"),
    [
        ("employee,type,local_time,time_zone,note\nE-1001,CLOCK_IN,2026-11-16 09:58,,\n", "IMPORT_BAD_HEADER", 1, 2),
        (
            HEADER + '\nE-1001,CLOCK_IN,2026-11-16 09:58,,\nE-1001,CLOCK_OUT,"2026-11-16 19:00,,\n',
            "IMPORT_MALFORMED",
            3,
            3,
        ),
        (HEADER + '\nE-1001,CLOCK_IN,2026-11-16 09:58,,\nE-1001,CLOCK_OUT,x"y,,\n', "IMPORT_MALFORMED", 3, 3),
        (HEADER + "\nE-1001,CLOCK_IN,2026-11-16 09:58\n", "IMPORT_MALFORMED", 2, 4),
        (HEADER + "\n", "IMPORT_EMPTY", 2, 1),
        (HEADER + "\n\n\n", "IMPORT_EMPTY", 2, 1),
        ("\ufeff\r\n", "IMPORT_EMPTY", 1, 1),
        ("姓名,工号,日期\n张伟,E-1001,2026-11-18\n", "IMPORT_BAD_HEADER", 1, 1),
    ],
)
def test_malformed_files_are_400_with_line_and_column(
    api: PostgrestEmulator, owner: psycopg.Connection, text: str, code: str, line: int, column: int
) -> None:
    who = admin(seed(owner))
    r = prepare(api, who, text)
    assert (r.status, r.code) == (400, code), r.body
    assert f"line {line}, column {column}" in r.body["details"]
    assert staged(owner) == (0, 0), "nothing half-written"


def test_garbage_and_oversized_files(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    who = admin(seed(owner))
    garbage = ("\x01\x7fgarbage;" * 1_300_000)[:10_000_000]
    r = prepare(api, who, garbage)
    assert (r.status, r.code) == (400, "IMPORT_BAD_HEADER")
    long_line = HEADER + "\n" + "E-1001,CLOCK_IN,2026-11-16 09:58,," + "x" * 5000 + "\n"
    r = prepare(api, who, long_line)
    assert (r.status, r.code) == (400, "IMPORT_MALFORMED")
    assert "line 2, column 4097" in r.body["details"]
    owner.execute("update app.settings set value = '3' where key = 'import_max_rows'")
    r = prepare(api, who, csv(*[f"E-1001,CLOCK_IN,2026-11-{d:02d} 09:58,," for d in range(1, 6)]))
    assert (r.status, r.code) == (413, "IMPORT_TOO_LARGE")
    assert staged(owner) == (0, 0)


def test_bom_crlf_and_quotes_are_read(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    who = admin(seed(owner))
    text = "\ufeff" + HEADER + '\r\nE-1001,CLOCK_IN,2026-11-16 09:58,,"a note, with ""quotes"""\r\n'
    r = prepare(api, who, text)
    assert r.status == 200, r.body
    row = rows_of(api, who, r.body["token"])[0]
    assert (row["outcome"], row["note"]) == ("VALID", 'a note, with "quotes"')


def test_only_hr_admin_imports(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    ids = seed(owner)
    me = claims("employee", ids["li"])
    r = prepare(api, me, csv("E-1002,CLOCK_IN,2026-11-16 09:58,,"))
    assert r.status == 403
    assert api.rpc("import_commit", {"token": "x" * 64}, claims=me).status == 403
    assert api.rpc("import_status", {"batch_id": 1}, claims=me).status == 403
    assert api.rpc("import_rollback", {"batch_id": 1, "reason": "nope"}, claims=me).status == 403
    # a text/csv body is PostgREST's own CSV parsing, not the raw file
    r = api.request(
        "POST", "/rpc/import_prepare", claims=admin(ids), text_body=HEADER, headers={"Content-Type": "text/csv"}
    )
    assert r.status == 415


def test_preview_is_bounded_and_predicts_the_commit(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    ids = seed(owner)
    who = admin(ids)
    owner.execute("update app.settings set value = '5' where key = 'import_preview_limit'")
    rows = [f"E-1002,CLOCK_IN,2026-11-{d:02d} 10:00,," for d in range(1, 11)]
    rows += [f"E-1002,CLOCK_OUT,2026-11-{d:02d} 18:00,," for d in range(1, 11)]
    r = prepare(api, who, csv(*rows))
    token = r.body["token"]
    page = api.rpc("import_preview", {"token": token, "limit": 1000, "offset": 3}, claims=who)
    assert page.status == 200
    assert (page.body["limit"], len(page.body["rows"]), page.body["rows"][0]["line_no"]) == (5, 5, 5)
    effect = page.body["effect"]
    assert (effect["events"], effect["employee_days"], effect["locks"]) == (20, 10, {"EARLY_CLOCK_OUT_BEFORE_7PM": 10})
    assert len(effect["days"]) == 5, "the day list is bounded too"
    assert owner.execute("select count(*) from app.attendance_events").fetchone() == (0,), "a preview writes nothing"
    assert owner.execute("select count(*) from pgmq.q_keka_sync").fetchone() == (0,)
    done = api.rpc("import_commit", {"token": token}, claims=who)
    assert done.status == 200, done.body
    predicted = {k: v for k, v in effect.items() if k not in ("days", "computed_at", "method")}
    assert done.body["effect"] == predicted
    assert api.rpc("import_preview", {"token": token, "outcome": "MAYBE"}, claims=who).code == "INVALID_ARGUMENT"


def test_commit_writes_ledger_days_outbox_and_audit(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    ids = seed(owner)
    who = admin(ids)
    r = prepare(api, who, (FILES / "attendance.csv").read_text(), **{"X-Import-File-Name": "attendance.csv"})
    assert r.status == 200, r.body
    done = api.rpc("import_commit", {"token": r.body["token"], "idempotency_key": "nov-16"}, claims=who)
    assert done.status == 200, done.body
    events = owner.execute(
        "select source, count(*), count(*) filter (where sync_status = 'PENDING'), "
        "bool_and((payload ->> 'import_batch_id')::bigint = %s) from app.attendance_events group by source",
        [r.body["batch_id"]],
    ).fetchall()
    assert events == [("import", 10, 6, True)]
    assert owner.execute("select count(*) from pgmq.q_keka_sync").fetchone() == (6,), "one outbox message per IN/OUT"
    night = owner.execute(
        "select business_date_ist::text from app.attendance_events where employee_id = %s order by occurred_at",
        [ids["li"]],
    ).fetchall()
    assert night == [("2026-11-16",), ("2026-11-16",)], "the night shift's clock-out stays on its start date"
    assert owner.execute(
        "select count(*) from app.daily_status_differences('2026-01-01', '2026-12-31')"
    ).fetchone() == (0,)
    actions = owner.execute("select action from app.audit_logs order by id").fetchall()
    assert actions == [("IMPORT_PREPARE",), ("IMPORT_COMMIT",)]


def test_tokens_and_idempotency_keys(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    who = admin(seed(owner))
    first = prepare(api, who, csv("E-1001,CLOCK_IN,2026-11-16 09:58,,")).body
    second = prepare(api, who, csv("E-1002,CLOCK_IN,2026-11-16 09:58,,")).body
    unknown = api.rpc("import_commit", {"token": "0" * 64}, claims=who)
    assert (unknown.status, unknown.code) == (404, "IMPORT_TOKEN_NOT_FOUND")
    done = api.rpc("import_commit", {"token": first["token"], "idempotency_key": "k-1"}, claims=who)
    assert done.status == 200
    retry = api.rpc("import_commit", {"token": first["token"], "idempotency_key": "k-1"}, claims=who)
    assert (retry.status, retry.body) == (200, done.body), "a retried commit returns the first result"
    again = api.rpc("import_commit", {"token": first["token"]}, claims=who)
    assert (again.status, again.code) == (409, "IMPORT_ALREADY_COMMITTED")
    reused = api.rpc("import_commit", {"token": second["token"], "idempotency_key": "k-1"}, claims=who)
    assert (reused.status, reused.code) == (409, "IDEMPOTENCY_KEY_REUSED")
    owner.execute(
        "update app.import_batches set token_expires_at = now() - interval '1 second' where id = %s",
        [second["batch_id"]],
    )
    expired = api.rpc("import_commit", {"token": second["token"]}, claims=who)
    assert (expired.status, expired.code) == (410, "IMPORT_TOKEN_EXPIRED")
    assert api.rpc("import_preview", {"token": second["token"]}, claims=who).status == 410
    assert owner.execute("select count(*) from app.attendance_events").fetchone() == (1,)


def test_two_concurrent_commits_of_one_token_one_wins(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    who = admin(seed(owner))
    token = prepare(api, who, csv("E-1001,CLOCK_IN,2026-11-16 09:58,,", "E-1001,CLOCK_OUT,2026-11-16 19:00,,")).body[
        "token"
    ]
    results: list[Response] = []
    with psycopg.connect(owner.info.dsn) as holder:
        # both commits queue: the first behind this lock, the second (same actor, class imports) behind the
        # first's rate-limit counter row in the pre-request
        holder.execute("select 1 from app.import_batches for update")
        threads = [
            threading.Thread(target=lambda: results.append(api.rpc("import_commit", {"token": token}, claims=who)))
            for _ in range(2)
        ]
        for t in threads:
            t.start()
        waiting = 0
        for _ in range(200):
            waiting = owner.execute(
                "select count(*) from pg_stat_activity where wait_event_type = 'Lock'"
                " and (query like '%import_commit%' or query like '%app.pre_request()%')"
            ).fetchone()[0]
            if waiting == 2:
                break
            threading.Event().wait(0.05)
        assert waiting == 2, "both commits are waiting on the batch"
        holder.rollback()
    for t in threads:
        t.join(30)
    assert sorted(r.status for r in results) == [200, 409]
    assert owner.execute("select count(*) from app.attendance_events").fetchone() == (2,)


def test_rollback_voids_the_batch_once(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    ids = seed(owner)
    who = admin(ids)
    before = owner.execute("select count(*) from app.daily_status").fetchone()
    r = prepare(api, who, (FILES / "attendance.csv").read_text())
    batch = r.body["batch_id"]
    early = api.rpc("import_rollback", {"batch_id": batch, "reason": "wrong file"}, claims=who)
    assert (early.status, early.code) == (409, "IMPORT_NOT_COMMITTED")
    api.rpc("import_commit", {"token": r.body["token"]}, claims=who)
    assert api.rpc("import_rollback", {"batch_id": batch, "reason": ""}, claims=who).code == "INVALID_ARGUMENT"
    undo = api.rpc("import_rollback", {"batch_id": batch, "reason": "wrong file"}, claims=who)
    assert (undo.status, undo.body["voided"]) == (200, 10)
    again = api.rpc("import_rollback", {"batch_id": batch, "reason": "wrong file"}, claims=who)
    assert again.body == undo.body, "idempotent"
    assert owner.execute("select count(*) from app.attendance_events where event_type = 'VOID'").fetchone() == (10,)
    live = owner.execute("select coalesce(sum(event_count), 0) from app.daily_status").fetchone()
    assert live == (0,) and before is not None
    assert api.rpc("import_status", {"batch_id": batch}, claims=who).body["status"] == "ROLLED_BACK"
    assert api.rpc("import_rollback", {"batch_id": 999, "reason": "nothing"}, claims=who).code == "IMPORT_NOT_FOUND"
    audit = owner.execute("select count(*) from app.audit_logs where action = 'IMPORT_ROLLBACK'").fetchone()
    assert audit == (1,)


def test_dingtalk_shifts_night_and_blank_cells(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    ids = seed(owner)
    who = admin(ids)
    r = prepare(api, who, (FILES / "dingtalk.csv").read_text(encoding="utf-8"))
    assert r.status == 200, r.body
    assert r.body["format"] == "dingtalk", "detected from the header"
    assert r.body["counts"]["VALID"] == 7
    assert api.rpc("import_commit", {"token": r.body["token"]}, claims=who).status == 200
    got = owner.execute(
        """
        select e.employee_number, ev.event_type::text,
               to_char(ev.occurred_at at time zone 'Asia/Kolkata', 'MM-DD HH24:MI'), ev.business_date_ist::text
        from app.attendance_events as ev join app.employees as e on e.id = ev.employee_id
        order by e.employee_number, ev.occurred_at
        """
    ).fetchall()
    assert got == [
        ("E-1001", "CLOCK_IN", "11-18 09:55", "2026-11-18"),
        ("E-1001", "CLOCK_OUT", "11-18 13:01", "2026-11-18"),
        ("E-1001", "CLOCK_IN", "11-18 14:00", "2026-11-18"),
        ("E-1001", "CLOCK_OUT", "11-18 19:10", "2026-11-18"),
        ("E-1002", "CLOCK_IN", "11-18 22:02", "2026-11-18"),
        ("E-1002", "CLOCK_OUT", "11-19 06:10", "2026-11-18"),
        ("E-1003", "CLOCK_IN", "11-19 10:00", "2026-11-19"),
    ]


def test_dingtalk_zone_from_header(api: PostgrestEmulator, owner: psycopg.Connection) -> None:
    who = admin(seed(owner))
    text = "姓名,工号,日期,上班1打卡时间,下班1打卡时间\n张伟,E-1001,2026/11/18,09:00,\n"
    r = prepare(api, who, text, **{"X-Import-Time-Zone": "Asia/Shanghai"})
    row = rows_of(api, who, r.body["token"])[0]
    assert (row["occurred_at"], row["time_zone"]) == ("2026-11-18T01:00:00+00:00", "Asia/Shanghai")
    bad = prepare(api, who, text, **{"X-Import-Time-Zone": "Nowhere/Land"})
    assert (bad.status, bad.code) == (422, "IMPORT_UNKNOWN_TIME_ZONE")


def test_large_batch_commits_as_a_worker_job(api: PostgrestEmulator, owner: psycopg.Connection, db_url: str) -> None:
    who = admin(seed(owner))
    owner.execute("update app.settings set value = '3' where key = 'import_async_threshold_rows'")
    rows = [f"E-1002,CLOCK_IN,2026-11-{d:02d} 10:00,," for d in range(1, 6)]
    r = prepare(api, who, csv(*rows)).body
    queued = api.rpc("import_commit", {"token": r["token"], "idempotency_key": "big"}, claims=who)
    assert (queued.status, queued.body.get("status")) == (202, "QUEUED"), queued.body
    job = owner.execute("select task_name, args, queue_name, status from procrastinate.procrastinate_jobs").fetchall()
    assert job == [("commit_import", {"batch_id": r["batch_id"]}, "imports", "todo")]
    assert owner.execute("select count(*) from app.attendance_events").fetchone() == (0,)
    assert api.rpc("import_commit", {"token": r["token"]}, claims=who).code == "IMPORT_ALREADY_COMMITTED"
    result = run_commit(derive_url(db_url, user="hithonix_worker"), r["batch_id"])
    assert result["effect"]["events"] == 5
    status = api.rpc("import_status", {"batch_id": r["batch_id"]}, claims=who).body
    assert (status["status"], status["progress_rows"], status["valid_rows"]) == ("COMMITTED", 5, 5)
    retry = api.rpc("import_commit", {"token": r["token"], "idempotency_key": "big"}, claims=who)
    assert (retry.status, retry.body["batch_id"], retry.body["status"]) == (200, r["batch_id"], "COMMITTED"), (
        "a retry of a queued commit returns that commit's result as it now stands"
    )
    assert run_commit(derive_url(db_url, user="hithonix_worker"), r["batch_id"]) == {
        "batch_id": r["batch_id"],
        "skipped": "not queued",
    }
    assert owner.execute("select count(*) from app.attendance_events").fetchone() == (5,)


def test_worker_job_parts_record_their_ranges_and_rollback_finds_every_event(
    api: PostgrestEmulator, owner: psycopg.Connection, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job in parts writes one ledger id range per part that had rows (migration 0171); the
    effect counts and the rollback voids the events of every part, and nothing else."""
    who = admin(seed(owner))
    owner.execute("update app.settings set value = '3' where key = 'import_async_threshold_rows'")
    monkeypatch.setattr("worker.imports.job.PART_ROWS", 2)  # 6 rows: 3 parts, split by employee
    rows = [
        f"{number},CLOCK_IN,2026-11-{day:02d} 10:00,," for number in ("E-1001", "E-1002", "E-1003") for day in (2, 3)
    ]
    r = prepare(api, who, csv(*rows)).body
    assert api.rpc("import_commit", {"token": r["token"]}, claims=who).body["status"] == "QUEUED"
    result = run_commit(derive_url(db_url, user="hithonix_worker"), r["batch_id"])
    assert result["effect"]["events"] == 6
    parts_with_rows = owner.execute(
        "select count(distinct app.import_part_of(matched_employee_id, 3)) from app.import_rows where batch_id = %s",
        [r["batch_id"]],
    ).fetchone()
    ranges = owner.execute(
        "select count(*) from app.import_event_ranges where batch_id = %s", [r["batch_id"]]
    ).fetchone()
    assert ranges == (parts_with_rows[0] if parts_with_rows else None,)
    undo = api.rpc("import_rollback", {"batch_id": r["batch_id"], "reason": "wrong file"}, claims=who).body
    assert undo["voided"] == 6
    assert owner.execute(
        "select count(*) from app.attendance_events as ev where ev.event_type <> 'VOID' and not exists "
        "(select 1 from app.attendance_events as v where v.corrects_event_id = ev.id)"
    ).fetchone() == (0,)


def cli(*args: str, db_url: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DATABASE_URL"] = db_url
    env.update(extra or {})
    return subprocess.run([sys.executable, "-m", "worker", *args], env=env, capture_output=True, text=True, timeout=300)


def test_cli_import_preview_commit_and_exit_codes(owner: psycopg.Connection, db_url: str) -> None:
    seed(owner)
    done = cli("import", str(FILES / "attendance.csv"), "--format", "csv", "--preview", "--commit", db_url=db_url)
    assert done.returncode == 0, done.stderr
    assert "valid 10" in done.stdout and "committed batch" in done.stdout
    assert owner.execute("select count(*) from app.attendance_events where source = 'import'").fetchone() == (10,)
    wrong = cli("import", str(FILES / "dingtalk.csv"), "--format", "csv", db_url=db_url)
    assert wrong.returncode == 1
    assert "IMPORT_BAD_HEADER: line 1, column 1" in " ".join(wrong.stderr.split())
    assert cli("import", str(FILES / "attendance.csv"), "--format", "xlsx", db_url=db_url).returncode == 2


def test_cli_reports_bad_encoding_with_line_and_column(owner: psycopg.Connection, db_url: str, tmp_path: Path) -> None:
    seed(owner)
    bad = tmp_path / "latin1.csv"
    bad.write_bytes((HEADER + "\nE-1001,CLOCK_IN,2026-11-16 09:58,,Jos\xe9\n").encode("latin-1"))
    done = cli("import", str(bad), "--format", "csv", db_url=db_url)
    assert done.returncode == 1
    assert "IMPORT_BAD_ENCODING: line 2, column 38" in " ".join(done.stderr.split())
    assert staged(owner) == (0, 0)


def test_a_token_survives_a_server_restart() -> None:
    base = Path(tempfile.mkdtemp(prefix="hx-import-"))
    base.chmod(0o755)  # the server runs as postgres when we are root: it must reach the directory
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"HITHONIX_PGDATA": str(base / "pgdata"), "HITHONIX_PGPORT": str(port)}
    url = f"postgresql://postgres@127.0.0.1:{port}/hithonix"
    run = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | env

    def worker(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "worker", *args], env=run, capture_output=True, text=True, timeout=300
        )

    try:
        assert worker("db-up").returncode == 0
        assert worker("migrate").returncode == 0
        with psycopg.connect(url, autocommit=True) as conn:
            seed(conn)
        prepared = worker("import", str(FILES / "attendance.csv"), "--format", "csv")
        assert prepared.returncode == 0, prepared.stderr
        token = prepared.stdout.split("token ")[1].split()[0]
        assert worker("db-down").returncode == 0
        assert worker("db-up").returncode == 0
        api = PostgrestEmulator(derive_url(url, user="authenticator"))
        with psycopg.connect(url, autocommit=True) as conn:
            ana = conn.execute("select id from app.employees where email = 'ana@example.com'").fetchone()
            assert ana
            done = api.rpc("import_commit", {"token": token}, claims=claims("hr_admin", ana[0]))
            assert (done.status, done.body["effect"]["events"]) == (200, 10), done.body
    finally:
        worker("db-down")
        shutil.rmtree(base, ignore_errors=True)
