-- Notices of locked days (issue 16): when a day locks, its employee and their
-- approver (manager_employee_id) each get one notice on the notification
-- outbox, in the locking transaction (sql/triggers/800_lock_notice.sql calls
-- this). app.day_lock_notices remembers which locks were announced, so a day
-- re-derived while locked is not announced again, and a day that locks again
-- after an unlock (a new lock generation) is.

-- A lock reason in words, for people (notices, the Slack home tab).
create or replace function app.lock_reason_text(p_reason text) returns text
language sql immutable
as $$
    select case p_reason
        when 'BREAK_OVERLIMIT' then 'breaks went over the day''s break allowance'
        when 'LUNCH_OVERLIMIT' then 'lunch went over the lunch allowance'
        when 'EARLY_CLOCK_OUT_BEFORE_7PM' then 'the shift ended before 7 PM'
        when 'BREAK_END_WITHOUT_START' then 'a break ended that never started'
        when 'LUNCH_END_WITHOUT_START' then 'a lunch ended that never started'
        else lower(replace(p_reason, '_', ' '))
    end
$$;
comment on function app.lock_reason_text(text) is 'A daily_status lock reason as a phrase for people.';
grant execute on function app.lock_reason_text(text) to employee, approver, hr_admin;

-- Queue the notices of days that just locked (parallel arrays: one entry per
-- day). Returns how many notices were queued. One INSERT into the queue's
-- table for all of them, as pgmq.send_batch would write them (vt now, no
-- headers, msg_id in the batch's order) without its dynamic SQL and array
-- round trip (an import locks thousands of days at once: one send per notice
-- cost ~100 us each, send_batch ~10 us); each message is built and checked by
-- app.notification_message, inlined here (as app.enqueue_notification's is
-- built by it); a dedupe key already on the queue is not sent again (the
-- batch has each key once: app.day_lock_notices' key keeps one row per lock).
create or replace function app.queue_lock_notices(
    p_employee_ids uuid[], p_dates date[], p_reasons text[]
) returns integer
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_count integer;
begin
    with
    locked as (
        select l.employee_id, l.business_date_ist, l.lock_reason,
            (
                select count(*)::integer from app.day_unlocks as u
                where u.employee_id = l.employee_id and u.business_date_ist = l.business_date_ist
            ) as lock_generation
        from unnest(p_employee_ids, p_dates, p_reasons) as l (employee_id, business_date_ist, lock_reason)
    ),
    fresh as (
        insert into app.day_lock_notices (employee_id, business_date_ist, lock_reason, lock_generation)
        select l.employee_id, l.business_date_ist, l.lock_reason, l.lock_generation from locked as l
        on conflict do nothing
        returning employee_id, business_date_ist, lock_reason, lock_generation
    ),
    -- narrow rows until the last step (the sort by n and the anti-join carry
    -- ids and the dedupe key; text and context are built once, after them)
    notices as (
        select
            row_number() over () as n,
            r.recipient_id,
            e.id as employee_id,
            e.full_name,
            f.business_date_ist,
            f.lock_reason,
            format('day_locked:%s:%s:%s:%s:%s', e.id, f.business_date_ist, f.lock_reason, f.lock_generation,
                r.recipient_id) as dedupe_key
        from fresh as f
        inner join app.employees as e on e.id = f.employee_id
        -- the employee, then their approver
        cross join lateral (
            select e.id as recipient_id
            union all
            select e.manager_employee_id where e.manager_employee_id is not null
        ) as r
    ),
    -- fresh has each (employee, day, reason, generation) once and the two
    -- recipients differ (employees_not_own_manager), so the batch has each
    -- dedupe key once: only one already on the queue stops a notice. In the batch's order, still narrow
    -- (OFFSET 0: sorted before the text is built, not after)
    once as (
        select x.*
        from notices as x
        where not exists (
            select 1 from pgmq.q_notifications as m where m.message ->> 'dedupe_key' = x.dedupe_key
        )
        order by x.n
        offset 0
    ),
    -- text and context as columns of their own subquery (OFFSET 0), so that
    -- app.notification_message inlines over them
    parts as (
        select
            o.n,
            o.recipient_id,
            case when o.recipient_id = o.employee_id
                then format(
                    'Your day %s was locked: %s. Ask your approver to unlock it.',
                    o.business_date_ist, app.lock_reason_text(o.lock_reason)
                )
                else format(
                    '%s''s day %s was locked: %s. You can unlock it from the Hithonix home tab in Slack.',
                    o.full_name, o.business_date_ist, app.lock_reason_text(o.lock_reason)
                )
            end as text,
            jsonb_build_object(
                'employee_id', o.employee_id, 'business_date_ist', o.business_date_ist, 'lock_reason', o.lock_reason,
                'recipient', case when o.recipient_id = o.employee_id then 'employee' else 'approver' end
            ) as context,
            o.dedupe_key
        from once as o
        order by o.n
        offset 0
    )
    insert into pgmq.q_notifications (vt, message)
    select clock_timestamp(), app.notification_message(p.recipient_id, 'DAY_LOCKED', p.text, p.context, p.dedupe_key)
    from parts as p
    order by p.n;
    get diagnostics v_count = row_count;
    return v_count;
end
$$;
comment on function app.queue_lock_notices(uuid[], date[], text[]) is
'Queue DAY_LOCKED notices (employee and approver) for days that just locked, once per lock.';
