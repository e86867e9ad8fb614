-- Review finding (mend3): the security alerts' kinds are one list, a table.
--
-- The kinds were a check constraint on security_alerts and, again, a literal
-- list in app.scan_refusal_status (which answers 403 for a security refusal,
-- 409 for a punch rule's). Now app.security_alert_kinds holds them; the
-- alerts reference it (the constraint keeps its name) and the status reads it.
-- See sql/schema/920_security_alerts.sql.
create table app.security_alert_kinds (
    kind text primary key,
    description text not null,
    constraint security_alert_kinds_kind_format check (length(kind) <= 64 and kind ~ '^[A-Z][A-Z_]*$'),
    constraint security_alert_kinds_description_length check (length(description) between 1 and 200)
);

insert into app.security_alert_kinds (kind, description) values
('UNKNOWN_BADGE', 'No badge has this code.'),
('LOST_BADGE', 'The badge was reported lost.'),
('REVOKED_BADGE', 'The badge was revoked.'),
('UNASSIGNED_BADGE', 'Nobody holds this badge.'),
('INACTIVE_EMPLOYEE', 'The badge holder is not an active employee.'),
('BADGE_ON_TWO_DEVICES', 'The badge was scanned at two readers at once.');

alter table app.security_alert_kinds enable row level security;

comment on table app.security_alert_kinds is
'The kinds of security alert (a refused badge scan or kiosk punch answers 403 with one); owner-written.';

alter table app.security_alerts drop constraint security_alerts_kind_known;
alter table app.security_alerts add constraint security_alerts_kind_known
foreign key (kind) references app.security_alert_kinds (kind);
alter table app.security_alerts add constraint security_alerts_kind_length check (length(kind) <= 64);
