"""The scripted relying party flow (README "Scripted logins"), over plain HTTP only.

What a department's test suite does: follow the redirects from its own login link, read the
login transaction id from the login page's URL and the number from ``GET /v1/login/{txn}``,
approve with the device simulator, poll until authenticated, then follow ``next`` back to its
``redirect_uri`` with a code. The relying party here is the sandbox department service.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from login_helpers import TIMEOUT, DeviceSimulator, department_url, txn_of, wait_for_status

pytestmark = pytest.mark.e2e

CITIZEN_CODE = "SANDBOX-WONG-KA-YAN"


@pytest.fixture(scope="module")
def device(platform_url: str, tmp_path_factory: pytest.TempPathFactory) -> DeviceSimulator:
    simulator = DeviceSimulator(platform_url, tmp_path_factory.mktemp("scripted") / "device.json")
    simulator.enrol(CITIZEN_CODE)
    return simulator


@pytest.fixture
def department(local_platform: dict[str, Any]) -> str:
    return department_url(local_platform)


def hop(http: requests.Session, url: str) -> str:
    """One redirect: GET ``url`` and return the Location it answers with."""
    answer = http.get(url, allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code in (302, 303), f"{url} answered {answer.status_code}"
    location = answer.headers["Location"]
    return location if "://" in location else f"{urlsplit(url).scheme}://{urlsplit(url).netloc}{location}"


def start_login(http: requests.Session, department: str, platform_url: str) -> str:
    """From the department's login link to our login page; returns the login page URL."""
    authorize = hop(http, f"{department}/login")
    assert authorize.startswith(f"{platform_url}/v1/oidc/authorize?")
    query = parse_qs(urlsplit(authorize).query)
    assert set(query) == {"client_id", "request_uri"}, "PAR: nothing else in the front channel"
    return hop(http, authorize)


def test_scripted_login_with_the_device_simulator(platform_url: str, department: str,
                                                  device: DeviceSimulator) -> None:
    http = requests.Session()
    login_page = start_login(http, department, platform_url)
    assert urlsplit(login_page).path == "/login.html"
    txn = txn_of(login_page)

    view = http.get(f"{platform_url}/v1/login/{txn}", timeout=TIMEOUT).json()
    assert view["status"] == "pending"
    assert 10 <= view["number"] <= 99
    assert view["qr"]["payload"].startswith("iamsmart://approve?")
    assert view["qr"]["svg"].startswith("data:image/svg+xml")
    assert view["service"]["name_en"] and view["service"]["name_tc"]

    # Only this browser may follow the transaction: another gets the same 404 as a stranger.
    assert requests.get(f"{platform_url}/v1/login/{txn}", timeout=TIMEOUT).status_code == 404

    assert "Approved" in device.approve(view["qr"]["payload"], view["number"])
    done = wait_for_status(http, platform_url, txn, "authenticated")
    assert done["next"].startswith("/v1/oidc/authorize/resume?")

    location = hop(http, platform_url + done["next"])
    if urlsplit(location).path == "/consent.html":  # first time: the consent screen's API
        consent_txn = txn_of(location)
        asked = http.get(f"{platform_url}/v1/oidc/consent/{consent_txn}", timeout=TIMEOUT).json()
        assert {s["scope"] for s in asked["scopes"]} == {"openid", "profile", "email", "phone"}
        allowed = http.post(f"{platform_url}/v1/oidc/consent/{consent_txn}",
                            json={"decision": "allow"}, timeout=TIMEOUT)
        assert allowed.status_code == 200, allowed.text
        location = allowed.json()["next"]

    # Back at the relying party's redirect_uri with a code, its state, and the issuer (RFC 9207).
    assert location.startswith(f"{department}/callback?")
    params = parse_qs(urlsplit(location).query)
    assert set(params) == {"code", "state", "iss"}
    assert params["iss"] == [platform_url]

    page = http.get(location, timeout=TIMEOUT)  # the department redeems the code
    assert page.status_code == 200 and page.url == f"{department}/me"
    assert "WONG Ka Yan" in page.text and "黃嘉欣" in page.text
    assert re.search(r'data-claim="acr".*?urn:iamsmart:acr:basic', page.text, re.S)
    assert re.search(r'data-claim="amr".*?hwk, mca', page.text, re.S)
    assert re.search(r'data-item="token_type".*?DPoP', page.text, re.S)
    assert params["code"][0] not in page.text, "the service never shows what it was given raw"

    # Single sign-on: the next login at the service needs no approval and no consent.
    authorize = hop(http, f"{department}/login")
    back = hop(http, authorize)
    assert back.startswith(f"{department}/callback?") and "code=" in back
    assert http.get(back, timeout=TIMEOUT).url == f"{department}/me"


def test_a_wrong_number_is_refused_and_the_login_stays_pending(
        platform_url: str, department: str, device: DeviceSimulator, tmp_path: Path) -> None:
    http = requests.Session()
    txn = txn_of(start_login(http, department, platform_url))
    view = http.get(f"{platform_url}/v1/login/{txn}", timeout=TIMEOUT).json()
    wrong = 10 + (view["number"] - 10 + 1) % 90  # another two-digit number
    try:
        device.approve(view["qr"]["payload"], wrong)
    except AssertionError as refused:
        assert "Refused" in str(refused)
    else:
        pytest.fail("the device simulator approved with the wrong number")
    assert http.get(f"{platform_url}/v1/login/{txn}", timeout=TIMEOUT).json()["status"] == "pending"

    # A decline ends it; the login page's JSON then leads back to the service with an error.
    device.deny(view["qr"]["payload"])
    denied = wait_for_status(http, platform_url, txn, "denied")
    location = hop(http, platform_url + denied["next"])
    assert location.startswith(f"{department}/callback?")
    assert parse_qs(urlsplit(location).query)["error"] == ["access_denied"]
    page = http.get(location, timeout=TIMEOUT)
    assert page.status_code == 400 and "declined" in page.text
