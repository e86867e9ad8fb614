-- The calendar worker's dead-letter step (the runbook's maxReceiveCount 3):
-- a calendar_sync message read more than p_max_reads times moves to
-- calendar_sync_dlq (with its read count and last error) and its request is
-- marked FAILED, in one transaction, so hr_admin sees it in the sync columns
-- and can put it back with api.calendar_sync. Invoker: it runs as
-- hithonix_worker, whose queue grants and record_calendar_sync_v1 are the wall.
create or replace function app.calendar_dead_letter_v1(p_msg_id bigint, p_max_reads integer)
returns boolean
language plpgsql volatile
as $$
declare
    v_message jsonb;
    v_read_ct integer;
    v_request_id bigint;
    v_error text;
begin
    select m.message, m.read_ct into v_message, v_read_ct
    from pgmq.q_calendar_sync as m
    where m.msg_id = p_msg_id and m.read_ct > p_max_reads
    for update;
    if not found then
        return false;
    end if;
    v_request_id := case
        when jsonb_typeof(v_message -> 'leave_request_id') = 'number' then (v_message ->> 'leave_request_id')::bigint
    end;
    v_error := format('DEAD_LETTERED: read %s times without success', v_read_ct);
    if v_request_id is not null then
        select format('%s; last error: %s', v_error, r.calendar_last_error) into v_error
        from app.leave_requests as r
        where r.id = v_request_id and r.calendar_last_error is not null;
    end if;
    perform pgmq.send(
        'calendar_sync_dlq',
        v_message || jsonb_build_object('read_ct', v_read_ct, 'dead_lettered_at', now(), 'error', v_error)
    );
    perform pgmq.delete('calendar_sync', p_msg_id);
    if exists (select 1 from app.leave_requests as r where r.id = v_request_id) then
        perform app.record_calendar_sync_v1(v_request_id, 'FAILED', null, left(v_error, 2000));
    end if;
    return true;
end
$$;
comment on function app.calendar_dead_letter_v1(bigint, integer) is
'Worker: move a calendar_sync message read more than p_max_reads times to calendar_sync_dlq; '
'its request becomes FAILED.';
grant execute on function app.calendar_dead_letter_v1(bigint, integer) to hithonix_worker;
