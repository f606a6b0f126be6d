"""Login transactions approved from a device (simulator) over the real API on moto (H2):
number matching, relayed QR codes, wrong-number lockout, expiry, cookie binding, replayed or
wrongly signed device requests, login_hint pushes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from identity_helpers import (  # noqa: F401 - fixtures
    PUBLIC_URL,
    Browser,
    Gateway,
    enrolled_device,
    gateway,
    identity_aws,
    start_login,
)

from iamsmart.identity import assurance, login
from tools.device import Device, DeviceError, parse_qr


def _show(browser: Browser, txn: str) -> dict:
    from chalicelib.routes.login import LoginView

    status, page, _ = browser.call("GET", f"/v1/login/{txn}")
    assert status == 200, page
    LoginView.model_validate(page)  # the answer is what the OpenAPI document says
    return page


def test_login_approved_by_number_then_result_once(gateway: Gateway, tmp_path: Path):  # noqa: F811
    browser = Browser(gateway)
    txn = start_login(browser)
    page = _show(browser, txn)
    assert page["status"] == "pending" and 10 <= page["number"] <= 99
    # "Back to the service": the origin of its registered redirect URI (it registered no
    # landing page), never anything the request carried.
    assert page["service"] == {"name_en": "Transport Department (sandbox)",
                               "name_tc": "運輸署（沙盒）", "uri": "http://127.0.0.1:8001/"}
    assert "wrong_numbers" not in page and "tries_left" not in page
    assert page["qr"]["svg"].startswith("data:image/svg+xml")
    assert page["qr"]["payload"].startswith(f"iamsmart://approve?txn={txn}&k=")
    assert page["app_link"] == page["qr"]["payload"]
    assert page["passkey"]["allowCredentials"] == []
    assert page["passkey"]["userVerification"] == "required"
    assert page["passkey"]["rpId"] == "localhost"
    assert 290 <= page["expires_in"] <= 300

    device = enrolled_device(gateway, tmp_path)
    shown = device.show(page["qr"]["payload"])
    assert shown["service"]["name_tc"] == "運輸署（沙盒）"
    assert page["number"] in shown["choices"] and len(set(shown["choices"])) == 3
    assert device.show(page["qr"]["payload"])["choices"] == shown["choices"]  # fixed
    assert device.approve(page["qr"]["payload"], number=page["number"]) == {
        "status": "authenticated"}

    page = _show(browser, txn)
    assert page["status"] == "authenticated"
    assert page["next"] == f"/v1/oidc/authorize/resume?txn={txn}"
    assert "number" not in page and "qr" not in page

    result = login.result(txn, f"iamsmart_login={browser.cookies['iamsmart_login']}")
    assert result.account_id == "sandbox-chan-tai-man" and result.grant_id == "grant-1"
    assert result.amr == assurance.AMR_DEVICE and result.acr == assurance.ACR_BASIC
    assert abs(result.auth_time - time.time()) < 5
    with pytest.raises(login.LoginNotFound):  # consumed
        login.result(txn, f"iamsmart_login={browser.cookies['iamsmart_login']}")


def test_plus_citizen_reaches_plus(gateway: Gateway, tmp_path: Path):  # noqa: F811
    browser = Browser(gateway)
    txn = start_login(browser)
    page = _show(browser, txn)
    device = enrolled_device(gateway, tmp_path, "SANDBOX-LEE-SIU-MEI")
    device.approve(page["qr"]["payload"], number=page["number"])
    result = login.result(txn, f"iamsmart_login={browser.cookies['iamsmart_login']}")
    assert result.acr == assurance.ACR_PLUS


def test_relayed_qr_cannot_be_approved_without_the_victims_number(gateway: Gateway,  # noqa: F811
                                                                    tmp_path: Path):
    """An attacker relays the victim's... no: the attacker's own login QR reaches the victim.
    The victim's device sees three numbers; only the attacker's browser shows the right one,
    so the victim cannot pick it except by chance, and three misses deny the login."""
    attacker = Browser(gateway)
    txn = start_login(attacker)
    page = _show(attacker, txn)
    victim = enrolled_device(gateway, tmp_path)
    wrong = [c for c in victim.show(page["qr"]["payload"])["choices"] if c != page["number"]]
    for i, guess in enumerate([wrong[0], wrong[1], wrong[0]]):
        with pytest.raises(DeviceError) as refused:
            victim.approve(page["qr"]["payload"], number=guess)
        assert refused.value.status == 403 and refused.value.code == "wrong_number"
        assert refused.value.answer["details"]["remaining"] == 2 - i
        assert refused.value.message_tc
        shown = _show(attacker, txn)
        if i < 2:  # the browser is told that a wrong number came, and the tries left
            assert shown["status"] == "pending"
            assert (shown["wrong_numbers"], shown["tries_left"]) == (i + 1, 2 - i)
    denied = _show(attacker, txn)
    # Denied for the wrong numbers, not declined by the citizen; the way back is the resume.
    assert denied["status"] == "denied" and denied["reason"] == "wrong_number"
    assert denied["next"] == f"/v1/oidc/authorize/resume?txn={txn}"
    assert "tries_left" not in denied
    with pytest.raises(DeviceError) as closed:  # even the right number is too late now
        victim.approve(page["qr"]["payload"], number=page["number"])
    assert closed.value.status == 409
    with pytest.raises(login.LoginDenied) as denied:
        login.result(txn, f"iamsmart_login={attacker.cookies['iamsmart_login']}")
    assert denied.value.grant_id == "grant-1"


def test_qr_secret_is_required_and_not_guessable_from_the_txn_id(gateway: Gateway,  # noqa: F811
                                                                  tmp_path: Path):
    browser = Browser(gateway)
    txn = start_login(browser)
    page = _show(browser, txn)
    device = enrolled_device(gateway, tmp_path)
    for call in (lambda: device.show(txn=txn, k="wrong"),
                 lambda: device.approve(txn=txn, k="wrong", number=page["number"])):
        with pytest.raises(DeviceError) as refused:
            call()
        assert refused.value.status == 404
    assert _show(browser, txn)["status"] == "pending"


def test_device_can_deny(gateway: Gateway, tmp_path: Path):  # noqa: F811
    browser = Browser(gateway)
    txn = start_login(browser)
    page = _show(browser, txn)
    enrolled_device(gateway, tmp_path).deny(page["qr"]["payload"])
    page = _show(browser, txn)
    assert page["status"] == "denied" and page["next"].endswith(txn)
    assert "reason" not in page  # the citizen declined: no other reason


def test_transaction_is_bound_to_the_browser_that_started_it(gateway: Gateway):  # noqa: F811
    browser = Browser(gateway)
    txn = start_login(browser)
    other = Browser(gateway)
    status, answer, _ = other.call("GET", f"/v1/login/{txn}")
    assert status == 404 and answer["message"]["tc"]
    _, unknown, _ = other.call("GET", "/v1/login/" + "x" * 24)
    assert unknown == answer  # no difference between "not yours" and "does not exist"
    other.cookies["iamsmart_login"] = f"{txn}." + "A" * 43  # right id, wrong secret
    assert other.call("GET", f"/v1/login/{txn}")[0] == 404
    with pytest.raises(login.LoginNotFound):
        login.result(txn, f"iamsmart_login={other.cookies['iamsmart_login']}")
    with pytest.raises(login.LoginNotFound):
        login.result(txn, None)


def test_login_cookie_attributes(identity_aws):  # noqa: F811
    from identity_helpers import sandbox_client

    _, cookie = login.start(grant_id="g", client=sandbox_client(), login_hint=None,
                            acr_values=[], prompt_login=False)
    assert cookie.startswith("iamsmart_login=")
    # The transaction lasts 300 s; the cookie 10 minutes more, so the page can still learn
    # that its login expired (and where the service is) instead of "not found".
    for part in ("HttpOnly", "SameSite=Lax", "Path=/", f"Max-Age={300 + login.END_SECONDS}"):
        assert part in cookie


def test_expired_transaction_cannot_be_approved_or_used(gateway: Gateway, tmp_path: Path,  # noqa: F811
                                                        monkeypatch: pytest.MonkeyPatch):
    from iamsmart.identity import dal

    browser = Browser(gateway)
    txn = start_login(browser)
    page = _show(browser, txn)
    device = enrolled_device(gateway, tmp_path)
    later = dal.now() + 301
    monkeypatch.setattr(dal, "now", lambda: later)
    expired = _show(browser, txn)
    assert expired["status"] == "expired"
    assert expired["next"] == f"/v1/oidc/authorize/resume?txn={txn}"  # the service hears it
    assert expired["service"]["uri"] == "http://127.0.0.1:8001/"
    with pytest.raises(DeviceError) as refused:
        device.approve(page["qr"]["payload"], number=page["number"])
    assert refused.value.status == 409
    with pytest.raises(login.LoginExpired):
        login.result(txn, f"iamsmart_login={browser.cookies['iamsmart_login']}")


def test_result_before_approval_is_pending(gateway: Gateway):  # noqa: F811
    browser = Browser(gateway)
    txn = start_login(browser)
    with pytest.raises(login.LoginPending):
        login.result(txn, f"iamsmart_login={browser.cookies['iamsmart_login']}")
    assert _show(browser, txn)["status"] == "pending"


def test_login_hint_pushes_to_the_named_citizens_devices_and_the_page_is_the_same(
        gateway: Gateway, tmp_path: Path):  # noqa: F811
    chan = enrolled_device(gateway, tmp_path, name="chan")
    lee = enrolled_device(gateway, tmp_path, "SANDBOX-LEE-SIU-MEI", name="lee")
    known, unknown = Browser(gateway), Browser(gateway)
    txn_known = start_login(known, login_hint="chan.tai.man@sandbox.iamsmart.local")
    txn_unknown = start_login(unknown, login_hint="nobody@sandbox.iamsmart.local")
    page_known, page_unknown = _show(known, txn_known), _show(unknown, txn_unknown)
    assert set(page_known) == set(page_unknown)
    assert page_known["status"] == page_unknown["status"] == "pending"

    pending = chan.pending()
    assert [p["txn_id"] for p in pending] == [txn_known]
    assert pending[0]["service"]["name_en"] == "Transport Department (sandbox)"
    assert lee.pending() == []
    item = pending[0]
    assert page_known["number"] in chan.show(txn=item["txn_id"], k=item["k"])["choices"]
    chan.approve(txn=item["txn_id"], k=item["k"], number=page_known["number"])
    assert chan.pending() == []


def test_device_request_replayed_or_signed_with_another_key_is_refused(
        gateway: Gateway, tmp_path: Path):  # noqa: F811
    device = enrolled_device(gateway, tmp_path)
    path = "/v1/device/approvals"
    auth = device.sign("GET", path, None)
    assert device.call("GET", path, authorization=auth) == {"approvals": []}
    with pytest.raises(DeviceError) as replayed:  # same jti
        device.call("GET", path, authorization=auth)
    assert replayed.value.status == 401 and replayed.value.answer["details"]["reason"] == "replay"

    # a key that is not the enrolled one, claiming the enrolled kid
    impostor = Device(PUBLIC_URL, transport=gateway.transport,
                      state={"account_id": device.state["account_id"],
                             "device_id": device.state["device_id"]})
    with pytest.raises(DeviceError) as forged:
        impostor.pending()
    assert forged.value.status == 401
    assert forged.value.answer["details"]["reason"] == "signature"


def test_approval_replayed_is_refused_and_a_refused_approval_uses_up_its_request(
        gateway: Gateway, tmp_path: Path):  # noqa: F811
    """The approval's jti rides in the login's own write (THREATS: replayed device requests):
    replayed after it worked, or after the login refused it, it is still a replay."""
    import json

    device = enrolled_device(gateway, tmp_path)
    browser = Browser(gateway)
    txn = start_login(browser)
    page = _show(browser, txn)
    txn_id, k = parse_qr(page["qr"]["payload"])
    path = f"/v1/device/approvals/{txn_id}"
    for body, first in (({"k": "x" * len(k), "decision": "approve",
                          "number": int(page["number"])}, 404),
                        ({"k": k, "decision": "approve", "number": int(page["number"])}, 200)):
        auth = device.sign("POST", path, json.dumps(body).encode())
        if first == 200:
            assert device.call("POST", path, body=body, authorization=auth) == {
                "status": "authenticated"}
        else:  # the login refuses it (wrong secret): the request is used up all the same
            with pytest.raises(DeviceError) as refused:
                device.call("POST", path, body=body, authorization=auth)
            assert refused.value.status == first
        with pytest.raises(DeviceError) as replayed:
            device.call("POST", path, body=body, authorization=auth)
        assert replayed.value.status == 401
        assert replayed.value.answer["details"]["reason"] == "replay"


def test_the_approval_is_verified_with_the_key_read_in_its_one_read(
        gateway: Gateway, tmp_path: Path):  # noqa: F811
    """The usual approval reads the device key with the limits and the account: a key that
    is not the enrolled one, a device id that names no key, or a body changed after signing
    is refused (401) and the login stays pending for the real device."""
    import json

    device = enrolled_device(gateway, tmp_path)
    browser = Browser(gateway)
    txn = start_login(browser)
    page = _show(browser, txn)
    payload, number = page["qr"]["payload"], int(page["number"])
    txn_id, k = parse_qr(payload)
    path = f"/v1/device/approvals/{txn_id}"
    impostor = Device(PUBLIC_URL, transport=gateway.transport,
                      state={"account_id": device.state["account_id"],
                             "device_id": device.state["device_id"]})
    nobody = Device(PUBLIC_URL, transport=gateway.transport,
                    state={"account_id": device.state["account_id"], "device_id": "nokey"})
    for who, reason in ((impostor, "signature"), (nobody, "unknown_key")):
        with pytest.raises(DeviceError) as refused:
            who.approve(payload, number=number)
        assert refused.value.status == 401
        assert refused.value.answer["details"]["reason"] == reason
    signed = device.sign("POST", path, json.dumps(
        {"k": k, "decision": "deny"}).encode())
    with pytest.raises(DeviceError) as changed:
        device.call("POST", path, body={"k": k, "decision": "approve", "number": number},
                    authorization=signed)
    assert changed.value.status == 401 and changed.value.answer["details"]["reason"] == "body"
    assert _show(browser, txn)["status"] == "pending"
    assert device.approve(payload, number=number) == {"status": "authenticated"}


def test_approval_by_an_account_no_longer_active_is_forbidden(gateway: Gateway,  # noqa: F811
                                                              tmp_path: Path):
    """The account is read with the limits (one BatchGetItem): its status still decides."""
    from iamsmart import aws
    from iamsmart.settings import settings

    device = enrolled_device(gateway, tmp_path)
    browser = Browser(gateway)
    page = _show(browser, start_login(browser))
    aws.client("dynamodb").update_item(
        TableName=settings().accounts_table, Key={"id": {"S": device.state["account_id"]}},
        UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "suspended"}})
    with pytest.raises(DeviceError) as refused:
        device.approve(page["qr"]["payload"], number=page["number"])
    assert refused.value.status == 403


@pytest.mark.parametrize("change", ["htm", "htu", "iat", "body", "typ", "alg", "none"])
def test_device_request_claims_are_checked(gateway: Gateway, tmp_path: Path, change: str):  # noqa: F811
    import base64
    import json

    from joserfc import jws

    device = enrolled_device(gateway, tmp_path)
    path = "/v1/device/approvals"
    if change == "htm":
        auth = device.sign("POST", path, None)
    elif change == "htu":
        auth = device.sign("GET", "/v1/device/enrol", None)
    elif change == "iat":
        auth = device.sign("GET", path, None, iat=int(time.time()) - 120)
    elif change == "body":
        auth = device.sign("GET", path, b"{}")
    else:
        claims = json.dumps({"htm": "GET", "htu": PUBLIC_URL + path, "iat": int(time.time()),
                             "jti": "j" * 20, "bh": "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"})
        if change == "none":
            head = base64.urlsafe_b64encode(json.dumps(
                {"alg": "none", "typ": "device+jwt", "kid": device.kid}).encode()).rstrip(b"=")
            body = base64.urlsafe_b64encode(claims.encode()).rstrip(b"=")
            auth = "Device " + (head + b"." + body + b".").decode()
        else:
            header = {"alg": "ES256", "kid": device.kid,
                      "typ": "JWT" if change == "typ" else "device+jwt"}
            if change == "alg":
                header["jwk"] = {k: v for k, v in device.state["jwk"].items() if k != "d"}
            auth = "Device " + jws.serialize_compact(header, claims.encode(), device._key(),
                                                     algorithms=["ES256"])
    with pytest.raises(DeviceError) as refused:
        device.call("GET", path, authorization=auth)
    assert refused.value.status == 401


def test_enrolment_refuses_bad_codes_and_private_or_odd_keys(gateway: Gateway):  # noqa: F811
    from joserfc.jwk import ECKey, RSAKey

    device = Device(PUBLIC_URL, transport=gateway.transport)
    with pytest.raises(DeviceError) as bad_code:
        device.enrol("SANDBOX-NOBODY")
    assert bad_code.value.status == 403 and bad_code.value.code == "enrolment_refused"
    private = ECKey.generate_key("P-256", private=True).as_dict(private=True)
    rsa = RSAKey.generate_key(2048, private=False).as_dict(private=False)
    off_curve = {**ECKey.generate_key("P-256").as_dict(private=False), "y": "AAAA"}
    for jwk in (private, rsa, off_curve):
        with pytest.raises(DeviceError) as refused:
            device.call("POST", "/v1/device/enrol", signed=False,
                        body={"code": "SANDBOX-CHAN-TAI-MAN", "jwk": jwk})
        assert refused.value.status == 400


def test_aws_calls_of_the_usual_path(gateway: Gateway, tmp_path: Path):  # noqa: F811
    """Few AWS calls per login: start 1 (+1 lookup with a login_hint), each browser poll 1,
    the device's approval 2 (its key, the limits and the account in one read; one transaction
    of the request's jti record and the login), the result 1."""
    from iamsmart import aws

    calls: list[str] = []
    events = aws.client("dynamodb").meta.events
    events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))

    browser = Browser(gateway)
    txn = start_login(browser)
    assert calls == ["BatchWriteItem"]
    device = enrolled_device(gateway, tmp_path)
    page = _show(browser, txn)
    calls.clear()
    device.approve(page["qr"]["payload"], number=page["number"])
    assert calls == ["BatchGetItem", "TransactWriteItems"]
    calls.clear()
    login.result(txn, f"iamsmart_login={browser.cookies['iamsmart_login']}")
    assert calls == ["DeleteItem"]
    calls.clear()
    start_login(browser, login_hint="chan.tai.man@sandbox.iamsmart.local")
    assert calls == ["GetItem", "BatchWriteItem"]


def test_back_to_the_service_is_only_what_the_service_registered(identity_aws):  # noqa: F811
    from identity_helpers import sandbox_client

    client = sandbox_client()
    assert login.return_uri(client) == "http://127.0.0.1:8001/"
    landing = client.model_copy(update={"initiate_login_uri": "https://dept.example/login"})
    assert login.return_uri(landing) == "https://dept.example/login"
    landing = landing.model_copy(update={"post_logout_redirect_uris": ("https://dept.example/",)})
    assert login.return_uri(landing) == "https://dept.example/"
    assert login.return_uri(login.PORTAL_DISPLAY) == "/account.html"
