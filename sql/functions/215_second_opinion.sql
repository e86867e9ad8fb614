-- The gatekeeper's optional second opinion (issue 16): a client that asked a
-- language model about a shift plan sends the model's verdict along with the
-- CLOCK_IN, and the punch records it in the event's payload. The SQL rules
-- (030_gatekeeper.sql) always run first and always win: an opinion can only
-- record that the model agreed (PASSED) or could not answer (SKIPPED, with
-- the reason) — availability first, the clock-in goes ahead either way.

-- The payload keys of a CLOCK_IN whose plan passed the SQL rules, given the
-- client's second opinion (null: none asked). A malformed opinion is a 422.
create or replace function app.second_opinion_payload(p_opinion jsonb) returns jsonb
language plpgsql immutable
as $$
begin
    if p_opinion is null then
        return '{"gatekeeper_status": "PASSED"}';
    end if;
    if jsonb_typeof(p_opinion) <> 'object' or pg_column_size(p_opinion) > 2000
        or coalesce(p_opinion ->> 'status', '') not in ('PASSED', 'SKIPPED')
        or length(p_opinion ->> 'reason') > 500 then
        perform app.fail(
            422, 'INVALID_ARGUMENT',
            'second_opinion must be an object of at most 2 kB with status PASSED or SKIPPED'
            || ' and a reason of at most 500 characters.',
            '{"field": "second_opinion"}'
        );
    end if;
    if p_opinion ->> 'status' = 'SKIPPED' then
        return jsonb_strip_nulls(jsonb_build_object(
            'gatekeeper_status', 'SKIPPED',
            'gatekeeper_reason', coalesce(p_opinion ->> 'reason', 'The second opinion was not available.'),
            'second_opinion', p_opinion
        ));
    end if;
    return jsonb_build_object('gatekeeper_status', 'PASSED', 'second_opinion', p_opinion);
end
$$;
comment on function app.second_opinion_payload(jsonb) is
'Payload keys of a CLOCK_IN that passed the rules: gatekeeper_status and the recorded second opinion.';
