"""Pure pieces of the provider flow: pushed request validation, token shapes, claims."""

from __future__ import annotations

import pytest

from iamsmart.identity import assurance
from iamsmart.oidc import claims, front, grants, par
from iamsmart.oidc.clients import Client
from iamsmart.oidc.errors import InvalidRequest, InvalidScope

REDIRECT = "https://rp.example.gov.hk/cb"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def _client(**changes: object) -> Client:
    fields: dict[str, object] = {
        "client_id": "rp-1", "name_en": "RP", "name_tc": "用戶端", "department": "TD",
        "redirect_uris": (REDIRECT,), "scopes": ("openid", "profile", "email"),
        "claims": ("birthdate",)}
    fields.update(changes)
    return Client(**fields)  # type: ignore[arg-type]


def _form(**changes: str | None) -> dict[str, str]:
    form: dict[str, str | None] = {
        "response_type": "code", "client_id": "rp-1", "redirect_uri": REDIRECT,
        "scope": "openid profile", "code_challenge": CHALLENGE,
        "code_challenge_method": "S256", "state": "s", "nonce": "n"}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_a_good_request_is_kept_whole() -> None:
    req = par.validate_request(_client(), _form(
        prompt="login", max_age="0", acr_values=assurance.ACR_PLUS, login_hint="a@b.hk",
        claims='{"id_token": {"birthdate": null, "acr": null}}'))
    assert req.scopes == ("openid", "profile") and req.claims == ("birthdate",)
    assert req.prompt == ("login",) and req.max_age == 0
    assert req.acr_values == (assurance.ACR_PLUS,) and req.login_hint == "a@b.hk"
    assert grants.Request.from_item(req.as_item()) == req


@pytest.mark.parametrize(("change", "error"), [
    ({"response_type": "token"}, InvalidRequest),
    ({"response_type": "code id_token"}, InvalidRequest),
    ({"response_mode": "fragment"}, InvalidRequest),
    ({"redirect_uri": REDIRECT + "/"}, InvalidRequest),
    ({"redirect_uri": REDIRECT.upper()}, InvalidRequest),
    ({"redirect_uri": None}, InvalidRequest),
    ({"scope": "profile"}, InvalidScope),
    ({"scope": "openid phone"}, InvalidScope),  # not registered
    ({"code_challenge_method": "plain"}, InvalidRequest),
    ({"code_challenge": CHALLENGE[:-1]}, InvalidRequest),
    ({"state": "x" * 513}, InvalidRequest),
    ({"nonce": "line\nbreak"}, InvalidRequest),
    ({"prompt": "none login"}, InvalidRequest),
    ({"prompt": "create"}, InvalidRequest),
    ({"max_age": "-1"}, InvalidRequest),
    ({"max_age": "1e3"}, InvalidRequest),
    ({"acr_values": "urn:other:acr"}, InvalidRequest),
    ({"claims": "{not json"}, InvalidRequest),
    ({"claims": '{"userinfo": {"phone_number": null}}'}, InvalidRequest),
    ({"claims": '{"userinfo": {"hkid": null}}'}, InvalidRequest),
    ({"dpop_jkt": "short"}, InvalidRequest),
    ({"request_uri": "urn:x"}, InvalidRequest),
    ({"request": "eyJ..."}, InvalidRequest),
])
def test_bad_requests_are_refused_at_push_time(change: dict[str, str | None],
                                               error: type[Exception]) -> None:
    with pytest.raises(error):
        par.validate_request(_client(), _form(**change))


def test_dpop_jkt_must_agree_with_the_proof_at_par() -> None:
    from iamsmart.oidc.errors import InvalidDpopProof

    jkt = "A" * 43
    assert par.validate_request(_client(), _form(), dpop_jkt=jkt).dpop_jkt == jkt
    with pytest.raises(InvalidDpopProof):
        par.validate_request(_client(), _form(dpop_jkt="B" * 43), dpop_jkt=jkt)


@pytest.mark.parametrize("token", [
    None, "", "abc", "a.b", "x" * 22 + "." + "y" * 10, "x" * 22 + ".." + "y" * 43,
    "x" * 22 + "." + "y" * 42 + "!", "x" * 300,
])
def test_malformed_codes_and_tokens_are_not_split(token: str | None) -> None:
    assert grants.split(token) is None


def test_well_formed_token_splits_and_hashes_compare() -> None:
    gid, secret = grants.new_id(), grants.new_secret()
    assert grants.split(f"{gid}.{secret}") == (gid, secret)
    assert grants.same(grants.digest(secret), grants.digest(secret))
    assert not grants.same(grants.digest(secret), grants.digest(secret + "x"))
    assert not grants.same(None, grants.digest(secret))


def test_redirect_keeps_registered_query_and_adds_iss(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_URL", "https://login.example.gov.hk")
    from iamsmart.settings import settings

    settings.cache_clear()
    try:
        url = front.redirect_to("https://rp.example/cb?tenant=a",
                                    {"code": "c", "state": None})
    finally:
        settings.cache_clear()
    assert url == ("https://rp.example/cb?tenant=a&code=c"
                   "&iss=https%3A%2F%2Flogin.example.gov.hk")


def test_claims_released_by_scope_and_labels_are_bilingual() -> None:
    assert claims.released(["openid", "email"], ["birthdate"]) == (
        "email", "email_verified", "birthdate")
    shown = claims.labels(["openid", "profile"], ["birthdate"])
    assert [c["claim"] for c in shown["claims"]] == ["name", "name#zh-Hant", "birthdate"]
    assert all(item["en"] and item["tc"] for item in shown["scopes"] + shown["claims"])


def test_scope_claims_agree_with_the_identity_context() -> None:
    """The consent page must show exactly what identity.accounts.claims releases."""
    from iamsmart.identity import accounts

    for scope, names in accounts.SCOPE_CLAIMS.items():
        assert claims.SCOPE_CLAIMS[scope] == names
    assert set(claims.IDENTITY_CLAIMS) == set(accounts.KNOWN_CLAIMS)


def test_sector_of_client() -> None:
    from iamsmart.oidc import consents

    assert consents.sector_of(_client()) == "rp.example.gov.hk"
    assert consents.sector_of(_client(sector_identifier="td.gov.hk")) == "td.gov.hk"
    two_hosts = _client(redirect_uris=(REDIRECT, "https://other.example/cb"))
    assert consents.sector_of(two_hosts) == "client:rp-1"
