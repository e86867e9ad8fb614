-- Issue 14 follow-up: a free-text audit search stops counting its matches at
-- this many (total_is_exact: false past it) and pages no deeper. See
-- app.audit_logs_search (sql/functions/760_audit_api.sql).
insert into app.settings (key, value, description) values
(
    'audit_search_count_max', '1000',
    'A free-text audit search (q) counts at most this many matches (total_is_exact: false past it) '
    || 'and pages no deeper (422 AUDIT_SEARCH_TOO_BROAD)'
)
on conflict (key) do nothing;
