"""DPoP proofs (RFC 9449) against moto (replay records in the grants table, nonces by the
KMS token-hmac key).

THREATS 9 (missing proof where required, replayed jti, wrong htm/htu, stale iat, wrong ath)
and 11 for DPoP proofs (alg none, HS256 keyed with the public key, unlisted alg, kid/jku/x5u
injection: only the header's public jwk is ever used)."""

from __future__ import annotations

import json
import time

import pytest
from client_auth_helpers import (
    TOKEN_URL,
    b64,
    hmac_key,  # noqa: F401 - fixture
    hs256,
    new_key,
    proof,
    registry,  # noqa: F401 - fixture
    unsigned,
)
from clock import clear_of_window_edge
from joserfc.jwk import ECKey, RSAKey

from iamsmart import aws
from iamsmart.oidc import dpop
from iamsmart.oidc.errors import InvalidDpopProof, UseDpopNonce
from iamsmart.settings import settings

pytestmark = [pytest.mark.usefixtures("registry"),
              pytest.mark.filterwarnings("ignore:EdDSA is deprecated"),
              pytest.mark.filterwarnings("ignore:Key size should be")]

USERINFO = "http://localhost:8123/v1/oidc/userinfo"


def check(token: str | None, *, method: str = "POST", url: str = TOKEN_URL,
          access_token: str | None = None, required: bool = True,
          nonce_required: bool = False) -> str | None:
    return dpop.verify(token, method=method, url=url, access_token=access_token,
                       required=required, nonce_required=nonce_required)


def refused(token: str | None, **kwargs) -> InvalidDpopProof:
    with pytest.raises(InvalidDpopProof) as caught:
        check(token, **kwargs)
    return caught.value


# --- accepted -------------------------------------------------------------------------

@pytest.mark.parametrize("alg", ["ES256", "PS256", "EdDSA"])
def test_valid_proof_answers_the_rfc7638_thumbprint(alg: str) -> None:
    key = new_key(alg)
    assert check(proof(key)) == key.thumbprint() == dpop.thumbprint(key.as_dict(private=False))


def test_thumbprint_ignores_private_members_and_extras() -> None:
    key = new_key()
    assert dpop.thumbprint({**key.as_dict(private=True), "kid": "x", "use": "sig"}) \
        == key.thumbprint()


def test_no_proof_when_not_required_is_none() -> None:
    assert check(None, required=False) is None
    assert check("", required=False) is None


def test_htu_compares_scheme_host_port_path_only() -> None:
    key = new_key()
    assert check(proof(key, url="HTTP://LOCALHOST:8123/v1/oidc/token"))
    assert check(proof(key, url="http://localhost:8123/v1/oidc/token?x=1#f"),
                 url=TOKEN_URL + "?y=2")
    assert check(proof(key, url="https://login.example/v1/oidc/token"),
                 url="https://login.example:443/v1/oidc/token")


def test_ath_at_resource_endpoints() -> None:
    key = new_key()
    assert check(proof(key, method="GET", url=USERINFO, access_token="g1.secret"),
                 method="GET", url=USERINFO, access_token="g1.secret") == key.thumbprint()


# --- THREATS 9 ------------------------------------------------------------------------

def test_missing_proof_where_required() -> None:
    refused(None)
    refused("")


def test_replayed_jti_is_refused() -> None:
    key = new_key()
    token = proof(key)
    check(token)
    refused(token)
    # Same key, same jti, new proof (e.g. another URL): still a replay.
    refused(proof(key, jti=json.loads(_part(token, 1))["jti"]))


def test_same_jti_under_another_key_is_its_own() -> None:
    check(proof(new_key(), jti="j-1"))
    check(proof(new_key(), jti="j-1"))


def test_refused_proofs_do_not_burn_the_jti() -> None:
    key = new_key()
    refused(proof(key, jti="j-2", htm="GET"))
    check(proof(key, jti="j-2"))


@pytest.mark.parametrize("htm", ["GET", "post", "PUT", None, 1])
def test_wrong_htm(htm) -> None:
    refused(proof(new_key(), htm=htm) if htm is not None else proof(new_key(), htm=None))


@pytest.mark.parametrize("htu", [
    "http://localhost:8123/v1/oidc/userinfo", "http://localhost:8124/v1/oidc/token",
    "https://localhost:8123/v1/oidc/token", "http://attacker.example/v1/oidc/token",
    "http://localhost:8123/v1/oidc/token/", "http://localhost:8123/v1/OIDC/token",
    "/v1/oidc/token", "", "javascript:alert(1)", None,
])
def test_wrong_htu(htu) -> None:
    refused(proof(new_key(), htu=htu))


@pytest.mark.parametrize("offset", [-61 - 5, 61 + 5, -3600])
def test_stale_or_future_iat(offset: int) -> None:
    refused(proof(new_key(), iat=int(time.time()) + offset))


def test_iat_within_skew_and_malformed() -> None:
    check(proof(new_key(), iat=int(time.time()) - 50))
    refused(proof(new_key(), iat=None))
    refused(proof(new_key(), iat="now"))
    refused(proof(new_key(), iat=True))


def test_wrong_or_missing_ath() -> None:
    key = new_key()
    refused(proof(key, method="GET", url=USERINFO, access_token="other.token"),
            method="GET", url=USERINFO, access_token="g1.secret")
    refused(proof(key, method="GET", url=USERINFO), method="GET", url=USERINFO,
            access_token="g1.secret")
    refused(proof(key, method="GET", url=USERINFO, ath="x"), method="GET", url=USERINFO,
            access_token="g1.secret")


def test_missing_jti() -> None:
    refused(proof(new_key(), jti=None))
    refused(proof(new_key(), jti=""))
    refused(proof(new_key(), jti="x" * 300))


# --- THREATS 11 for DPoP ----------------------------------------------------------------

def _part(token: str, index: int) -> bytes:
    import base64

    part = token.split(".")[index]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _claims() -> dict:
    return {"htm": "POST", "htu": TOKEN_URL, "iat": int(time.time()),
            "jti": f"j{time.monotonic_ns()}"}


def test_alg_none_is_refused() -> None:
    jwk = new_key().as_dict(private=False)
    refused(unsigned({"typ": "dpop+jwt", "alg": "none", "jwk": jwk}, _claims()))


def test_hs256_keyed_with_the_header_public_key_is_refused() -> None:
    key = new_key()
    jwk = key.as_dict(private=False)
    for secret in (json.dumps(jwk).encode(), key.as_pem(private=False), jwk["x"].encode()):
        refused(hs256(secret, {"typ": "dpop+jwt", "jwk": jwk}, _claims()))


@pytest.mark.parametrize("alg", ["RS256", "ES384", "PS512"])
def test_unlisted_algorithm_is_refused(alg: str) -> None:
    key = ECKey.generate_key("P-384", private=True) if alg == "ES384" else \
        RSAKey.generate_key(2048, private=True)
    refused(proof(key, alg=alg))


def test_small_rsa_keys_are_refused() -> None:
    refused(proof(RSAKey.generate_key(1024, private=True), alg="PS256"))


def test_algorithm_must_fit_the_key() -> None:
    rsa = new_key("PS256")
    # An EC-signed proof that carries an RSA jwk: the signature is checked with the header key.
    ec = new_key()
    refused(proof(ec, header={"jwk": rsa.as_dict(private=False)}))


def test_signature_is_checked_with_the_header_key_only() -> None:
    signer, other = new_key(), new_key()
    refused(proof(signer, header={"jwk": other.as_dict(private=False)}))


@pytest.mark.parametrize("extra", [
    {"jku": "https://attacker.example/jwks.json"},
    {"x5u": "https://attacker.example/cert.pem"},
    {"x5c": ["MIIB"]},
    {"crit": ["kid"], "kid": "a"},
])
def test_key_pointing_headers_are_refused(extra) -> None:
    refused(proof(new_key(), header=extra))


def test_kid_never_selects_a_key() -> None:
    # A kid naming the platform's own keys (or anything) changes nothing: the header jwk is
    # the key. A proof signed by another key than the header's is refused whatever the kid.
    signer, claimed = new_key(), new_key()
    refused(proof(signer, header={"kid": claimed.thumbprint(),
                                  "jwk": claimed.as_dict(private=False)}))
    assert check(proof(signer, header={"kid": "anything"})) == signer.thumbprint()


def test_private_key_in_header_is_refused() -> None:
    key = new_key()
    refused(proof(key, header={"jwk": key.as_dict(private=True)}))


def test_missing_jwk_or_wrong_typ() -> None:
    refused(proof(new_key(), header={"jwk": None}))
    refused(proof(new_key(), header={"typ": "JWT"}))
    refused(proof(new_key(), header={"typ": None}))


@pytest.mark.parametrize("token", ["a.b.c", "x" * 9000, "é.é.é", "....", "a.b"])
def test_garbage(token: str) -> None:
    refused(token)


def test_tampered_claims_are_refused() -> None:
    key = new_key()
    head, _, sig = proof(key).split(".")
    forged = b64(json.dumps({**_claims(), "htm": "POST"}).encode())
    refused(f"{head}.{forged}.{sig}")


# --- nonces -----------------------------------------------------------------------------

@pytest.mark.usefixtures("hmac_key")
def test_nonce_required_and_missing_or_wrong_gives_use_dpop_nonce() -> None:
    key = new_key()
    for bad in (None, "", "made-up", 5):
        with pytest.raises(UseDpopNonce) as caught:
            check(proof(key, nonce=bad), nonce_required=True)
        assert caught.value.headers["DPoP-Nonce"] == dpop.nonce()
    assert check(proof(key, nonce=dpop.nonce()), nonce_required=True) == key.thumbprint()


@pytest.mark.usefixtures("hmac_key")
def test_nonce_is_deterministic_per_window_and_kms_keyed() -> None:
    clear_of_window_edge(300, 5)
    first = dpop.nonce()
    dpop.reset()
    assert dpop.nonce() == first  # same window, recomputed: the same value
    expected = aws.client("kms").generate_mac(
        KeyId=settings().token_hmac_key_alias, MacAlgorithm="HMAC_SHA_256",
        Message=f"dpop-nonce|{int(time.time()) // 300}".encode())["Mac"]
    assert first == b64(expected)


@pytest.mark.usefixtures("hmac_key")
def test_previous_window_nonce_accepted_older_refused() -> None:
    key = new_key()
    clear_of_window_edge(300, 5)
    now = time.time()
    old = dpop._nonce_for(int(now) // 300 - 1)
    older = dpop._nonce_for(int(now) // 300 - 2)
    assert len({old, older, dpop.nonce()}) == 3
    assert check(proof(key, nonce=old), nonce_required=True)
    with pytest.raises(UseDpopNonce):
        check(proof(key, nonce=older), nonce_required=True)


@pytest.mark.usefixtures("hmac_key")
def test_nonce_is_cached_per_window() -> None:
    clear_of_window_edge(300, 5)
    calls: list[str] = []
    kms = aws.client("kms")
    kms.meta.events.register("before-call.kms.*", lambda event_name, **_: calls.append(
        event_name))
    try:
        dpop.nonce()
        dpop.nonce()
        dpop.nonce_valid(dpop.nonce())
    finally:
        kms.meta.events.unregister("before-call.kms.*")
    assert len(calls) == 1


@pytest.mark.usefixtures("hmac_key")
def test_kms_down_fails_closed(monkeypatch) -> None:
    from iamsmart import errors

    monkeypatch.setenv("TOKEN_HMAC_KEY_ALIAS", "alias/missing")
    settings.cache_clear()
    dpop.reset()
    with pytest.raises(errors.Unavailable):
        check(proof(new_key(), nonce="x"), nonce_required=True)


def test_deeply_nested_claims_are_refused_not_a_crash() -> None:
    jwk = new_key().as_dict(private=False)
    head = b64(json.dumps({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk}).encode())
    refused(f"{head}.{b64(b'[' * 2500 + b']' * 2500)}.AAAA")
