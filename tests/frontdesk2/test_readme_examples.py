"""The README's front-desk curl examples, run as written.

A database is built the way a real one is (migrations only: no pgTAP and none
of the test helpers' extra grants) and seeded by ``demo --seed-only``'s code;
the PostgREST stand-in (worker/devtools/pgrest_http.py: HS256 tokens, the
request emulator) serves it over HTTP; each ``curl`` line of the README's
"Front desk curl examples" section runs in bash with the seed's variables,
in order, and must answer 2xx with a JSON body. Every front-desk endpoint must
have an example. An example that stops working fails here.
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

SECTION = "### Front desk curl examples"
ENDPOINTS = {
    # desk (issue 15 parts 1-3)
    "/rpc/kiosk_login", "/rpc/badge_scan", "/rpc/presence", "/rpc/security_alerts", "/rpc/acknowledge_alert",
    "/rpc/register_kiosk_device", "/rpc/kiosk_devices", "/rpc/rotate_kiosk_key", "/rpc/revoke_kiosk_device",
    "/rpc/assign_badge", "/rpc/return_badge", "/rpc/report_badge_lost", "/rpc/revoke_badge", "/rpc/badge_history",
    # desk3 (follow-ups)
    "/rpc/set_kiosk_device_purpose",
    # desk2 (parts 4-6)
    "/rpc/visitor_sign_in", "/rpc/visitor_sign_out", "/visitors", "/rpc/create_event", "/rpc/add_event_attendees",
    "/rpc/event_report", "/events", "/rpc/set_duty", "/duty_roster", "/rpc/lockup", "/lockups",
}  # fmt: skip


def readme_examples() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index(SECTION) :]
    section = section[: section.index("\n## ")] if "\n## " in section else section
    commands: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S):
        commands += [line for line in block.replace("\\\n", " ").splitlines() if line.startswith("curl ")]
    return commands


def path_of(command: str) -> str:
    match = re.search(r'"\$API(/[a-z_/]+)"', command)
    assert match, f'an example names its URL as "$API/...": {command}'
    return match.group(1)


@pytest.fixture
def seeded(admin_url: str) -> Iterator[dict[str, str]]:
    url = dbtools.create_database(admin_url, "hithonix_readme")  # no template: no pgTAP grants
    try:
        with PostgrestHttp(derive_url(url, user="authenticator"), jwt_secret()) as server:
            result = demo_frontdesk.seed(url, lambda message: None, api_url=server.url.rstrip("/"))
            yield result.env
    finally:
        dbtools.drop_database(admin_url, "hithonix_readme")


def test_every_front_desk_endpoint_has_an_example() -> None:
    missing = ENDPOINTS - {path_of(c) for c in readme_examples()}
    assert not missing, f"endpoints without a README example: {sorted(missing)}"


def test_readme_curl_examples_run_through_the_request_path(seeded: dict[str, str]) -> None:
    examples = readme_examples()
    assert len(examples) >= len(ENDPOINTS)
    env = {**os.environ, **seeded}
    for command in examples:
        done = subprocess.run(
            ["bash", "-c", command + " -w '\\n%{http_code}'"], env=env, capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 0, f"{command}\n{done.stderr}"
        body, _, status = done.stdout.rpartition("\n")
        assert status.startswith("2"), f"{command}\n-> {status} {body}"
        json.loads(body)
