-- The gatekeeper: real plans pass; empty, symbol-only and keyboard-mash plans
-- fail; the mode decides whether a failing plan is refused or recorded.
begin;
select plan(19);

select is((app.validate_shift_plan('Finish API integration and manager dashboard') ->> 'valid')::boolean, true, 'a real plan passes');
select is((app.validate_shift_plan('Review PRs, fix login bug') ->> 'valid')::boolean, true, 'a short real plan passes');
select is(app.validate_shift_plan('') -> 'errors', '["EMPTY"]', 'empty fails');
select is(app.validate_shift_plan(null) -> 'errors', '["EMPTY"]', 'null fails');
select is(app.validate_shift_plan('!!! 🚀🚀 ...') -> 'errors', '["NO_WORDS"]', 'symbols and emoji only fail');
select is(app.validate_shift_plan('asdfasdfasdf') ->> 'valid', 'false', 'asdfasdfasdf is keyboard mash');
select is(app.validate_shift_plan('qwerty zxcvbn hjkl') -> 'errors' ->> 0, 'KEYBOARD_MASH', 'keyboard rows are mash');
select is(app.validate_shift_plan('work') -> 'errors', '["TOO_FEW_WORDS"]', 'one word is too few');
-- each mash rule at its edges (the repeated chunk's substr pre-check must
-- let every chunk of 2, 3 and 4 letters through, and only gates the pattern)
select is(
    array(select app.plan_word_is_mash(w) from unnest(array[
        'lolol', 'abcabcab', 'abcdabcdabc', 'ababxyzw', 'banana', 'aaaa', 'éééé', 'ééé', 'éaéaé',
        'abcdeabcde', 'qwerty', 'hello', 'xkcdqrst', 'ab'
    ]) as t (w)),
    array[true, true, true, false, false, true, true, false, true, false, true, false, true, false],
    'the mash rules: repeated chunks of 2-4 letters, one letter four times, keyboard runs, no vowel'
);

-- a keyboard run lies inside one word: the whole plan is searched once, and a
-- word is tested for one only when the plan holds one somewhere
select is(
    app.validate_shift_plan('Fix layout: qwerty, asdfgh, zxcvbn') -> 'errors', '["KEYBOARD_MASH"]',
    'three keyboard words among two real ones: each counted as mash'
);
select is(
    app.validate_shift_plan('qwerty asdfgh review') -> 'errors', '["KEYBOARD_MASH", "TOO_FEW_WORDS"]',
    'keyboard words in a plan of three: found word by word'
);

select tests.allow_backdating();
select tests.create_employee('gus@example.com') as gus \gset
select tests.create_employee('hal@example.com') as hal \gset
select tests.create_employee('ivy@example.com') as ivy \gset

select tests.authenticate_as('employee', :'gus');
select throws_ok($$select api.clock_in('asdfasdf', tests.ist('2026-11-20 10:00'))$$, 'PT422', 'SHIFT_PLAN_INVALID', 'enforce: an invalid plan is refused with 422');
select is(
    api.clock_in(tests.plan(), tests.ist('2026-11-20 10:00')) -> 'event' -> 'payload' ->> 'gatekeeper_status',
    'PASSED', 'a passing plan is recorded PASSED'
);
select tests.clear_authentication();

select tests.set_setting('gatekeeper_mode', '"availability_first"');
select tests.authenticate_as('employee', :'hal');
select is(
    api.clock_in('asdfasdf', tests.ist('2026-11-20 10:00')) -> 'event' -> 'payload' ->> 'gatekeeper_status',
    'SKIPPED', 'availability_first: an invalid plan still clocks in, SKIPPED'
);
select tests.clear_authentication();
select is(
    (select payload -> 'gatekeeper_errors' from app.attendance_events where employee_id = :'hal'),
    '["KEYBOARD_MASH", "TOO_FEW_WORDS"]'::jsonb,
    'and the reasons are recorded in the payload'
);

-- the CLOCK_IN's policy comes with the employee's row (app.record_punch),
-- by app.policy_of's rule: the employee's shift_config overrides the setting
select tests.create_employee('jo@example.com') as jo \gset
select tests.create_employee('kim@example.com') as kim \gset
select tests.create_employee('lee@example.com') as lee \gset
update app.employees set shift_config = shift_config || '{"gatekeeper_mode": "off"}' where id in (:'jo', :'kim');
select tests.authenticate_as('employee', :'jo');
select is(
    api.clock_in('asdfasdf', tests.ist('2026-11-20 10:00')) -> 'event' -> 'payload' ->> 'gatekeeper_status',
    'OFF', 'an employee''s shift_config gatekeeper_mode overrides the setting (availability_first here)'
);
select tests.clear_authentication();
select tests.set_setting('gatekeeper_mode', '"enforce"');
select tests.authenticate_as('employee', :'lee');
select throws_ok(
    $$select api.clock_in('asdfasdf', tests.ist('2026-11-20 10:00'))$$, 'PT422', 'SHIFT_PLAN_INVALID',
    'and the setting holds for the others'
);
select tests.clear_authentication();
-- without the merged settings row: app.policy_of's aggregate, same answer
delete from app.settings_merged;
select tests.authenticate_as('employee', :'kim');
select is(
    api.clock_in('asdfasdf', tests.ist('2026-11-20 10:00')) -> 'event' -> 'payload' ->> 'gatekeeper_status',
    'OFF', 'without the merged settings row the override still holds'
);
select tests.clear_authentication();

select tests.set_setting('gatekeeper_mode', '"off"');
select tests.authenticate_as('employee', :'ivy');
select is(
    api.clock_in(null, tests.ist('2026-11-20 10:00')) -> 'event' -> 'payload' ->> 'gatekeeper_status',
    'OFF', 'off: no check'
);

select * from finish();
rollback;
