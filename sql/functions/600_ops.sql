-- Operator signals and retention (issue 19): one call that reads everything
-- the `status` command and the worker's Prometheus gauges show, and the
-- pruning of the pgmq archive. The ledger and daily_status are the record
-- and are never pruned.

-- Signals, always current (read at each scrape / status call): the sync
-- overview, the circuit breaker and what needs a person (app.keka_sync_signals),
-- the archive size and the thresholds from settings.
create or replace function app.ops_signals_v1() returns jsonb
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select jsonb_build_object(
        'pending', o.pending,
        'failed', o.failed,
        'permanent_failure', o.permanent_failure,
        'escalated', o.escalated,
        'queue_depth', coalesce(o.queue_depth, 0),
        'dlq_depth', coalesce(o.dlq_depth, 0),
        'oldest_unsynced_seconds', coalesce(extract(epoch from o.oldest_pending_age), 0),
        'archive_rows', (select count(*) from pgmq.a_keka_sync),
        'max_sync_lag_seconds', coalesce(
            (select s.value::numeric from app.settings as s where s.key = 'ops_max_sync_lag_seconds'), 300
        ),
        'max_dead_letters', coalesce(
            (select s.value::integer from app.settings as s where s.key = 'ops_max_dead_letters'), 0
        )
    ) || coalesce((select to_jsonb(k) from app.keka_sync_signals() as k), '{}')
    from app.sync_overview() as o
$$;
grant execute on function app.ops_signals_v1() to hithonix_worker, hr_admin;

-- Delete archived keka_sync / keka_sync_dlq messages older than
-- retention_sync_archive_days (the ledger keeps each punch's outcome).
create or replace function app.prune_sync_archive_v1() returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_days numeric := coalesce(
        (select s.value::numeric from app.settings as s where s.key = 'retention_sync_archive_days'), 7
    );
    v_archive bigint;
    v_dlq bigint;
begin
    delete from pgmq.a_keka_sync as a where a.archived_at < now() - make_interval(days => 1) * v_days;
    get diagnostics v_archive = row_count;
    delete from pgmq.a_keka_sync_dlq as a where a.archived_at < now() - make_interval(days => 1) * v_days;
    get diagnostics v_dlq = row_count;
    return jsonb_build_object('archive_deleted', v_archive, 'dlq_archive_deleted', v_dlq, 'days', v_days);
end
$$;
grant execute on function app.prune_sync_archive_v1() to hithonix_worker;

-- The procrastinate retention periods, for the worker's retention job.
create or replace function app.job_retention_v1() returns jsonb
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
    select jsonb_build_object(
        'finished_hours', coalesce(
            (select s.value::integer from app.settings as s where s.key = 'retention_finished_jobs_hours'), 24
        ),
        'failed_hours', 24 * coalesce(
            (select s.value::integer from app.settings as s where s.key = 'retention_failed_jobs_days'), 14
        )
    )
$$;
grant execute on function app.job_retention_v1() to hithonix_worker;
