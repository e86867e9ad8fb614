-- app.record_admin_event takes the event a VOID corrects (p_corrects_event_id),
-- so that void_event writes through it like every other admin event: the
-- repeatable SQL creates the new signature, the old one goes (an overload
-- would make every call with defaults ambiguous).
drop function if exists app.record_admin_event(uuid, app.event_type, timestamptz, text, text, jsonb, jsonb);
