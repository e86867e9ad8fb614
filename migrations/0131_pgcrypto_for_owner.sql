-- hithonix:as-superuser
-- pgcrypto's functions are created by the superuser, whose default privileges
-- revoke EXECUTE from PUBLIC (0001): the owner, which signs kiosk tokens and
-- hashes kiosk keys in security definer functions (issue 15), needs these three.
grant execute on function public.gen_random_bytes(integer) to hithonix_owner;
grant execute on function public.digest(bytea, text) to hithonix_owner;
grant execute on function public.hmac(bytea, bytea, text) to hithonix_owner;
