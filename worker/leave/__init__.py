"""Leave: the periodic accrual and year-end runs (jobs and CLI).

The rules live in SQL (``app.leave_accrue_v1``, ``app.leave_year_end_v1``);
this package only calls them, as the worker's procrastinate jobs or from the
operator CLI with a dry run by default.
"""
