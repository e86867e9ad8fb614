-- IP allow-list (issue 14 part 5): settings only; the check is
-- app.require_allowed_ip (sql/functions/745_ip_allowlist.sql), run by the
-- pre-request function. Empty list: no check.
insert into app.settings (key, value, description) values
(
    'ip_allowlist', '[]',
    'CIDRs the roles in ip_allowlist_roles may call from (client address from X-Forwarded-For); empty: no check'
),
(
    'ip_allowlist_roles', '["hr_admin"]',
    'The JWT roles the ip_allowlist applies to'
),
(
    'trusted_proxies', '0',
    'How many proxies in front of PostgREST append to X-Forwarded-For; 0: the header is not trusted at all'
)
on conflict (key) do nothing;
