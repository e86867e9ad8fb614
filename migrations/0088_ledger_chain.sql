-- The tamper-evident ledger (issue 14, part 7): chain columns on
-- app.attendance_events, the per-employee chain heads, and the chaining of
-- every row already in the ledger (in id order per employee), set-based.
--
-- The encoding below is a frozen copy of version 1 as of this migration
-- (live definition: sql/functions/700_ledger_chain.sql, which is applied after
-- the migrations); the upgrade test verifies rows chained here with the live
-- app.verify_ledger. The UPDATE that writes the chain columns runs with the
-- ledger's user triggers disabled (its append-only trigger refuses any change
-- of a non-sync column): the one sanctioned rewrite, by the owner, inside this
-- migration's transaction.

alter table app.attendance_events add column chain_seq bigint, add column chain_hash bytea;

create table app.ledger_chain_heads (
    employee_id uuid not null references app.employees (id),
    chain_seq bigint not null default 0,
    chain_hash bytea,
    event_id bigint,
    constraint ledger_chain_heads_pkey primary key (employee_id),
    constraint ledger_chain_heads_seq_nonnegative check (chain_seq >= 0),
    constraint ledger_chain_heads_hash_with_seq check ((chain_seq = 0) = (chain_hash is null))
);
alter table app.ledger_chain_heads enable row level security;
comment on table app.ledger_chain_heads is
'Each employee''s latest ledger chain position and hash (written by the ledger insert trigger).';

create function pg_temp.step(p_state bytea, p_canonical bytea) returns bytea
language sql immutable
as $$
    select sha256(coalesce(p_state, '\x'::bytea) || p_canonical)
$$;

create aggregate pg_temp.chain(bytea) (sfunc = pg_temp.step, stype = bytea);  -- noqa: LT01

-- Legacy rows outside a bound added NOT VALID (0015) stay as they are, but
-- an UPDATE re-checks every CHECK on the new row version: those constraints
-- are dropped for the UPDATE and added back exactly as they were (NOT VALID).
do $$
declare
    v_unvalidated record;
    v_kept text[] := '{}';
begin
    for v_unvalidated in
        select con.conname, pg_get_constraintdef(con.oid) as definition
        from pg_constraint as con
        where con.conrelid = 'app.attendance_events'::regclass and con.contype = 'c' and not con.convalidated
        order by con.conname
    loop
        execute format('alter table app.attendance_events drop constraint %I', v_unvalidated.conname);
        v_kept := v_kept || format('alter table app.attendance_events add constraint %I %s',
            v_unvalidated.conname, v_unvalidated.definition);
    end loop;
    alter table app.attendance_events disable trigger user;
    update app.attendance_events as ev
    set chain_seq = c.chain_seq, chain_hash = c.chain_hash
    from (
        select
            x.id,
            x.employee_id,
            row_number() over w as chain_seq,
            pg_temp.chain(convert_to(
                json_build_array(
                    'hithonix-ledger-v1', x.id, x.employee_id, x.event_type,
                    x.occurred_at at time zone 'UTC', x.recorded_at at time zone 'UTC',
                    x.source, x.idempotency_key, x.request_hash, x.payload, x.corrects_event_id, x.created_by
                )::text,
                'UTF8'
            )) over w as chain_hash
        from app.attendance_events as x
        window w as (partition by x.employee_id order by x.id rows between unbounded preceding and current row)
    ) as c
    where ev.id = c.id and ev.employee_id = c.employee_id;
    alter table app.attendance_events enable trigger user;
    for i in 1 .. cardinality(v_kept) loop
        execute v_kept[i];
    end loop;
end
$$;

insert into app.ledger_chain_heads (employee_id, chain_seq, chain_hash, event_id)
select distinct on (ev.employee_id)
    ev.employee_id,
    ev.chain_seq,
    ev.chain_hash,
    ev.id
from app.attendance_events as ev
order by ev.employee_id asc, ev.chain_seq desc;

alter table app.attendance_events
alter column chain_seq set not null,
alter column chain_hash set not null,
add constraint attendance_events_chain_seq_positive check (chain_seq > 0),
add constraint attendance_events_chain_hash_sha256 check (octet_length(chain_hash) = 32);
