"""The citizen's own account over the API on moto (H2): profile, logout from all devices."""

from __future__ import annotations

from pathlib import Path

from identity_helpers import (  # noqa: F401 - fixtures
    Browser,
    Gateway,
    enrolled_device,
    gateway,
    identity_aws,
    logged_in,
)


def test_me_shows_the_logged_in_citizen_only(gateway: Gateway, tmp_path: Path):  # noqa: F811
    enrolled_device(gateway, tmp_path)
    citizen = Browser(gateway)
    logged_in(citizen)
    status, me, _ = citizen.call("GET", "/v1/me")
    assert status == 200
    assert me["name_tc"] == "陳大文" and me["level"] == "basic"
    assert me["session"]["amr"] == ["hwk", "mca"]
    assert [d["id"] for d in me["devices"]] and "jwk" not in me["devices"][0]
    assert me["authenticated"] is True
    # Without a session: a plain answer (pages ask on every load), nothing about anyone.
    assert Browser(gateway).call("GET", "/v1/me")[:2] == (200, {"authenticated": False})
    status, answer, _ = Browser(gateway).call("GET", "/v1/me/passkeys")
    assert status == 401 and answer["message"]["en"] and answer["message"]["tc"]


def test_logout_all_ends_every_session(gateway: Gateway):  # noqa: F811
    laptop, phone, other = Browser(gateway), Browser(gateway), Browser(gateway)
    logged_in(laptop)
    logged_in(phone)
    logged_in(other, "sandbox-lee-siu-mei")
    # a cross-site form post (no JSON content type) is refused
    assert laptop.call("POST", "/v1/me/logout-all")[0] == 400
    status, answer, headers = laptop.call("POST", "/v1/me/logout-all",
                                          headers={"Content-Type": "application/json"})
    assert status == 200 and answer == {"ended": 2}
    assert "Max-Age=0" in headers["Set-Cookie"]
    assert "iamsmart_sid" not in laptop.cookies
    assert phone.call("GET", "/v1/me")[1] == {"authenticated": False}
    assert other.call("GET", "/v1/me")[1]["authenticated"] is True
