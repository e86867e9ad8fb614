"""The issue's figures and targets, computed from one run's raw numbers."""

from __future__ import annotations

from typing import Any

from bench.growth import GrowthPoint
from bench.keka import KekaResult
from bench.punch import PunchResult
from bench.reads import Measured
from bench.reconcile import ReconcileStates
from bench.report import Figure, verdict
from bench.transactions import Floors, Rates

TARGET_SCALE = 10_000


def projected_p95(m: Measured, scale: int) -> float:
    """p95 at TARGET_SCALE employees: the fixed cost (same request, no rows) plus the rest scaled linearly."""
    if scale >= TARGET_SCALE or m.empty is None:
        return m.latency.p95_ms
    fixed = min(m.empty.p95_ms, m.latency.p95_ms)
    return fixed + (m.latency.p95_ms - fixed) * TARGET_SCALE / scale


def _scaled(m: Measured, scale: int, limit_ms: float, what: str) -> tuple[str, str]:
    """(verdict, note) for a target stated at TARGET_SCALE employees."""
    projected = projected_p95(m, scale)
    if scale >= TARGET_SCALE:
        return verdict(m.latency.p95_ms <= limit_ms), ""
    note = (
        f"{what}: measured at {scale:,} employees; the target is stated for {TARGET_SCALE:,}, so the verdict is on "
        f"the projection {projected:.1f} ms = fixed cost {m.empty.p95_ms if m.empty else 0:.1f} ms (same request, "
        f'no rows) + the rest x {TARGET_SCALE / scale:g}. Confirm with `make bench ARGS="--scale {TARGET_SCALE}"`.'
    )
    return verdict(projected <= limit_ms), note


def pgbench_figures(rates: tuple[Rates, Rates]) -> list[Figure]:
    r, unflushed = rates
    baseline = r.baseline_tps
    same = f"pgbench -M prepared -c {r.clients} -j {min(r.clients, 2)} -T {r.seconds}, bench/pgbench/"
    return [
        Figure(
            key="punch_pgbench",
            name=f"punch: clock_in/clock_out in PostgREST 12's envelope and RPC shape (pgbench, {r.clients} clients)",
            measured=r.punch.tps,
            unit="tx/s",
            baseline=baseline,
            baseline_name="bare single-row INSERT (pgbench)",
            ratio=r.punch.tps / baseline,
            target="≥ 0.25x baseline tx/s",
            verdict=verdict(r.punch.tps / baseline >= 0.25 and r.punch.ok),
            note=(
                f"{same}punch.sql (two requests per script run) vs bare_insert.sql, run before and after it "
                f"({r.bare_before.tps:,.0f} and {r.bare_after.tps:,.0f} tx/s; the baseline is their mean), commits "
                f"flushed as the server is configured. Failed transactions: {r.punch.failed}, aborted clients: "
                f"{r.punch.aborted_clients}."
            ),
            details={"punch": r.punch, "bare_before": r.bare_before, "bare_after": r.bare_after},
        ),
        Figure(
            key="envelope_pgbench",
            name="  diagnosis: the same INSERT inside PostgREST's envelope (pgbench)",
            measured=r.envelope.tps,
            unit="tx/s",
            baseline=baseline,
            baseline_name="bare single-row INSERT (pgbench)",
            ratio=r.envelope.tps / baseline,
            target="—",
            verdict="info",
            note=f"{same}envelope_insert.sql: BEGIN, set_configs, app.pre_request(), the INSERT, COMMIT.",
        ),
        Figure(
            key="punch_pgbench_unflushed",
            name="  diagnosis: the punch vs bare INSERT with synchronous_commit=off (work per transaction)",
            measured=unflushed.punch.tps,
            unit="tx/s",
            baseline=unflushed.baseline_tps,
            baseline_name="bare single-row INSERT, synchronous_commit=off",
            ratio=unflushed.punch.tps / unflushed.baseline_tps,
            target="—",
            verdict="info" if unflushed.punch.ok else "miss",
            note=(
                f"the same scripts with synchronous_commit=off for all: no disk flush in either, so the ratio is "
                f"the CPU work per transaction; envelope + INSERT alone: "
                f"{unflushed.envelope.tps / unflushed.baseline_tps:.2f}x."
            ),
            details={
                "punch": unflushed.punch,
                "envelope": unflushed.envelope,
                "bare_before": unflushed.bare_before,
                "bare_after": unflushed.bare_after,
            },
        ),
    ]


def floor_figures(f: Floors, punch_ratio: float) -> list[Figure]:
    """The issue's prototype punch on today's tables: how near the target the design's floor lies."""
    baseline = f.baseline_tps
    same = (
        f"pgbench -M prepared -c {f.clients} -j {min(f.clients, 2)} -T {f.seconds}, "
        "bench/pgbench/punch.sql with its calls made to bench.floor_punch"
    )
    what = {
        False: (
            "  floor: the issue's prototype punch on today's tables, none of the product's rules (pgbench)",
            "bench/floor_punch.sql locks the day row, inserts the event, updates the day, inserts the queue row, in "
            "PostgREST's envelope, the tables' triggers off (a database of its own; bare "
            f"{f.bare_before.tps:,.0f} and {f.bare_after.tps:,.0f} tx/s)",
        ),
        True: (
            "  floor: the same with the ledger chain (app.ledger_chain_advance per row)",
            "the prototype plus the tamper-evident chain's link, the one product rule every punch must pay",
        ),
    }
    figures = []
    for chained, rate in ((False, f.floor), (True, f.floor_chained)):
        name, how = what[chained]
        ratio = rate.tps / baseline
        figures.append(
            Figure(
                key="punch_floor_chained_pgbench" if chained else "punch_floor_pgbench",
                name=name,
                measured=rate.tps,
                unit="tx/s",
                baseline=baseline,
                baseline_name="bare single-row INSERT (pgbench, its own database)",
                ratio=ratio,
                target="—",
                verdict="info" if rate.ok else "miss",
                note=(
                    f"{same} with floor_chain={str(chained).lower()}: {how}. "
                    f"The punch above is {punch_ratio / ratio:.0%} of this floor."
                ),
                details={"floor": rate, "bare_before": f.bare_before, "bare_after": f.bare_after},
            )
        )
    return figures


def punch_figures(p: PunchResult) -> list[Figure]:
    ratio = p.punch.tps / p.baseline_tps
    envelope = p.envelope.tps / p.baseline_tps
    return [
        Figure(
            key="punch_path",
            name=f"  second figure: the punch from Python (psycopg, PostgREST tx), {p.clients} clients",
            measured=p.punch.tps,
            unit="tx/s",
            baseline=p.baseline_tps,
            baseline_name="single-row INSERT from Python",
            ratio=ratio,
            target="—",
            verdict="info" if not p.punch.errors else "miss",
            details={
                "transactions": p.punch.transactions,
                "employees": p.employees,
                "punch_latency": p.punch.latency,
                "errors": p.punch.errors,
                "baseline_before_tps": p.baseline_before.tps,
                "baseline_after_tps": p.baseline_after.tps,
                "baseline_latency": p.baseline_before.latency,
                "envelope_tps": p.envelope.tps,
                "envelope_ratio": envelope,
            },
        ),
    ]


def ingest_figures(raw: dict[str, Any]) -> list[Figure]:
    i = raw["ingest"]
    h = raw["history_load"]
    ratio = i["total_s"] / i["baseline_copy_s"]
    copy_rate = i["rows"] / i["baseline_copy_s"]
    return [
        Figure(
            key="bulk_ingest",
            name=f"bulk ingest: {i['rows']:,} events, daily_status + outbox",
            measured=i["total_s"],
            unit="s",
            baseline=i["baseline_copy_s"],
            baseline_name="COPY, bare table",
            ratio=ratio,
            target="≤ 8x baseline time",
            verdict=verdict(ratio <= 8),
            note=(
                f"arrays built {i['arrays_built_s']:.2f} s + one app.import_events_v1 (arrays sent) "
                f"{i['insert_select_s']:.2f} s, "
                f"into a ledger of {i['ledger_before']:,} events; the rows after them were loaded under "
                "EXPLAIN (ANALYZE, BUFFERS) with track_functions (see the JSON evidence)."
            ),
            details={k: v for k, v in i.items() if k not in ("explain", "function_costs_per_row")},
        ),
        Figure(
            key="history_load",
            name=f"history load through the bulk path ({len(h['chunks'])} chunks)",
            measured=h["events"] / h["seconds"] if h["seconds"] else 0.0,
            unit="events/s",
            baseline=copy_rate,
            baseline_name="COPY, bare table",
            ratio=(h["events"] / h["seconds"]) / copy_rate if h["seconds"] else None,
            target="—",
            verdict="info",
            details={"events": h["events"], "seconds": h["seconds"]},
        ),
    ]


def read_figures(raw: dict[str, Any], scale: int) -> list[Figure]:
    hr: Measured = raw["board_hr"]
    bare: Measured = raw["board_bare"]
    ap: Measured = raw["board_approver"]
    board_hr: Measured = raw["status_board_hr"]
    board_ap: Measured = raw["status_board_approver"]
    month: Measured = raw["month"]
    sheet: Measured = raw["timesheet"]
    chain = raw["company"]["approver_chain"]
    figures = []
    for key, name, m, limit, target in (
        (
            "status_board_hr_admin",
            f"status board (POST /rpc/status_board), hr_admin: counts + first {board_hr.rows} rows needing attention",
            board_hr,
            20.0,
            "p95 ≤ 20 ms at 10,000 employees",
        ),
        (
            "status_board_approver",
            f"status board, approver (chain of {chain}): counts + {board_ap.rows} rows needing attention",
            board_ap,
            20.0,
            "p95 ≤ 20 ms",
        ),
        (
            "board_approver",
            f"GET /daily_status for a date, approver (chain of {chain}, {ap.rows} rows)",
            ap,
            20.0,
            "p95 ≤ 20 ms",
        ),
        (
            "timesheet",
            f"monthly timesheet, hr_admin ({sheet.rows:,} employees x 30 days)",
            sheet,
            1000.0,
            "≤ 1 s at 10,000 x 30 days",
        ),
    ):
        if key in ("board_approver", "status_board_approver"):
            # an approver's rows are their chain, which does not grow with the company
            result, note = verdict(m.latency.p95_ms <= limit), "chain-bounded: measured as is, no projection"
        else:
            result, note = _scaled(m, scale, limit, key)
        figures.append(
            Figure(
                key=key,
                name=name,
                measured=m.latency.p95_ms,
                unit="ms p95",
                target=target,
                verdict=result,
                note=note,
                details={
                    "latency": m.latency,
                    "rows": m.rows,
                    "empty_request": m.empty,
                    f"projected_p95_ms_at_{TARGET_SCALE}": projected_p95(m, scale),
                },
            )
        )
    export_ratio = hr.latency.p50_ms / bare.latency.p50_ms
    figures.insert(
        1,
        Figure(
            key="board_export_hr_admin",
            name=f"GET /daily_status for a date, full width, hr_admin ({hr.rows:,} rows)",
            measured=hr.latency.p50_ms,
            unit="ms p50",
            baseline=bare.latency.p50_ms,
            baseline_name=f"the same GET of the same {bare.rows:,} rows copied into a plain table (bare json_agg)",
            ratio=export_ratio,
            target="≤ 1.3x baseline",
            verdict=verdict(export_ratio <= 1.3 and hr.rows == bare.rows),
            note=(
                "the export path (view, RLS, read-time MISSING_CLOCK_OUT) against json_agg alone, same role, same "
                f"request shape, same run; p95 {hr.latency.p95_ms:.1f} ms vs {bare.latency.p95_ms:.1f} ms"
            ),
            details={"latency": hr.latency, "baseline_latency": bare.latency, "rows": hr.rows},
        ),
    )
    figures.insert(
        3,
        Figure(
            key="employee_month",
            name="one employee's month (events + daily status)",
            measured=month.latency.p95_ms,
            unit="ms p95",
            target="p95 ≤ 5 ms",
            verdict=verdict(month.latency.p95_ms <= 5),
            note=f"two GETs as the employee (RLS), {month.latency.samples} different employees; p95 of the pair",
            details={"latency": month.latency, "rows_example": month.rows},
        ),
    )
    return figures


def reconcile_figures(raw: dict[str, Any], factor: int) -> list[Figure]:
    main: ReconcileStates = raw["reconcile_main"]
    small: GrowthPoint
    large: GrowthPoint
    small, large = raw["growth"]
    states = [("main", main), ("growth 1x", small.reconcile), (f"growth {factor}x", large.reconcile)]
    scans = (
        ("reconcile_scan", "reconciliation scan (select in reconcile_sync_v1)", lambda r: r.reconcile),
        ("sync_overview", "sync_overview()", lambda r: r.overview),
    )
    figures = []

    def vacuumed_ratio(pick: Any) -> float:
        return pick(large.reconcile.vacuumed).p50_ms / pick(small.reconcile.vacuumed).p50_ms

    for key, label, pick in scans:
        for state in ("churned", "vacuumed"):
            points = [(name, getattr(s, state)) for name, s in states]
            worst = max(pick(r).p95_ms for _, r in points)
            first, last = getattr(small.reconcile, state), getattr(large.reconcile, state)
            size_ratio = pick(last).p50_ms / pick(first).p50_ms
            index = all(r.uses_partial_index for _, r in points)
            sizes = "; ".join(
                f"{name}: {r.ledger_events:,} events, {s.delivered_since_vacuum if state == 'churned' else 0:,} "
                f"delivered since VACUUM → p95 {pick(r).p95_ms:.2f} ms"
                for (name, r), (_, s) in zip(points, states, strict=True)
            )
            churned = state == "churned"
            figures.append(
                Figure(
                    key=key if churned else f"{key}_after_vacuum",
                    name=(
                        f"{label}, {points[0][1].unsynced_events:,} unsynced, just before autovacuum"
                        if churned
                        else f"  the same right after VACUUM ({label.split(' (')[0]})"
                    ),
                    measured=worst,
                    unit="ms p95 (worst size)",
                    baseline=pick(first).p95_ms,
                    baseline_name="same scan, 1x ledger (growth db)",
                    ratio=size_ratio,
                    target="≤ 50 ms at 10M events (size-independent)" if churned else "—",
                    # Size independence is judged on equal dead-entry state (the after-VACUUM pair);
                    # just before autovacuum the dead entries are bounded by its fixed threshold, not
                    # by the ledger, so the worst case there must stay under 50 ms.
                    verdict=(verdict(worst <= 50 and index and vacuumed_ratio(pick) <= 1.5) if churned else "info"),
                    note=(
                        (
                            "10M events are not built in the time budget: timed at three ledger sizes with the same "
                            "unsynced backlog, with as many deliveries since the last VACUUM as make autovacuum run "
                            "(threshold + scale factor x rows): "
                            if churned
                            else "Best case, right after VACUUM: "
                        )
                        + f"{sizes}. Ratio = median at {factor}x / median at 1x (≤ 1.5: size-independent). The plan "
                        + ("uses" if index else "does NOT use")
                        + " attendance_events_unsynced_idx at every size."
                    ),
                    details={
                        name: {"ledger_events": r.ledger_events, "unsynced": r.unsynced_events, "latency": pick(r)}
                        for name, r in points
                    }
                    | {"query_matches_function": main.churned.matches_function},
                )
            )
    return figures


def keka_figure(k: KekaResult) -> Figure:
    return Figure(
        key="keka_push",
        name=f"worker push to Keka sandbox ({k.pushed:,} events, {k.requests} POSTs of ≤100)",
        measured=k.events_per_second,
        unit="events/s",
        baseline=k.baseline_events_per_second,
        baseline_name=f"sandbox alone: {k.baseline_requests} empty POSTs",
        ratio=k.events_per_second / k.baseline_events_per_second if k.baseline_events_per_second else None,
        target="≥ 2,000 events/s",
        verdict=verdict(k.events_per_second >= 2000 and k.pushed == k.events),
        details={
            "events_enqueued": k.events,
            "pushed": k.pushed,
            "seconds": k.seconds,
            "baseline_seconds": k.baseline_seconds,
            "sandbox_logs_stored": k.sandbox_logs,
            "enqueue_seconds": k.enqueue_seconds,
        },
    )


def growth_figures(raw: dict[str, Any], factor: int) -> list[Figure]:
    small: GrowthPoint
    large: GrowthPoint
    small, large = raw["growth"]
    common = (
        f"growth database: {raw['growth_employees']} employees, {small.days} days ({small.ledger_events:,} events) "
        f"then {large.days} days ({large.ledger_events:,} events), loaded forward in time; each point measures "
        "its latest weekday / latest 30 days; ratio of medians (p95s in the JSON)"
    )
    figures = []
    for key, label, a, b in (
        ("growth_board", "growth: status board (hr_admin)", small.board, large.board),
        ("growth_month", "growth: one employee's month", small.month, large.month),
    ):
        ratio = b.latency.p50_ms / a.latency.p50_ms
        figures.append(
            Figure(
                key=key,
                name=f"{label}, {factor}x ledger",
                measured=b.latency.p50_ms,
                unit="ms p50",
                baseline=a.latency.p50_ms,
                baseline_name="1x ledger",
                ratio=ratio,
                target="latency ratio ≤ 1.5",
                verdict=verdict(ratio <= 1.5),
                note=common if key == "growth_board" else "",
                details={"1x": a.latency, f"{factor}x": b.latency, "rows_1x": a.rows, f"rows_{factor}x": b.rows},
            )
        )
    return figures


def run_figure(total_seconds: float, scale: int) -> Figure:
    return Figure(
        key="whole_run",
        name="whole `make bench` run",
        measured=total_seconds,
        unit="s",
        target="< 600 s at the default scale",
        verdict=verdict(total_seconds < 600) if scale <= 2000 else "info",
    )


def _punch_ratio(rates: tuple[Rates, Rates]) -> float:
    return rates[0].punch.tps / rates[0].baseline_tps


def build(raw: dict[str, Any], scale: int, factor: int, total_seconds: float) -> list[Figure]:
    return [
        *pgbench_figures(raw["pgbench"]),
        *(floor_figures(raw["pgbench_floor"], _punch_ratio(raw["pgbench"])) if "pgbench_floor" in raw else []),
        *punch_figures(raw["punch"]),
        *ingest_figures(raw),
        *read_figures(raw, scale),
        *reconcile_figures(raw, factor),
        keka_figure(raw["keka"]),
        *growth_figures(raw, factor),
        run_figure(total_seconds, scale),
    ]
