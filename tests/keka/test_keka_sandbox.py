"""The local Keka sandbox, exercised over real HTTP on 127.0.0.1 (no database)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.keka_fixtures import API_KEY, CLIENT_ID, CLIENT_SECRET, INGESTION_KEY
from worker.devtools.keka_sandbox import seed_employees

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def http(sandbox):
    with httpx.Client(base_url=sandbox.url, timeout=5.0) as client:
        yield client


def punch(number="A0001", ts="2026-11-23T09:14:54", status=0, device="3f2504e0-4f89-41d3-9a0c-0305e82c3301"):
    return {
        "DeviceIdentifier": device,
        "EmployeeAttendanceNumber": number,
        "Timestamp": ts,
        "Status": status,
    }


def post_logs(http, body, key=INGESTION_KEY):
    return http.post("/v1/logs", json=body, headers={"X-API-Key": key})


def token(http):
    response = http.post(
        "/connect/token",
        data={
            "grant_type": "kekaapi",
            "scope": "kekaapi",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "api_key": API_KEY,
        },
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def bearer(tok):
    return {"Authorization": f"Bearer {tok}"}


# -- /v1/logs ----------------------------------------------------------------------------


def test_logs_rejects_wrong_api_key(http, sandbox):
    response = post_logs(http, [punch()], key="wrong")
    assert response.status_code == 401
    assert response.json() == {"errors": ["invalid api key"], "succeeded": False}
    missing = http.post("/v1/logs", json=[punch()])
    assert missing.status_code == 401
    assert sandbox.logs() == []


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"DeviceIdentifier": "x"}', b'"text"', b"null"],
    ids=["garbage", "object", "string", "null"],
)
def test_logs_body_must_be_a_json_array(http, body):
    response = http.post(
        "/v1/logs",
        content=body,
        headers={"X-API-Key": INGESTION_KEY, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {"errors": ["body must be a JSON array"], "succeeded": False}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Timestamp", "2026-11-23T09:14:54+05:30"),
        ("Timestamp", "2026-11-23T09:14:54Z"),
        ("Timestamp", "2026-11-23 09:14:54"),
        ("Timestamp", "2026-11-23T09:14:54.123"),
        ("Timestamp", "2026-11-23T9:14:54"),
        ("Timestamp", "2026-02-30T09:14:54"),
        ("Timestamp", 1763889294),
        ("Status", 2),
        ("Status", "0"),
        ("Status", True),
        ("Status", None),
        ("EmployeeAttendanceNumber", 42),
    ],
)
def test_logs_invalid_item_rejects_whole_batch_naming_its_index(http, sandbox, field, value):
    bad = punch("A0002")
    bad[field] = value
    response = post_logs(http, [punch(), bad, punch("A0003")])
    assert response.status_code == 400
    body = response.json()
    assert body["succeeded"] is False
    assert body["errors"], body
    assert all(error.startswith("item 1:") for error in body["errors"])
    assert any(field in error for error in body["errors"])
    assert sandbox.logs() == []


@pytest.mark.parametrize("device", ["", "dev-1", "3f2504e0-4f89-41d3-9a0c-0305e82c3301 ", None])
def test_logs_malformed_device_identifier_fails_the_whole_request(http, sandbox, device):
    response = post_logs(http, [punch(), punch("A0002", device=device)])
    assert response.status_code == 400
    assert response.json() == {
        "errors": ["The JSON value could not be converted to System.Guid. Path: $[1].DeviceIdentifier"],
        "succeeded": False,
    }
    assert sandbox.logs() == []


def test_logs_rotated_key_refuses_the_old_one(http, sandbox):
    sandbox.set_faults({"ingestion_key": "rotated"})
    assert post_logs(http, [punch()]).status_code == 401
    assert post_logs(http, [punch()], key="rotated").status_code == 200
    sandbox.set_faults({"ingestion_key": None})
    assert post_logs(http, [punch()]).status_code == 200


def test_logs_missing_field_and_non_object_items(http):
    item = punch()
    del item["Status"]
    response = post_logs(http, [item, punch("A0002"), "nope"])
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "item 0: Status must be 0 (IN) or 1 (OUT)" in errors
    assert "item 2: must be an object" in errors


def test_logs_batch_over_the_limit_is_rejected(http, sandbox):
    batch = [punch(f"A{i:04d}") for i in range(101)]
    response = post_logs(http, batch)
    assert response.status_code == 400
    assert "exceeds the limit of 100" in response.json()["errors"][0]
    assert post_logs(http, batch[:100]).json()["data"] == {"logsReceived": 100, "logsAccepted": 100}
    assert len(sandbox.logs()) == 100


def test_logs_accepts_and_counts_every_receipt(http, sandbox):
    first = post_logs(http, [punch(), punch(status=1, ts="2026-11-23T18:02:00")])
    assert first.status_code == 200
    assert first.json() == {"data": {"logsReceived": 2, "logsAccepted": 2}, "succeeded": True}

    # no de-duplication is assumed: a re-send is accepted again, and shows as receipts 2
    again = post_logs(http, [punch()])
    assert again.json() == {"data": {"logsReceived": 1, "logsAccepted": 1}, "succeeded": True}

    logs = {(p["EmployeeAttendanceNumber"], p["Status"]): p for p in sandbox.logs()}
    assert len(logs) == 2
    assert logs[("A0001", 0)]["receipts"] == 2
    assert logs[("A0001", 1)]["receipts"] == 1
    assert logs[("A0001", 0)]["Timestamp"] == "2026-11-23T09:14:54"
    assert logs[("A0001", 0)]["first_received_at"]
    # Same data over HTTP.
    over_http = http.get("/_sandbox/logs").json()
    assert over_http["count"] == 2
    assert sorted(p["receipts"] for p in over_http["logs"]) == [1, 2]


def test_logs_unknown_attendance_numbers_are_accepted(http):
    response = post_logs(http, [punch("NOBODY")])
    assert response.json()["data"]["logsAccepted"] == 1


def test_reject_attendance_numbers_fault(http, sandbox):
    sandbox.set_faults({"reject_attendance_numbers": ["A0002"]})
    response = post_logs(http, [punch("A0001"), punch("A0002")])
    # as Keka: counts only, no per-item result, no invented 400
    assert response.status_code == 200
    assert response.json() == {"data": {"logsReceived": 2, "logsAccepted": 1}, "succeeded": True}
    assert [p["EmployeeAttendanceNumber"] for p in sandbox.logs()] == ["A0001"]
    assert post_logs(http, [punch("A0001")]).status_code == 200
    assert sandbox.stats()["faults_injected"]["reject_attendance_numbers"] == 1


def test_logs_status_fault_counts_down_then_recovers(http, sandbox):
    sandbox.set_faults({"logs": {"status": 503, "count": 2, "retry_after": 7}})
    for _ in range(2):
        response = post_logs(http, [punch()])
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "7"
        assert response.json()["succeeded"] is False
    assert post_logs(http, [punch()]).status_code == 200
    assert sandbox.stats()["faults_injected"]["logs"] == 2
    assert len(sandbox.logs()) == 1


def test_logs_fault_without_count_lasts_until_cleared(http, sandbox):
    sandbox.set_faults({"logs": {"status": 500, "count": None, "retry_after": None}})
    for _ in range(3):
        response = post_logs(http, [punch()])
        assert response.status_code == 500
        assert "Retry-After" not in response.headers
    sandbox.clear_faults()
    assert post_logs(http, [punch()]).status_code == 200


def test_hung_request_is_still_stored_so_a_resend_is_a_second_receipt(sandbox):
    sandbox.set_faults({"logs_hang": {"seconds": 1.0, "count": 1}})
    with httpx.Client(base_url=sandbox.url, timeout=0.3) as impatient:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            post_logs(impatient, [punch()])
        assert time.monotonic() - started < 0.9
        # The hang is used up: the re-send is answered at once.
        assert post_logs(impatient, [punch()]).json()["data"]["logsAccepted"] == 1
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and sandbox.logs()[0]["receipts"] < 2:
        time.sleep(0.05)
    (stored,) = sandbox.logs()
    assert stored["receipts"] == 2
    assert sandbox.stats()["faults_injected"]["logs_hang"] == 1


# -- /connect/token ----------------------------------------------------------------------


def test_token_issue_and_errors(http, sandbox):
    form = {
        "grant_type": "kekaapi",
        "scope": "kekaapi",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "api_key": API_KEY,
    }
    ok = http.post("/connect/token", data=form)
    assert ok.status_code == 200
    body = ok.json()
    assert set(body) == {"access_token", "expires_in", "token_type", "scope"}
    assert body["expires_in"] == 3600
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "kekaapi"

    wrong_grant = http.post("/connect/token", data={**form, "grant_type": "client_credentials"})
    assert wrong_grant.status_code == 400
    assert wrong_grant.json() == {"error": "unsupported_grant_type"}

    for field in ("client_id", "client_secret", "api_key"):
        wrong = http.post("/connect/token", data={**form, field: "nope"})
        assert wrong.status_code == 400
        assert wrong.json() == {"error": "invalid_client"}
    assert sandbox.stats()["tokens_issued"] == 1


# -- /api/v1/hris ------------------------------------------------------------------------


def test_hris_requires_a_valid_bearer_token(http, sandbox, clock):
    sandbox.add_employees(seed_employees(2))
    assert http.get("/api/v1/hris/employees").status_code == 401
    bogus = http.get("/api/v1/hris/employees", headers=bearer("bogus"))
    assert bogus.status_code == 401
    assert bogus.json()["succeeded"] is False

    tok = token(http)
    assert http.get("/api/v1/hris/employees", headers=bearer(tok)).status_code == 200
    clock.advance(3601)
    assert http.get("/api/v1/hris/employees", headers=bearer(tok)).status_code == 401

    tok = token(http)
    sandbox.set_faults({"expire_tokens": True})
    assert http.get("/api/v1/hris/employees", headers=bearer(tok)).status_code == 401
    assert http.get("/api/v1/hris/employees", headers=bearer(token(http))).status_code == 200


def test_hris_paging_envelope(http, sandbox):
    sandbox.add_employees(seed_employees(7))
    headers = bearer(token(http))
    seen = []
    for page_number in (1, 2, 3):
        response = http.get(
            "/api/v1/hris/employees",
            params={"pageNumber": page_number, "pageSize": 3},
            headers=headers,
        )
        assert response.status_code == 200
        env = response.json()
        assert set(env) == {
            "succeeded",
            "message",
            "errors",
            "data",
            "pageNumber",
            "pageSize",
            "totalPages",
            "totalRecords",
            "nextPage",
            "previousPage",
        }
        assert env["succeeded"] is True
        assert (env["pageNumber"], env["pageSize"]) == (page_number, 3)
        assert (env["totalPages"], env["totalRecords"]) == (3, 7)
        assert (env["nextPage"] is None) == (page_number == 3)
        assert (env["previousPage"] is None) == (page_number == 1)
        seen.extend(e["employeeNumber"] for e in env["data"])
    assert seen == [f"E{n:04d}" for n in range(1, 8)]

    first = http.get("/api/v1/hris/employees?pageSize=3", headers=headers).json()
    assert "pageNumber=2" in first["nextPage"]
    following = httpx.get(first["nextPage"], headers=headers).json()
    assert following["pageNumber"] == 2

    default = http.get("/api/v1/hris/employees", headers=headers).json()
    assert (default["pageNumber"], default["pageSize"], default["totalPages"]) == (1, 100, 1)
    employee = default["data"][0]
    assert set(employee) == {
        "id",
        "employeeNumber",
        "attendanceNumber",
        "firstName",
        "lastName",
        "displayName",
        "email",
        "employmentStatus",
        "joiningDate",
        "exitDate",
        "reportsTo",
        "jobTitle",
        "groups",
    }
    # Keka's shapes: numeric employmentStatus, jobTitle an object
    assert employee["employmentStatus"] == 0
    assert employee["jobTitle"] == {"identifier": "5f0c3b52-6f0e-4c55-9a6b-1d2e3f405060", "title": "Engineer"}


def test_hris_filters_and_bad_parameters(http, sandbox):
    sandbox.add_employees(seed_employees(10))
    headers = bearer(token(http))

    def numbers(**params):
        response = http.get("/api/v1/hris/employees", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [e["employeeNumber"] for e in response.json()["data"]]

    assert numbers(employeeNumbers="E0002,E0005, E0009") == ["E0002", "E0005", "E0009"]
    assert numbers(employmentStatus="Relieved") == ["E0005", "E0010"]
    assert numbers(employmentStatus="Working", employeeNumbers="E0005,E0006") == ["E0006"]
    assert numbers(pageNumber=9, pageSize=5) == []

    for params in (
        {"pageSize": 201},
        {"pageSize": 0},
        {"pageNumber": 0},
        {"pageNumber": "x"},
        {"employmentStatus": "working"},
    ):
        response = http.get("/api/v1/hris/employees", params=params, headers=headers)
        assert response.status_code == 400, params
        assert response.json()["succeeded"] is False


def test_hris_single_employee(http, sandbox):
    (employee,) = sandbox.add_employees(seed_employees(1))
    headers = bearer(token(http))
    found = http.get(f"/api/v1/hris/employees/{employee['id']}", headers=headers)
    assert found.status_code == 200
    assert found.json()["data"] == employee, "one employee: data is an object, not a list"
    missing = http.get("/api/v1/hris/employees/00000000-0000-0000-0000-000000000000", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["succeeded"] is False
    assert missing.json()["data"] is None


def test_rate_limit_with_and_without_retry_after(http, sandbox, clock):
    headers = bearer(token(http))
    sandbox.set_faults({"rate_limit_per_minute": 3})
    for _ in range(3):
        assert http.get("/api/v1/hris/employees", headers=headers).status_code == 200
    limited = http.get("/api/v1/hris/employees", headers=headers)
    assert limited.status_code == 429
    assert limited.json()["message"] == "rateLimitExceeded"
    assert limited.json()["succeeded"] is False
    assert limited.headers["Retry-After"] == "60"
    clock.advance(45)
    assert http.get("/api/v1/hris/employees", headers=headers).headers["Retry-After"] == "15"
    # Only /api/v1/* is limited.
    assert post_logs(http, [punch()]).status_code == 200
    assert token(http)

    sandbox.set_faults({"omit_retry_after": True})
    silent = http.get("/api/v1/hris/employees", headers=headers)
    assert silent.status_code == 429
    assert "Retry-After" not in silent.headers

    clock.advance(15)  # the window refills
    assert http.get("/api/v1/hris/employees", headers=headers).status_code == 200
    assert sandbox.stats()["faults_injected"]["rate_limited"] == 3


def test_hris_injected_faults(http, sandbox):
    headers = bearer(token(http))
    sandbox.set_faults({"hris": {"status": 429, "count": 1, "retry_after": 2}})
    limited = http.get("/api/v1/hris/employees", headers=headers)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "2"
    sandbox.set_faults({"hris": {"status": 500, "count": 1, "retry_after": None}})
    assert http.get("/api/v1/hris/employees", headers=headers).status_code == 500
    assert http.get("/api/v1/hris/employees", headers=headers).status_code == 200


# -- control API -------------------------------------------------------------------------


def test_control_api_employees_faults_reset_and_stats(http, sandbox):
    added = http.post(
        "/_sandbox/employees",
        json=[
            {"id": "e-1", "employeeNumber": "E1", "attendanceNumber": "A1", "firstName": "Asha"},
            {"id": "e-2", "employeeNumber": "E2", "attendanceNumber": "A2"},
        ],
    )
    assert added.status_code == 200
    assert added.json()["count"] == 2
    first = added.json()["employees"][0]
    assert first["displayName"] == "Asha"
    assert first["employmentStatus"] == 0
    assert first["groups"] == []

    updated = http.post(
        "/_sandbox/employees",
        json=[{"id": "e-1", "employmentStatus": "Relieved", "exitDate": "2026-11-30"}],
    ).json()["employees"][0]
    assert updated["employeeNumber"] == "E1"  # merged, not replaced
    assert updated["employmentStatus"] == 1

    bad = http.post("/_sandbox/employees", json=[{"id": "e-3", "employmentStatus": "Gone"}])
    assert bad.status_code == 400
    assert http.delete("/_sandbox/employees/e-2").status_code == 200
    assert http.delete("/_sandbox/employees/e-2").status_code == 404
    assert [e["id"] for e in http.get("/_sandbox/employees").json()["employees"]] == ["e-1"]

    assert http.post("/_sandbox/faults", json={"nonsense": 1}).status_code == 400
    assert http.post("/_sandbox/faults", json={"logs": {"status": 200}}).status_code == 400
    set_ = http.post("/_sandbox/faults", json={"logs": {"status": 503, "count": 1}})
    assert set_.json()["faults"]["logs"] == {"status": 503, "count": 1, "retry_after": None}
    http.post("/_sandbox/faults", json={"reject_attendance_numbers": ["A9"]})
    faults = http.get("/_sandbox/faults").json()["faults"]
    assert faults["logs"]["status"] == 503  # merged with the earlier key
    assert faults["reject_attendance_numbers"] == ["A9"]
    assert http.delete("/_sandbox/faults").json()["faults"]["logs"] is None

    post_logs(http, [punch()])
    stats = http.get("/_sandbox/stats").json()
    assert stats["requests"]["POST /v1/logs"] == 1
    assert stats["stored_punches"] == 1
    assert stats["employees"] == 1

    assert http.post("/_sandbox/reset").status_code == 200
    assert sandbox.logs() == []
    assert sandbox.employees() == []
    assert sandbox.stats()["requests"] == {}


def test_unknown_routes(http):
    assert http.get("/nope").status_code == 404
    assert http.get("/_sandbox/nope").status_code == 404
    assert http.get("/v1/logs").status_code == 405


# -- standalone process ------------------------------------------------------------------


def test_runs_as_a_subprocess_and_announces_its_url():
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "worker.devtools.keka_sandbox",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--seed-employees",
            "3",
            "--ingestion-key",
            "cli-key",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
        env=env,
    )
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout=10)
        assert lines, "sandbox did not announce itself within 10 s"
        prefix, url = lines[0].split()
        assert prefix == "KEKA_SANDBOX_READY"
        assert url.startswith("http://127.0.0.1:")
        assert not url.endswith(":0")
        assert httpx.get(f"{url}/_sandbox/stats").json()["employees"] == 3
        accepted = httpx.post(f"{url}/v1/logs", json=[punch()], headers={"X-API-Key": "cli-key"})
        assert accepted.json()["data"]["logsAccepted"] == 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
