-- IP allow-list (issue 14 part 5), run by the pre-request function.
--
-- PostgREST does not know the client's address; the proxies in front of it
-- do. Each proxy appends the address it received the connection from to
-- X-Forwarded-For, so with N trusted proxies the client is the N-th entry from
-- the right; everything left of it was written by the client and proves
-- nothing. With trusted_proxies = 0 the header is entirely the client's: no
-- address can be trusted, and a caller the list applies to is refused.
-- Settings: ip_allowlist (CIDRs; empty = no check), ip_allowlist_roles (the
-- JWT roles it applies to), trusted_proxies.

-- The client's address from X-Forwarded-For and the number of trusted
-- proxies, or null when it cannot be known (no proxy trusted, too few
-- entries, not an address).
create or replace function app.client_address(p_forwarded_for text, p_trusted_proxies integer) returns inet
language plpgsql immutable
as $$
declare
    v_hops text[];
    v_entry text;
begin
    if p_trusted_proxies is null or p_trusted_proxies < 1 or p_forwarded_for is null
        or length(p_forwarded_for) > 2000 then
        return null;
    end if;
    v_hops := string_to_array(p_forwarded_for, ',');
    if cardinality(v_hops) < p_trusted_proxies then
        return null;
    end if;
    v_entry := btrim(v_hops[cardinality(v_hops) - p_trusted_proxies + 1]);
    return v_entry::inet;
exception when invalid_text_representation then
    return null;
end
$$;
comment on function app.client_address(text, integer) is
'The client address: the N-th X-Forwarded-For entry from the right for N trusted proxies; null if unknown.';

-- 403 IP_NOT_ALLOWED unless the allow-list is empty, does not apply to this
-- role, or holds the client's address.
create or replace function app.require_allowed_ip(p_role text) returns void
language plpgsql stable
as $$
declare
    v_list jsonb;
    v_settings jsonb;
    v_address inet;
begin
    -- every request passes here: with no list (the usual case) one key lookup, nothing more
    select s.value into v_list from app.settings as s where s.key = 'ip_allowlist';
    if coalesce(jsonb_array_length(v_list), 0) = 0 then
        return;
    end if;
    select jsonb_object_agg(s.key, s.value) into v_settings
    from app.settings as s where s.key in ('ip_allowlist_roles', 'trusted_proxies');
    if not coalesce(v_settings -> 'ip_allowlist_roles' ? p_role, false) then
        return;
    end if;
    v_address := app.client_address(
        app.request_header('x-forwarded-for'), (v_settings ->> 'trusted_proxies')::integer
    );
    if v_address is null or not exists (
        select 1 from jsonb_array_elements_text(v_list) as a (cidr)
        where v_address <<= a.cidr::cidr
    ) then
        perform app.fail(
            403, 'IP_NOT_ALLOWED',
            case when v_address is null
                then 'The client address cannot be established (X-Forwarded-For and trusted_proxies).'
                else 'This role may not call from this address.'
            end,
            jsonb_build_object('client_address', host(v_address), 'role', p_role)
        );
    end if;
end
$$;
comment on function app.require_allowed_ip(text) is
'Refuse (403 IP_NOT_ALLOWED) a caller of an allow-listed role whose client address is not in ip_allowlist.';
