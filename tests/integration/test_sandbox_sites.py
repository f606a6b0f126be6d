"""The plumbing the sandbox sites share (infra/sandbox/site.py, relying_party.py), over real
HTTP on loopback, for both relying parties (the department and the bank): security headers and
the session cookie, bilingual pages for unknown pages and failures (never a trace), POSTs that
need a browser session (and at the bank its CSRF token), and the callback's checks (state bound
to the browser that started the login and used once, RFC 9207 ``iss``, the provider's error).

No platform runs here: the issuer is a closed loopback port, and the pushed authorization
request (the provider's side) is replaced by a fixed URL so the callback can be exercised."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from infra.sandbox import bank, department
from infra.sandbox.relying_party import LoginFailed, RelyingPartySite, Sessions

ISSUER = "http://localhost:9"  # nothing listens: any call to the provider fails


@pytest.fixture(params=["department", "bank"])
def site(request: pytest.FixtureRequest) -> Iterator[RelyingPartySite]:
    svc: RelyingPartySite = (department.DepartmentService(ISSUER, service_id=None)
                             if request.param == "department" else bank.BankService(ISSUER))
    pushed: list[dict[str, Any]] = []

    def start(**asked: Any) -> str:  # the provider's PAR endpoint is not part of this test
        pushed.append(asked)
        return f"{ISSUER}/v1/oidc/authorize?request_uri=urn:test"

    svc.rp.start = start  # type: ignore[method-assign]
    svc.pushed = pushed  # type: ignore[attr-defined]
    svc.serve(0.1)
    yield svc
    svc.stop()


def test_pages_carry_the_security_headers_and_a_session_cookie(site: RelyingPartySite) -> None:
    answer = requests.get(f"{site.url}/", timeout=5, allow_redirects=False)
    assert answer.status_code == 200
    assert "form-action 'self' http://localhost:9;" in answer.headers["Content-Security-Policy"]
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert 'lang="zh-Hant-HK"' in answer.text and site.name_tc in answer.text
    head = requests.head(f"{site.url}/style.css", timeout=5)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Type"] == "text/css; charset=utf-8"


def test_an_unknown_page_is_a_bilingual_404(site: RelyingPartySite) -> None:
    answer = requests.get(f"{site.url}/no-such-page", timeout=5)
    assert answer.status_code == 404
    assert "Page not found" in answer.text and "找不到網頁" in answer.text


def test_a_callback_not_started_here_is_refused_in_plain_words(site: RelyingPartySite) -> None:
    answer = requests.get(f"{site.url}/callback", params={"state": "forged", "code": "c",
                                                         "iss": ISSUER}, timeout=5)
    assert answer.status_code == 400
    assert 'id="failed"' in answer.text and site.expired_words[1] in answer.text
    assert "Traceback" not in answer.text


def test_a_post_without_a_session_goes_home_and_nothing_is_pushed(
        site: RelyingPartySite) -> None:
    for path in ("/logout", "/open", "/apply/fetch", "/elsewhere"):
        answer = requests.post(f"{site.url}{path}", data={"product": "savings"}, timeout=5,
                               allow_redirects=False)
        assert answer.status_code == 302 and answer.headers["Location"] == "/"
        assert "Set-Cookie" in answer.headers
    assert site.pushed == []  # type: ignore[attr-defined]


def test_the_callback_checks_browser_state_and_issuer(site: RelyingPartySite) -> None:
    url = site.push("browser-a", "/then")
    assert url.startswith(ISSUER)
    [asked] = site.pushed  # type: ignore[attr-defined]
    state = asked["state"]
    with pytest.raises(LoginFailed) as other_browser:
        site.callback("browser-b", {"state": state, "code": "c", "iss": ISSUER})
    assert other_browser.value.detail == "state"
    with pytest.raises(LoginFailed) as replayed:  # a state is used once, whoever tried it
        site.callback("browser-a", {"state": state, "code": "c", "iss": ISSUER})
    assert replayed.value.detail == "state"

    site.push("browser-a", "/then")
    state = site.pushed[-1]["state"]  # type: ignore[attr-defined]
    with pytest.raises(LoginFailed) as mixed_up:
        site.callback("browser-a", {"state": state, "code": "c", "iss": "https://evil.example"})
    assert mixed_up.value.detail == "iss"

    site.push("browser-a", "/then")
    state = site.pushed[-1]["state"]  # type: ignore[attr-defined]
    answer = site.callback("browser-a", {"state": state, "error": "access_denied",
                                         "iss": ISSUER})
    assert (answer.then, answer.error, answer.result) == ("/then", "access_denied", None)


def test_a_pending_login_expires(site: RelyingPartySite, monkeypatch) -> None:
    site.push("browser-a", "/then")
    state = site.pushed[-1]["state"]  # type: ignore[attr-defined]
    later = time.time() + 601
    monkeypatch.setattr(time, "time", lambda: later)
    site.push("browser-c", "/then")  # pushing sweeps what has expired
    with pytest.raises(LoginFailed):
        site.callback("browser-a", {"state": state, "code": "c", "iss": ISSUER})


def test_the_bank_refuses_a_form_without_its_csrf_token_and_a_bad_deposit() -> None:
    svc = bank.BankService(ISSUER)
    svc.serve(0.1)
    try:
        browser = requests.Session()
        home = browser.get(f"{svc.url}/", timeout=5)
        cookie = browser.cookies.get(bank.COOKIE)
        assert home.status_code == 200 and cookie
        token = svc.csrf(cookie)
        assert f'value="{token}"' in home.text
        forged = browser.post(f"{svc.url}/open", data={"product": "savings", "deposit": "5"},
                              timeout=5, allow_redirects=False)
        assert forged.status_code == 302 and forged.headers["Location"] == "/"
        bad = browser.post(f"{svc.url}/open", timeout=5, allow_redirects=False,
                           data={"product": "savings", "deposit": "-1", "csrf": token})
        assert bad.status_code == 400 and 'id="problem"' in bad.text
        # A good form goes to the provider; here it cannot be reached: a plain page, no trace.
        down = browser.post(f"{svc.url}/open", timeout=5, allow_redirects=False,
                            data={"product": "savings", "deposit": "5", "csrf": token})
        assert down.status_code == 400 and "發生錯誤，請再試一次。" in down.text
        assert "Traceback" not in down.text
    finally:
        svc.stop()


def test_the_bank_records_a_declined_face_check_as_a_refused_application() -> None:
    svc = bank.BankService(ISSUER)
    svc.rp.start = lambda **asked: f"{ISSUER}/authorize"  # type: ignore[method-assign]
    svc.begin("browser-a", "savings", "500")
    [state] = list(svc._pending)
    assert svc.complete("browser-a", {"state": state, "error": "access_denied",
                                      "iss": ISSUER}) == "/application"
    application = svc.application("browser-a")
    assert application is not None and application.outcome == "refused"
    assert application.asked["amount"] == "500.00" and application.account_number is None
    svc.stop()


def test_sessions_forget_what_is_older_than_their_lifetime() -> None:
    class Item:
        def __init__(self, at: float) -> None:
            self.at = at

    sessions: Sessions[Item] = Sessions(60)
    sessions.put("old", Item(time.time() - 61))
    sessions.put("new", Item(time.time()))
    assert sessions.get("old") is None and sessions.get("new") is not None
    kept: list[Any] = []
    sessions.put("new", Item(time.time()), lambda earlier, item: kept.append(earlier))
    assert len(kept) == 1 and kept[0] is not None
