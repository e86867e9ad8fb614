"""api.health() through the PostgREST request path."""

from worker.db.migrate import discover
from worker.devtools.pgrest import PostgrestEmulator


def test_health_as_anon_returns_200(api: PostgrestEmulator) -> None:
    r = api.rpc("health")
    assert r.status == 200
    assert r.body["status"] == "ok"
    assert r.body["schema_version"] == max(m.version for m in discover())
    assert "database_time" in r.body


def test_anon_cannot_read_views(api: PostgrestEmulator) -> None:
    r = api.get("daily_status")
    assert r.status == 401
    assert r.body["code"] == "42501"


def test_anon_cannot_punch(api: PostgrestEmulator) -> None:
    r = api.rpc("clock_in", {"plan": "Finish API integration and manager dashboard"})
    assert r.status == 401


def test_unknown_function_is_404(api: PostgrestEmulator) -> None:
    assert api.rpc("no_such_function").status == 404
