"""The README's curl examples, run as written.

A database is built the way a real one is (migrations only: no pgTAP and none
of the test helpers' extra grants) and seeded by ``demo --seed-only``'s code;
the PostgREST stand-in (worker/devtools/pgrest_http.py: HS256 tokens, the
request emulator) serves it over HTTP; each ``curl`` line of the README
sections below runs in bash with the seed's variables, in README order, and
must answer 2xx with a JSON body (CSV when it asks for ``text/csv``). Every
endpoint of those sections must have an example. An example that stops
working fails here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator

import pytest

from tests import dbtools
from worker.config import ROOT, jwt_secret
from worker.db.urls import derive_url
from worker.devtools import demo_frontdesk
from worker.devtools.pgrest_http import PostgrestHttp

# README section heading → the endpoints it documents (each must have an example there)
SECTIONS = {
    # issue 14
    "## Tamper-evident ledger (hash chain)": {"/rpc/verify_ledger"},
    "## Adjustments and the payroll period lock": {
        "/rpc/request_adjustment", "/adjustment_requests", "/rpc/approve_adjustment", "/rpc/reject_adjustment",
        "/rpc/withdraw_adjustment", "/rpc/lock_period", "/rpc/unlock_period", "/period_locks",
    },
    "## Administration: roles, the audit log, rate limits, IP allow-list": {
        "/rpc/assign_roles", "/rpc/unassign_roles", "/rpc/audit_logs_search", "/rpc/audit_logs_export",
        "/audit_logs",
    },
    # issue 15
    "### Front desk curl examples": {
        # desk (parts 1-3)
        "/rpc/kiosk_login", "/rpc/badge_scan", "/rpc/presence", "/rpc/security_alerts", "/rpc/acknowledge_alert",
        "/rpc/register_kiosk_device", "/rpc/kiosk_devices", "/rpc/rotate_kiosk_key", "/rpc/revoke_kiosk_device",
        "/rpc/assign_badge", "/rpc/return_badge", "/rpc/report_badge_lost", "/rpc/revoke_badge",
        "/rpc/badge_history",
        # desk3 (follow-ups)
        "/rpc/set_kiosk_device_purpose",
        # desk2 (parts 4-6)
        "/rpc/visitor_sign_in", "/rpc/visitor_sign_out", "/visitors", "/rpc/create_event",
        "/rpc/add_event_attendees", "/rpc/event_report", "/events", "/rpc/set_duty", "/duty_roster", "/rpc/lockup",
        "/lockups",
    },
}  # fmt: skip
CSV_HEADER = "id,created_at,actor_slack_id,"


def readme_examples(heading: str, text: str | None = None) -> list[str]:
    """The ``curl`` lines of the ```sh blocks of one README section (up to the next level-2 heading)."""
    text = (ROOT / "README.md").read_text() if text is None else text
    section = text[text.index(f"\n{heading}\n") + 1 :]
    section = section[: section.index("\n## ", 1)] if "\n## " in section[1:] else section
    commands: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S):
        commands += [line for line in block.replace("\\\n", " ").splitlines() if line.startswith("curl ")]
    return commands


def all_examples() -> list[str]:
    """Every section's examples, in README order (later examples act on what earlier ones did)."""
    text = (ROOT / "README.md").read_text()
    ordered = sorted(SECTIONS, key=lambda heading: text.index(f"\n{heading}\n"))
    return [command for heading in ordered for command in readme_examples(heading, text)]


def path_of(command: str) -> str:
    match = re.search(r'"\$API(/[a-z_/]+)[?"]', command)
    assert match, f'an example names its URL as "$API/...": {command}'
    return match.group(1)


def run(command: str, env: dict[str, str]) -> tuple[str, str]:
    """Run one example as written; its HTTP status and body."""
    done = subprocess.run(
        ["bash", "-c", command + " -w '\\n%{http_code}'"], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, f"{command}\n{done.stderr}"
    body, _, status = done.stdout.rpartition("\n")
    return status, body


def check(command: str, status: str, body: str) -> None:
    assert status.startswith("2"), f"{command}\n-> {status} {body}"
    if "Accept: text/csv" in command:
        assert body.startswith(CSV_HEADER), f"{command}\n-> not CSV: {body[:200]}"
    else:
        json.loads(body)


@pytest.fixture(scope="module")
def seeded(admin_url: str) -> Iterator[dict[str, str]]:
    url = dbtools.create_database(admin_url, "hithonix_readme")  # no template: no pgTAP grants
    try:
        with PostgrestHttp(derive_url(url, user="authenticator"), jwt_secret()) as server:
            result = demo_frontdesk.seed(url, lambda message: None, api_url=server.url.rstrip("/"))
            yield {**os.environ, **result.env}
    finally:
        dbtools.drop_database(admin_url, "hithonix_readme")


@pytest.mark.parametrize("heading", list(SECTIONS))
def test_every_endpoint_has_an_example(heading: str) -> None:
    missing = SECTIONS[heading] - {path_of(c) for c in readme_examples(heading)}
    assert not missing, f"{heading}: endpoints without a README example: {sorted(missing)}"


def test_readme_curl_examples_run_through_the_request_path(seeded: dict[str, str]) -> None:
    examples = all_examples()
    assert len(examples) >= sum(len(endpoints) for endpoints in SECTIONS.values())
    for command in examples:
        check(command, *run(command, seeded))


def test_a_broken_example_fails(seeded: dict[str, str]) -> None:
    """The harness can fail: an example with a wrong argument, a foreign token or a malformed body is caught."""
    example = next(c for c in readme_examples("## Adjustments and the payroll period lock") if "/rpc/lock_period" in c)
    for broken in (
        example.replace('"date_from"', '"from"'),  # no such argument: 404
        example.replace("$ADMIN_TOKEN", "$EMPLOYEE_TOKEN"),  # not hr_admin: 403
        example.replace("payroll\"}'", "payroll\"'"),  # malformed JSON: 400
    ):
        status, body = run(broken, seeded)
        with pytest.raises(AssertionError):
            check(broken, status, body)
    with pytest.raises(AssertionError):  # an export that answers JSON, not CSV
        check('curl -H "Accept: text/csv"', "200", '{"rows": []}')
