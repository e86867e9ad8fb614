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

create function pg_temp.field(p_value text) returns text
language sql immutable
as $$
    select case when p_value is null then '~' else octet_length(p_value)::text || ':' || p_value end
$$;

create function pg_temp.instant(p_at timestamptz) returns text
language sql immutable
as $$
    select to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

create function pg_temp.step(p_state bytea, p_canonical bytea) returns bytea
language sql immutable
as $$
    select sha256(coalesce(p_state, '\x'::bytea) || p_canonical)
$$;

create aggregate pg_temp.chain(bytea) (sfunc = pg_temp.step, stype = bytea);  -- noqa: LT01

alter table app.attendance_events disable trigger user;

update app.attendance_events as ev
set chain_seq = c.chain_seq, chain_hash = c.chain_hash
from (
    select
        x.id,
        x.employee_id,
        row_number() over w as chain_seq,
        pg_temp.chain(convert_to(
            'hithonix-ledger-v1'
            || pg_temp.field(x.id::text)
            || pg_temp.field(x.employee_id::text)
            || pg_temp.field(x.event_type::text)
            || pg_temp.field(pg_temp.instant(x.occurred_at))
            || pg_temp.field(pg_temp.instant(x.recorded_at))
            || pg_temp.field(x.source)
            || pg_temp.field(x.idempotency_key)
            || pg_temp.field(x.request_hash)
            || pg_temp.field(x.payload::text)
            || pg_temp.field(x.corrects_event_id::text)
            || pg_temp.field(x.created_by),
            'UTF8'
        )) over w as chain_hash
    from app.attendance_events as x
    window w as (partition by x.employee_id order by x.id rows between unbounded preceding and current row)
) as c
where ev.id = c.id and ev.employee_id = c.employee_id;

alter table app.attendance_events enable trigger user;

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
