-- Adjustment (regularization) requests (issue 14, part 1): the ledger source
-- 'regularization' (events an approved request appends), the requests and
-- their append-only decisions, and the two limits as settings rows.
-- Mirrors sql/schema/720_adjustments.sql and the source check of
-- sql/schema/200_attendance_events.sql as they were when this was written.

-- a superset of the old check: added NOT VALID (no scan under the exclusive
-- lock), then validated (every existing row already passes it)
alter table app.attendance_events drop constraint attendance_events_source_known;
alter table app.attendance_events add constraint attendance_events_source_known check (
    source in ('web', 'slack', 'kiosk', 'api', 'mobile', 'admin', 'import', 'system', 'regularization')
) not valid;
alter table app.attendance_events validate constraint attendance_events_source_known;

insert into app.settings (key, value, description) values
(
    'adjustment_max_per_month', '3',
    'Adjustment requests an employee may file per calendar month of the business date (withdrawn ones do not count)'
),
(
    'adjustment_max_days_back', '30',
    'How many days back (IST) an adjustment request may reach; today counts as 0'
)
on conflict (key) do nothing;

create table app.adjustment_requests (
    employee_id uuid not null references app.employees (id),
    id bigint generated always as identity,
    business_date date not null,
    kind text not null,
    punches jsonb not null default '[]',
    reason text not null,
    status text not null default 'PENDING',
    requested_by text not null,
    requested_at timestamptz not null default now(),
    primary key (employee_id, id),
    constraint adjustment_requests_kind_known check (kind in ('ADD_PUNCHES', 'EXEMPT_LOCK')),
    constraint adjustment_requests_status_known check (status in ('PENDING', 'APPROVED', 'REJECTED', 'WITHDRAWN')),
    constraint adjustment_requests_date_range check (business_date between date '2000-01-01' and date '2100-12-31'),
    constraint adjustment_requests_punches_array check (jsonb_typeof(punches) = 'array'),
    constraint adjustment_requests_punches_count check (
        case kind
            when 'ADD_PUNCHES' then jsonb_array_length(punches) between 1 and 8
            else jsonb_array_length(punches) = 0
        end
    ),
    constraint adjustment_requests_punches_size check (octet_length(punches::text) <= 4096),
    constraint adjustment_requests_reason_length check (length(btrim(reason)) between 3 and 1000),
    constraint adjustment_requests_requested_by_length check (length(requested_by) between 1 and 320)
);

-- One open request per employee-day; decides between concurrent sessions too.
create unique index adjustment_requests_one_open_idx on app.adjustment_requests (employee_id, business_date)
where status = 'PENDING';
-- API clients address a request by its global id.
create index adjustment_requests_id_idx on app.adjustment_requests (id);
-- The monthly limit and an employee's list, by date.
create index adjustment_requests_employee_date_idx on app.adjustment_requests (employee_id, business_date);

alter table app.adjustment_requests enable row level security;

comment on table app.adjustment_requests is
'Adjustment (regularization) requests: PENDING → APPROVED / REJECTED / WITHDRAWN; decided in adjustment_decisions.';

create table app.adjustment_decisions (
    employee_id uuid not null references app.employees (id),
    id bigint generated always as identity,
    adjustment_request_id bigint not null,
    decision text not null,
    reason text,
    event_ids bigint[] not null default '{}',
    decided_by text not null,
    decided_at timestamptz not null default now(),
    primary key (employee_id, id),
    foreign key (employee_id, adjustment_request_id) references app.adjustment_requests (employee_id, id),
    constraint adjustment_decisions_one_per_request unique (employee_id, adjustment_request_id),
    constraint adjustment_decisions_decision_known check (decision in ('APPROVED', 'REJECTED', 'WITHDRAWN')),
    constraint adjustment_decisions_reject_has_reason check (decision <> 'REJECTED' or length(btrim(reason)) >= 3),
    constraint adjustment_decisions_reason_length check (length(reason) <= 1000),
    constraint adjustment_decisions_event_ids_count check (cardinality(event_ids) <= 16),
    constraint adjustment_decisions_decided_by_length check (length(decided_by) between 1 and 320)
);

alter table app.adjustment_decisions enable row level security;

comment on table app.adjustment_decisions is
'Decisions on adjustment requests (one each), append-only; event_ids: the ledger rows an approval appended.';
