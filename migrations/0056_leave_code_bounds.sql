-- Policy codes get an explicit length bound (the catalog check of issue 10 reads
-- length checks; the format check on leave_policies.code bounds it too).

alter table app.leave_policies add constraint leave_policies_code_length check (length(code) <= 30);
alter table app.leave_requests add constraint leave_requests_policy_code_length check (length(policy_code) <= 30);
alter table app.leave_ledger add constraint leave_ledger_policy_code_length check (length(policy_code) <= 30);
