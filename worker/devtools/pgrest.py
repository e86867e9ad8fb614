"""The PostgREST request emulator of the tests, the demo and the benchmarks.

A thin wrapper: the request envelope itself (connect as ``authenticator``, one
READ COMMITTED transaction, PostgREST's settings and pre-request, SQLSTATE →
HTTP status) is product code in ``worker.db.request``, which the Slack app's
direct mode uses too; this module only keeps the name the tests know.
"""

from __future__ import annotations

from worker.db.request import (
    PRE_REQUEST,
    REQUEST_SETTINGS,
    ROLE_SETTINGS,
    DirectApi,
    Response,
    claims_from_token,
    http_status,
    start_request,
    transaction_mode,
)

__all__ = [
    "PRE_REQUEST",
    "REQUEST_SETTINGS",
    "ROLE_SETTINGS",
    "PostgrestEmulator",
    "Response",
    "claims_from_token",
    "http_status",
    "start_request",
    "transaction_mode",
]


class PostgrestEmulator(DirectApi):
    """Does what PostgREST does per request, without the binary (see ``worker.db.request``)."""
