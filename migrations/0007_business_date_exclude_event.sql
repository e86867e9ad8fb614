-- owning_shift_date/business_date_for gained an optional p_exclude_event_id (the
-- backfill asks "what would this event's date be, leaving itself out"). The old
-- signatures would make every call ambiguous, so they go before the repeatable
-- SQL re-creates the new ones.

drop function if exists app.business_date_for(uuid, app.event_type, timestamptz);
drop function if exists app.owning_shift_date(uuid, timestamptz);
