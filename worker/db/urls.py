"""Connection URLs derived from one another: the same server as another role or database.

The one place that rewrites a libpq URL. Switching to another role drops the
password (each role authenticates on its own), switching database keeps it.
"""

from __future__ import annotations

from psycopg.conninfo import conninfo_to_dict, make_conninfo


def derive_url(url: str, *, user: str | None = None, dbname: str | None = None) -> str:
    """``url`` with another login role and/or database."""
    params = conninfo_to_dict(url)
    if dbname:
        params["dbname"] = dbname
    if user and user != params.get("user"):
        params["user"] = user
        params.pop("password", None)
    return make_conninfo(**params)


def database_name(url: str) -> str:
    """The database a URL names."""
    return str(conninfo_to_dict(url)["dbname"])
