-- Imports (issue 13, speed): a committed batch finds its ledger events by id
-- range instead of a pointer on every staged row. The commit wrote each VALID
-- row's event_id back into app.import_rows: an UPDATE of 100,000 rows (a new
-- tuple version each, ~0.5 s of a 100,000-row commit), then the effect and the
-- rollback probed the ledger once per row. One INSERT into the ledger draws its
-- ids from one sequence, so each apply (the whole batch, or one part of a
-- worker job) records its smallest and largest id and its count; the batch's
-- events are the ledger rows in those ranges whose payload names the batch
-- (other writers' ids may interleave: the payload tells them apart). Run once:
-- the existing links become ranges before the column goes.
create table app.import_event_ranges (
    batch_id bigint not null references app.import_batches (id),
    first_event_id bigint not null,
    last_event_id bigint not null,
    events integer not null,
    primary key (batch_id, first_event_id),
    constraint import_event_ranges_ordered check (
        first_event_id <= last_event_id and events between 1 and last_event_id - first_event_id + 1
    )
);
alter table app.import_event_ranges enable row level security;
comment on table app.import_event_ranges is
'The ledger id range each apply of an import batch wrote '
'(its events are the rows there whose payload names the batch).';

insert into app.import_event_ranges (batch_id, first_event_id, last_event_id, events)
select
    r.batch_id,
    min(r.event_id) as first_event_id,
    max(r.event_id) as last_event_id,
    count(r.event_id) as events
from app.import_rows as r
where r.event_id is not null
group by r.batch_id;

alter table app.import_rows drop column event_id;
-- no UPDATE follows the prepare's INSERT any more: full pages (migration 0105
-- kept half of each free for it)
alter table app.import_rows reset (fillfactor);
