-- The tamper-evident ledger's check (POST /rpc/verify_ledger), hr_admin only.
-- The chain and its verification: sql/functions/700_ledger_chain.sql.

create or replace function api.verify_ledger(
    employee_id uuid, from_date date default null, to_date date default null
) returns jsonb
language sql stable
as $$
    select app.verify_ledger(employee_id, from_date, to_date)
$$;
comment on function api.verify_ledger(uuid, date, date) is
$$hr_admin: check an employee's ledger hash chain (rows recorded from_date..to_date, IST; default all).
Returns {"ok": true, "head_seq"} or the first broken link: {"ok": false, "chain_seq", "event_id",
"problem": HASH_MISMATCH | MISSING_ROW | DUPLICATE_SEQ | HEAD_MISMATCH, "stored_hash", "expected_hash"}.$$;
grant execute on function api.verify_ledger(uuid, date, date) to hr_admin;
