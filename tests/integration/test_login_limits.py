"""Failure limits (THREATS 30) over the real API on moto (H2): wrong approval numbers, failed
passkey assertions and wrong enrolment codes are counted per account and per source; the
source is the address API Gateway saw, so a spoofed or rotating X-Forwarded-For changes
nothing; a refusal is 429 with Retry-After."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from clock import clear_of_window_edge
from identity_helpers import (  # noqa: F401 - fixtures
    PUBLIC_URL,
    Browser,
    Gateway,
    SoftAuthenticator,
    enrolled_device,
    gateway,
    identity_aws,
    logged_in,
    start_login,
)

from iamsmart.identity import limits
from tools.device import Device, DeviceError

_spoof = itertools.count(1)


@pytest.fixture(autouse=True)
def _one_window() -> None:
    """Each test counts failures inside one quarter-hour window."""
    clear_of_window_edge(900, 30)


def _spoofing(gateway: Gateway):  # noqa: F811
    """A transport that sends a new X-Forwarded-For on every request."""
    def transport(method, url, headers, body):
        n = next(_spoof)
        headers = {**headers, "X-Forwarded-For": f"10.{n % 250}.{n // 250 % 250}.1",
                   "X-Real-IP": f"10.9.9.{n % 250}"}
        return gateway.transport(method, url, headers, body)
    return transport


def _wrong_guess(device: Device, browser: Browser, txn: str) -> DeviceError:
    page = browser.call("GET", f"/v1/login/{txn}")[1]
    wrong = next(c for c in device.show(page["qr"]["payload"])["choices"]
                 if c != page["number"])
    with pytest.raises(DeviceError) as refused:
        device.approve(page["qr"]["payload"], number=wrong)
    return refused.value


def _policy(monkeypatch: pytest.MonkeyPatch, name: str, limit: int) -> None:
    monkeypatch.setitem(limits.POLICIES, name, limits.Policy(limit=limit, window_seconds=900))


def test_wrong_numbers_per_account_hit_the_limit_from_any_source(
        gateway: Gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: F811
    _policy(monkeypatch, "approval-account", 4)
    device = enrolled_device(gateway, tmp_path)
    device.transport = _spoofing(gateway)
    browser = Browser(gateway)
    for i in range(4):  # a fresh transaction each time: the per-transaction limit is 3
        txn = start_login(browser, grant_id=f"g{i}")
        assert _wrong_guess(device, browser, txn).status == 403
    txn = start_login(browser, grant_id="g-last")
    page = browser.call("GET", f"/v1/login/{txn}")[1]
    gateway.source_ip = "203.0.113.50"  # even from a really different address
    with pytest.raises(DeviceError) as limited:
        device.approve(page["qr"]["payload"], number=page["number"])  # even the right one
    assert limited.value.status == 429 and limited.value.code == "too_many_attempts"
    assert limited.value.message_tc
    assert browser.call("GET", f"/v1/login/{txn}")[1]["status"] == "pending"


def test_per_source_limit_keys_on_the_gateway_address_not_forwarded_headers(
        gateway: Gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: F811
    _policy(monkeypatch, "approval-source", 3)
    gateway.source_ip = "198.51.100.20"
    devices = [enrolled_device(gateway, tmp_path, code, name=code)
               for code in ("SANDBOX-CHAN-TAI-MAN", "SANDBOX-LEE-SIU-MEI",
                            "SANDBOX-WONG-KA-YAN", "SANDBOX-CHEUNG-CHI-KEUNG")]
    for device in devices:
        device.transport = _spoofing(gateway)
    browser = Browser(gateway)
    for i, device in enumerate(devices[:3]):  # different accounts, one source
        assert _wrong_guess(device, browser, start_login(browser, grant_id=f"g{i}")).status \
            == 403
    txn = start_login(browser, grant_id="g4")
    page = browser.call("GET", f"/v1/login/{txn}")[1]
    with pytest.raises(DeviceError) as limited:  # a fourth account, a spoofed new header
        devices[3].approve(page["qr"]["payload"], number=page["number"])
    assert limited.value.status == 429

    gateway.source_ip = "198.51.100.21"  # what the gateway sees changed: a new source
    assert devices[3].approve(page["qr"]["payload"], number=page["number"]) == {
        "status": "authenticated"}


def test_retry_after_header(gateway: Gateway, tmp_path: Path,  # noqa: F811
                            monkeypatch: pytest.MonkeyPatch):
    _policy(monkeypatch, "approval-account", 1)
    device = enrolled_device(gateway, tmp_path)
    browser = Browser(gateway)
    _wrong_guess(device, browser, start_login(browser))
    txn = start_login(browser, grant_id="g2")
    path = f"/v1/device/approvals/{txn}"
    k = browser.call("GET", f"/v1/login/{txn}")[1]["qr"]["payload"].split("k=")[1]
    body = f'{{"k": "{k}", "decision": "approve", "number": 10}}'.encode()
    status, headers, _ = gateway.request("POST", path, {
        "Authorization": device.sign("POST", path, body),
        "Content-Type": "application/json"}, body)
    assert status == 429
    assert 1 <= int(headers["Retry-After"]) <= 900


def test_failed_passkey_assertions_are_limited_per_source(
        gateway: Gateway, monkeypatch: pytest.MonkeyPatch):  # noqa: F811
    _policy(monkeypatch, "passkey-source", 2)
    citizen = Browser(gateway)
    logged_in(citizen)
    authenticator = SoftAuthenticator()
    _, options, _ = citizen.call("POST", "/v1/me/passkeys/options", {})
    assert citizen.call("POST", "/v1/me/passkeys",
                        {"credential": authenticator.create(options)})[0] == 201
    browser = Browser(gateway)
    txn = start_login(browser)
    page = browser.call("GET", f"/v1/login/{txn}")[1]
    bad = authenticator.get(page["passkey"], origin="https://evil.example")
    for n in range(2):
        status, _, _ = browser.call("POST", f"/v1/login/{txn}/passkey", {"credential": bad},
                                    headers={"X-Forwarded-For": f"10.0.0.{n}"})
        assert status == 403
    good = authenticator.get(page["passkey"])
    status, answer, headers = browser.call("POST", f"/v1/login/{txn}/passkey",
                                           {"credential": good},
                                           headers={"X-Forwarded-For": "10.0.0.99"})
    assert status == 429 and "Retry-After" in headers
    gateway.source_ip = "203.0.113.77"
    assert browser.call("POST", f"/v1/login/{txn}/passkey", {"credential": good})[0] == 200


def test_failed_passkey_assertions_are_limited_per_account(
        gateway: Gateway, monkeypatch: pytest.MonkeyPatch):  # noqa: F811
    _policy(monkeypatch, "passkey-account", 2)
    citizen = Browser(gateway)
    logged_in(citizen)
    authenticator = SoftAuthenticator()
    _, options, _ = citizen.call("POST", "/v1/me/passkeys/options", {})
    citizen.call("POST", "/v1/me/passkeys", {"credential": authenticator.create(options)})
    browser = Browser(gateway)
    txn = start_login(browser)
    page = browser.call("GET", f"/v1/login/{txn}")[1]
    for n in range(2):
        gateway.source_ip = f"203.0.113.{n + 1}"
        bad = authenticator.get(page["passkey"], user_verified=False)
        assert browser.call("POST", f"/v1/login/{txn}/passkey", {"credential": bad})[0] == 403
    gateway.source_ip = "203.0.113.200"
    status, answer, _ = browser.call("POST", f"/v1/login/{txn}/passkey",
                                     {"credential": authenticator.get(page["passkey"])})
    assert status == 429, answer


def test_enrolment_code_guessing_is_limited_per_source(
        gateway: Gateway, monkeypatch: pytest.MonkeyPatch):  # noqa: F811
    _policy(monkeypatch, "enrol-source", 3)
    device = Device(PUBLIC_URL, transport=_spoofing(gateway))
    for n in range(3):
        with pytest.raises(DeviceError) as refused:
            device.enrol(f"SANDBOX-GUESS-{n}")
        assert refused.value.status == 403
    with pytest.raises(DeviceError) as limited:
        device.enrol("SANDBOX-CHAN-TAI-MAN")
    assert limited.value.status == 429
    gateway.source_ip = "203.0.113.9"
    assert device.enrol("SANDBOX-CHAN-TAI-MAN")["account_id"] == "sandbox-chan-tai-man"


def test_source_is_read_from_the_request_context_only():
    class Request:
        context = {"identity": {"sourceIp": "192.0.2.1"}}
        headers = {"x-forwarded-for": "10.0.0.1"}

    class Bare:
        context = None
        headers = {"x-forwarded-for": "10.0.0.1"}

    assert limits.source_of(Request()) == "192.0.2.1"
    assert limits.source_of(Bare()) == "unknown"


def test_a_transactions_tries_add_up_across_a_clock_boundary(
        identity_aws: dict[str, str], monkeypatch: pytest.MonkeyPatch):  # noqa: F811
    """Three wrong faces in one transaction decline it even when the clock crosses a
    quarter hour between them (a fixed window would start counting again at 2)."""
    from iamsmart.identity import dal

    boundary = 1_800_000_000 - 1_800_000_000 % 900 + 900
    clock = iter([boundary - 1, boundary, boundary + 1, boundary + 1])  # one read per call
    monkeypatch.setattr(dal, "now", lambda: next(clock))
    counts = [limits.fail(("face-txn", "txn-across")) for _ in range(3)]
    assert counts == [1, 2, 3]
    with pytest.raises(limits.Limited) as refused:
        limits.check(("face-txn", "txn-across"))
    # Retry-After counts from the first failure (boundary - 1), not from a window's edge.
    assert refused.value.retry_after == (boundary - 1 + 900) - (boundary + 1)
    # Per-source windows keep their fixed edges: a new quarter hour starts a new count.
    clock = iter([boundary - 1, boundary])
    assert [limits.fail(("approval-source", "192.0.2.7")) for _ in range(2)] == [1, 1]
