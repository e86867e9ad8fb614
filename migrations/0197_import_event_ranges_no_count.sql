-- app.import_event_ranges.events (how many of the batch's events a range
-- holds) was written and never read: a batch's events are read from the
-- ledger (app.import_events), whose payload decides within a range. The column
-- goes, and the range's check keeps what still holds: it runs forwards.
alter table app.import_event_ranges drop constraint import_event_ranges_ordered;
alter table app.import_event_ranges drop column events;
alter table app.import_event_ranges add constraint import_event_ranges_ordered check (
    first_event_id <= last_event_id
);
