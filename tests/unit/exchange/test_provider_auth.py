"""The provider's check of a gateway call (contract (a)), with a locally made ES256 key
standing for the platform's KMS key."""

from __future__ import annotations

import time
from typing import Any

import pytest
from joserfc import jws
from joserfc.jwk import ECKey

from iamsmart.exchange import provider_auth

ISS = "https://id.example.hk"
BASE = "https://td.example.hk/api"
URL = BASE + "/v1/datasets/driving_licence"
BODY = b'{"sub":"x","fields":["a"],"purpose":"p","consent_id":null,"request_id":"r"}'
KEY = ECKey.generate_key("P-256", private=True)
KID = KEY.thumbprint()
JWKS = {"keys": [{**KEY.as_dict(private=False), "kid": KID, "alg": "ES256"}]}


def _token(header: dict[str, Any] | None = None, key: Any = KEY, **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISS, "aud": BASE, "htm": "POST", "htu": URL, "iat": now, "exp": now + 60,
            "jti": f"j{time.monotonic_ns()}", "bh": provider_auth.body_hash(BODY), **claims}
    import json

    return "Gateway " + jws.serialize_compact(
        {"alg": "ES256", "typ": provider_auth.TYP, "kid": KID, **(header or {})},
        json.dumps(body).encode(), key)


def _verify(header: str, body: bytes = BODY, seen: Any = None) -> dict[str, Any]:
    return provider_auth.verify(header, method="POST", url=URL, body=body, audience=BASE,
                                issuer=ISS, jwks=JWKS, seen=seen)


def test_valid_call_passes_once() -> None:
    seen = provider_auth.JtiCache()
    token = _token()
    assert _verify(token, seen=seen)["aud"] == BASE
    with pytest.raises(provider_auth.Refused):
        _verify(token, seen=seen)  # replayed


@pytest.mark.parametrize("bad", [
    {"aud": "https://other.example.hk"}, {"iss": "https://evil"}, {"htm": "GET"},
    {"htu": BASE + "/v1/datasets/other"}, {"iat": int(time.time()) - 600},
    {"bh": provider_auth.body_hash(b"{}")},
])
def test_claims_must_match_the_request(bad: dict[str, Any]) -> None:
    with pytest.raises(provider_auth.Refused):
        _verify(_token(**bad))


def test_tampered_body_other_key_and_headers_refused() -> None:
    with pytest.raises(provider_auth.Refused):
        _verify(_token(), body=BODY + b" ")
    with pytest.raises(provider_auth.Refused):
        _verify(_token(key=ECKey.generate_key("P-256", private=True)))
    with pytest.raises(provider_auth.Refused):
        _verify(_token({"jku": "https://evil/jwks"}))
    with pytest.raises(provider_auth.Refused):
        _verify(_token({"typ": "JWT"}))
    with pytest.raises(provider_auth.Refused):
        _verify("Bearer " + _token().split(" ", 1)[1])
    with pytest.raises(provider_auth.Refused):
        _verify("Gateway a.b")
