"""Calendar sync to Microsoft 365 (Microsoft Graph): approved leave becomes an
all-day out-of-office event in the employee's calendar, cancelled leave removes it.

``client`` (msal token, Graph HTTP, retries), ``sync`` (the calendar_sync outbox:
read, create/delete, record, dead-letter), ``queries`` (every SQL statement),
``jobs`` (the procrastinate app of the calendar lane), ``metrics``.
"""
