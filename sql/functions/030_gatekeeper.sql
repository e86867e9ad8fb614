-- The gatekeeper: is a shift plan a real work plan? Pure rules in SQL, so the
-- Slack modal (api.validate_shift_plan) and clock_in apply exactly the same ones.
--
-- A plan passes when it has at least two real-looking words (letters, a vowel,
-- not keyboard-mash) and at least half its words look real.
--
-- Cost is linear in the plan's length (issue 10): a plan is at most 2000
-- characters (422 INVALID_ARGUMENT above), and a "word" longer than 40 letters
-- is mash without running any pattern on it, so the backreference patterns only
-- ever see short strings.

-- The keyboard runs of four or more keys: every 4-key run of each row, both
-- ways (one pattern, folded into its callers' plans as a constant).
create or replace function app.plan_keyboard_runs() returns text
language sql immutable
as $$
    select 'qwer|wert|erty|rtyu|tyui|yuio|uiop|poiu|oiuy|iuyt|uytr|ytre|trew|rewq'
        || '|asdf|sdfg|dfgh|fghj|ghjk|hjkl|lkjh|kjhg|jhgf|hgfd|gfds|fdsa|zxcv|xcvb'
        || '|cvbn|vbnm|mnbv|nbvc|bvcx|vcxz'
$$;

-- Not STRICT, so that it inlines into validate_shift_plan's query (a STRICT
-- SQL function whose body is a CASE is called once per word, not inlined); a
-- NULL word still gives NULL. The patterns stay apart: one pattern holding
-- the backreferences and the keyboard runs together runs the backtracking
-- matcher over every alternative (measured: several times slower). A real
-- word runs every test, so the dearest pattern, the repeated chunk (~2.5 us
-- a word), runs only when the word's first 2, 3 or 4 letters are followed
-- by themselves (a necessary condition of ^(.{2,4})\1+, by substr: ~0.3 us);
-- "one letter repeated" as (.)\1\1\1, the same matches as (.)\1{3,}
-- (unanchored), ~20% cheaper. Same answers as before on 400,000 random words
-- (punch5; sql/tests/060_gatekeeper.sql checks each rule at its edges).
--
-- The mash rules of one word; p_keyboard_possible false: the caller knows the
-- word holds no keyboard run (app.validate_shift_plan searched the whole plan
-- once), so the 36-way pattern is not run on it (~11 us a word, the dearest
-- test: the matcher builds its states afresh per call).
create or replace function app.plan_word_mash_rules(p_word text, p_keyboard_possible boolean) returns boolean
language sql immutable
as $$
    select case when length(p_word) > 40 then true else
        -- one letter repeated: aaaa
        p_word ~ '(.)\1\1\1'
        -- a chunk repeated: asdfasdf, lolol
        or (
            (left(p_word, 2) = substr(p_word, 3, 2) or left(p_word, 3) = substr(p_word, 4, 3)
                or left(p_word, 4) = substr(p_word, 5, 4))
            and p_word ~ '^(.{2,4})\1+.{0,3}$'
        )
        -- a keyboard run of four or more keys
        or (p_keyboard_possible and p_word ~ app.plan_keyboard_runs())
        -- long words with no vowel: xkcdqrst
        or (length(p_word) >= 4 and p_word !~ '[aeiouy]')
    end
$$;

-- One word on its own, every rule (the plan check runs the rules with the
-- keyboard test decided once per plan): for callers that ask about a word,
-- and for pgTAP 060, which pins each rule through it.
create or replace function app.plan_word_is_mash(p_word text) returns boolean
language sql immutable
as $$
    select app.plan_word_mash_rules(p_word, true)
$$;

create or replace function app.validate_shift_plan(p_plan text) returns jsonb
language plpgsql immutable
as $$
declare
    v_words integer;
    v_real integer;
    v_errors text[] := '{}';
    v_lower text;
    v_keyboard boolean;
begin
    perform app.require_max_length('plan', p_plan, 2000);
    if p_plan is null or btrim(p_plan) = '' then
        v_errors := array_append(v_errors, 'EMPTY');
    else
        -- a keyboard run is four letters, so it lies inside one word (a maximal
        -- run of letters): one search of the whole plan tells whether any word
        -- can hold one, and the words skip that pattern when none can
        v_lower := lower(p_plan);
        v_keyboard := v_lower ~ app.plan_keyboard_runs();
        -- the words and the real ones in one pass (the rules inline)
        select
            count(*)::integer,
            count(*) filter (
                where length(m.w) <= 40 and m.w ~ '[aeiouy]' and not app.plan_word_mash_rules(m.w, v_keyboard)
            )::integer
        into v_words, v_real
        from regexp_matches(v_lower, '([[:alpha:]]{2,})', 'g') as r (g)
        cross join lateral (select r.g[1] as w) as m;
        if v_words = 0 then
            v_errors := array_append(v_errors, 'NO_WORDS');
        else
            if v_real * 2 < v_words then
                v_errors := array_append(v_errors, 'KEYBOARD_MASH');
            end if;
            if v_real < 2 then
                v_errors := array_append(v_errors, 'TOO_FEW_WORDS');
            end if;
        end if;
    end if;
    return jsonb_build_object(
        'valid', cardinality(v_errors) = 0,
        'reason', case v_errors[1]
            when 'EMPTY' then 'The plan is empty.'
            when 'NO_WORDS' then 'The plan has no words, only symbols or numbers.'
            when 'TOO_FEW_WORDS' then 'Describe the day''s work in a few real words.'
            when 'KEYBOARD_MASH' then 'The plan looks like random keys, not words.'
        end,
        'errors', to_jsonb(v_errors)
    );
end
$$;
comment on function app.validate_shift_plan(text) is
'Gatekeeper rules for a shift plan: {valid, reason, errors[]}.';

grant execute on function app.validate_shift_plan(text), app.plan_word_is_mash(text),
app.plan_word_mash_rules(text, boolean), app.plan_keyboard_runs()
to employee, approver, hr_admin;
