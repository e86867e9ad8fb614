-- Badges and who holds them (issue 15). A badge (app.badges) is a physical
-- card with a code; its status is ACTIVE, LOST or REVOKED (LOST and REVOKED
-- are final: a found card is registered again). Who held it when is
-- app.badge_assignments: one row per holding, `during` a tstzrange open while
-- held; two exclusion constraints make the history consistent at every
-- instant: one holder per badge, one badge per employee. An assignment is
-- never deleted; only its end (upper bound, end_reason, ended_by) is written,
-- once (trigger _100_close_only).
--
-- app.badge_scans is the readers' log: every scan with its outcome (IN, OUT,
-- IGNORED_DUPLICATE, REFUSED, EVENT: a scan at an event reader, no punch) and
-- the ledger event it produced. A REFUSED scan names why in `refusal`: a
-- security alert's kind, or the punch rule's code (ALREADY_CLOCKED_IN, ...). It is a
-- device-side log, not a per-employee table: a scan of an unknown badge has no
-- employee (employee_id is null), so it is placed coordinator-local in the
-- scale-out plan and exempt from the key rule (tests.key_rule_exempt_tables).

create extension if not exists btree_gist with schema public;

create table app.badges (
    id bigint generated always as identity primary key,
    code text not null unique,
    kind text not null default 'EMPLOYEE',
    status text not null default 'ACTIVE',
    status_reason text,
    status_changed_at timestamptz,
    status_changed_by text,
    created_by text not null,
    created_at timestamptz not null default now(),
    constraint badges_code_format check (length(code) <= 64 and code ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'),
    constraint badges_kind_known check (kind in ('EMPLOYEE', 'TEMPORARY')),
    constraint badges_status_known check (status in ('ACTIVE', 'LOST', 'REVOKED')),
    constraint badges_status_reason_length check (length(status_reason) <= 1000),
    constraint badges_status_changed_by_length check (length(status_changed_by) <= 200),
    constraint badges_created_by_length check (length(created_by) <= 200)
);

alter table app.badges enable row level security;

comment on table app.badges is 'Physical badges (cards); ACTIVE, LOST or REVOKED.';

create table app.badge_assignments (
    id bigint generated always as identity,
    employee_id uuid not null references app.employees (id),
    badge_id bigint not null references app.badges (id),
    during tstzrange not null,
    end_reason text,
    assigned_by text not null,
    ended_by text,
    primary key (id, employee_id),
    -- empty: a holding ended in the transaction that began it (it was never in effect)
    constraint badge_assignments_during_valid check (
        (not isempty(during) and not lower_inf(during)) or (isempty(during) and end_reason is not null)
    ),
    constraint badge_assignments_end_reason_known check (
        end_reason in ('RETURNED', 'LOST', 'REVOKED', 'REASSIGNED', 'EMPLOYEE_INACTIVE')
    ),
    constraint badge_assignments_end_complete check (
        (upper(during) is null and not isempty(during)) = (end_reason is null)
        and (end_reason is null) = (ended_by is null)
    ),
    constraint badge_assignments_assigned_by_length check (length(assigned_by) <= 200),
    constraint badge_assignments_ended_by_length check (length(ended_by) <= 200),
    constraint badge_assignments_one_holder exclude using gist (badge_id with =, during with &&),
    constraint badge_assignments_one_badge exclude using gist (employee_id with =, during with &&)
);

create index badge_assignments_badge_idx on app.badge_assignments (badge_id, lower(during) desc);

alter table app.badge_assignments enable row level security;

comment on table app.badge_assignments is
'Who held which badge when: one holder per badge and one badge per employee at any instant.';

create table app.badge_scans (
    id bigint generated always as identity primary key,
    device_id uuid not null references app.kiosk_devices (id),
    badge_code text not null,
    badge_id bigint references app.badges (id),
    employee_id uuid references app.employees (id),
    scanned_at timestamptz not null default now(),
    outcome text not null,
    refusal text,
    event_id bigint,
    duplicate_of bigint,
    constraint badge_scans_badge_code_length check (length(badge_code) between 1 and 64),
    constraint badge_scans_outcome_known check (
        outcome in ('IN', 'OUT', 'IGNORED_DUPLICATE', 'REFUSED', 'EVENT')
    ),
    constraint badge_scans_refusal_iff_refused check ((outcome = 'REFUSED') = (refusal is not null)),
    constraint badge_scans_refusal_length check (length(refusal) <= 64),
    constraint badge_scans_event_iff_punch check ((outcome in ('IN', 'OUT')) = (event_id is not null)),
    constraint badge_scans_duplicate_iff_ignored check ((outcome = 'IGNORED_DUPLICATE') = (duplicate_of is not null))
);

-- the double-scan window: this badge's latest scans
create index badge_scans_badge_code_idx on app.badge_scans (badge_code, scanned_at desc);
-- the presence board: an employee's latest punching scan and its device
create index badge_scans_employee_idx on app.badge_scans (employee_id, id desc) include (device_id)
where outcome in ('IN', 'OUT');

alter table app.badge_scans enable row level security;

comment on table app.badge_scans is
'Every badge scan at a reader: outcome and the ledger event it produced (a device log).';
