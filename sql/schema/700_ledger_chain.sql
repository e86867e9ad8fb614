-- The head of every employee's hash chain over the ledger (issue 14): the
-- position and hash of their last chained attendance_events row. Writers
-- upsert it in the insert trigger (one row lock per employee: the chain
-- cannot fork); app.verify_ledger compares it with the last row (a deleted
-- tail). See sql/functions/700_ledger_chain.sql.

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
