"""The anomaly report file: runs app.anomaly_report and writes JSON or CSV."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

QUERY = "select * from app.anomaly_report(%(from)s, %(to)s)"


def anomaly_report(conn: psycopg.Connection, date_from: dt.date | None, date_to: dt.date | None) -> dict[str, Any]:
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(QUERY, {"from": date_from, "to": date_to}).fetchall()
    entries = [
        {
            "employee_id": str(row["employee_id"]),
            "employee_email": row["employee_email"],
            "employee_name": row["employee_name"],
            "business_date": row["business_date_ist"].isoformat(),
            "kind": row["kind"],
            "event_ids": row["event_ids"],
            "message": row["message"],
        }
        for row in rows
    ]
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "from": date_from.isoformat() if date_from else None,
        "to": date_to.isoformat() if date_to else None,
        "summary": dict(sorted(Counter(e["kind"] for e in entries).items())),
        "total": len(entries),
        "anomalies": entries,
    }


def write_report(report: dict[str, Any], out: Path, fmt: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        out.write_text(json.dumps(report, indent=2) + "\n")
        return
    with out.open("w", newline="") as f:
        fields = ["business_date", "employee_email", "employee_name", "kind", "event_ids", "message", "employee_id"]
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for e in report["anomalies"]:
            writer.writerow({**e, "event_ids": " ".join(str(i) for i in e["event_ids"])})
