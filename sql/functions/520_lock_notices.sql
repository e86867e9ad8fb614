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
-- day). Returns how many notices were queued. One pgmq.send_batch for all of
-- them (an import locks thousands of days at once: one send per notice cost
-- ~100 us each); each message is built and checked by app.notification_message,
-- as app.enqueue_notification's is, and a dedupe key already on the queue, or
-- twice in the batch, is sent once.
create or replace function app.queue_lock_notices(
    p_employee_ids uuid[], p_dates date[], p_reasons text[]
) returns integer
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_messages jsonb[];
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
    notices as (
        select
            row_number() over () as n,
            r.recipient_id,
            case when r.recipient_id = e.id
                then format(
                    'Your day %s was locked: %s. Ask your approver to unlock it.',
                    f.business_date_ist, app.lock_reason_text(f.lock_reason)
                )
                else format(
                    '%s''s day %s was locked: %s. You can unlock it from the Hithonix home tab in Slack.',
                    e.full_name, f.business_date_ist, app.lock_reason_text(f.lock_reason)
                )
            end as text,
            jsonb_build_object(
                'employee_id', e.id, 'business_date_ist', f.business_date_ist, 'lock_reason', f.lock_reason,
                'recipient', case when r.recipient_id = e.id then 'employee' else 'approver' end
            ) as context,
            format('day_locked:%s:%s:%s:%s:%s', e.id, f.business_date_ist, f.lock_reason, f.lock_generation,
                r.recipient_id) as dedupe_key
        from fresh as f
        inner join app.employees as e on e.id = f.employee_id
        cross join lateral (
            select e.id as recipient_id
            union all
            select e.manager_employee_id where e.manager_employee_id is not null
        ) as r
    ),
    once as (
        select distinct on (x.dedupe_key) x.*
        from notices as x
        where not exists (
            select 1 from pgmq.q_notifications as m where m.message ->> 'dedupe_key' = x.dedupe_key
        )
        order by x.dedupe_key, x.n
    )
    select array_agg(
        app.notification_message(o.recipient_id, 'DAY_LOCKED', o.text, o.context, o.dedupe_key)
        order by o.n
    )
    into v_messages
    from once as o;
    if v_messages is null then
        return 0;
    end if;
    perform pgmq.send_batch('notifications', v_messages);
    return cardinality(v_messages);
end
$$;
comment on function app.queue_lock_notices(uuid[], date[], text[]) is
'Queue DAY_LOCKED notices (employee and approver) for days that just locked, once per lock.';
