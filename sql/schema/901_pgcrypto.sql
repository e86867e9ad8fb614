-- hithonix:as-superuser
-- pgcrypto for the owner (issue 15): the superuser's default privileges revoke
-- EXECUTE from PUBLIC on the extension's functions; kiosk keys and tokens need these.
grant execute on function public.gen_random_bytes(integer) to hithonix_owner;
grant execute on function public.digest(bytea, text) to hithonix_owner;
grant execute on function public.hmac(bytea, bytea, text) to hithonix_owner;
