-- Default policy values (contract: Policy). Run once; later changes are new
-- migrations or hr_admin edits, never edits of this file.

insert into app.settings (key, value, description) values
('break_allowance_minutes', '30', 'Total break minutes per day above which the day locks BREAK_OVERLIMIT'),
('lunch_allowance_minutes', '40', 'A lunch longer than this locks the day LUNCH_OVERLIMIT'),
('general_shift', '{"start": "10:00", "end": "19:00"}', 'GENERAL shift hours, IST'),
('one_clock_in_per_day', 'true', 'A second CLOCK_IN on the same business date is refused'),
('max_shift_hours', '20', 'An open shift older than this owns no new event'),
('gatekeeper_mode', '"enforce"', 'enforce | availability_first | off'),
('clock_skew_seconds', '120', 'How far in the future occurred_at may be'),
('employee_backdate_minutes', '15', 'How far back an employee may date their own punch'),
('keka_sync_max_attempts', '8', 'Attempts after which a failed sync is escalated')
on conflict (key) do nothing;
