"""DPoP and client-assertion key rules that need no AWS: RFC 7638 thumbprints, the algorithm
allowlist and the key each algorithm needs, htu normalisation, ath."""

from __future__ import annotations

import pytest
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey

from iamsmart.oidc import dpop, jose

# RFC 7638 §3.1: the example RSA key and its SHA-256 thumbprint.
RFC7638_KEY = {
    "kty": "RSA",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6"
         "tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v"
         "-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08q"
         "NLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awa"
         "pJzKnqDKgw",
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}


def test_thumbprint_matches_the_rfc7638_example() -> None:
    assert dpop.thumbprint(RFC7638_KEY) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_thumbprint_of_private_and_public_forms_is_the_same() -> None:
    key = ECKey.generate_key("P-256", private=True)
    assert dpop.thumbprint(key.as_dict(private=True)) == dpop.thumbprint(
        key.as_dict(private=False)) == key.thumbprint()


@pytest.mark.parametrize("alg,key", [
    ("ES256", ECKey.generate_key("P-256")),
    ("PS256", RSAKey.generate_key(2048)),
    ("EdDSA", OKPKey.generate_key("Ed25519")),
])
def test_each_allowed_algorithm_takes_its_own_key_type(alg: str, key) -> None:
    public = key.as_dict(private=False)
    assert jose.check_key(public, alg) is not None
    for other in set(jose.ALGORITHMS) - {alg}:
        assert jose.check_key(public, other) is None


@pytest.mark.parametrize("alg", ["none", "HS256", "RS256", "ES384", "ES512", "PS512", "", None])
def test_unlisted_algorithms_take_no_key(alg) -> None:
    for key in (ECKey.generate_key("P-256"), RSAKey.generate_key(2048)):
        assert jose.check_key(key.as_dict(private=False), alg) is None


def test_wrong_curves_private_and_symmetric_keys_are_refused() -> None:
    assert jose.check_key(ECKey.generate_key("P-384").as_dict(private=False), "ES256") is None
    assert jose.check_key(OKPKey.generate_key("X25519").as_dict(private=False), "EdDSA") is None
    assert jose.check_key(ECKey.generate_key("P-256").as_dict(private=True), "ES256") is None
    assert jose.check_key(OctKey.generate_key(256).as_dict(private=True), "ES256") is None
    assert jose.check_key(OctKey.generate_key(256).as_dict(private=True), "HS256") is None


def test_key_use_alg_and_ops_must_allow_verifying_with_this_alg() -> None:
    public = ECKey.generate_key("P-256").as_dict(private=False)
    assert jose.check_key({**public, "use": "sig", "alg": "ES256"}, "ES256") is not None
    assert jose.check_key({**public, "use": "enc"}, "ES256") is None
    assert jose.check_key({**public, "alg": "ES384"}, "ES256") is None
    assert jose.check_key({**public, "key_ops": ["encrypt"]}, "ES256") is None


@pytest.mark.parametrize("jwk", [None, "x", [], {}, {"kty": "EC"},
                                 {"kty": "EC", "crv": "P-256", "x": "!", "y": "!"},
                                 {"kty": "RSA", "n": "AQAB", "e": "AQAB"}])
def test_malformed_jwks_take_no_key(jwk) -> None:
    assert jose.check_key(jwk, "ES256") is None
    assert jose.check_key(jwk, "PS256") is None


def test_ath_is_the_base64url_sha256_of_the_token() -> None:
    # RFC 9449 §7.1 example.
    assert dpop.ath("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU") \
        == "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"


@pytest.mark.parametrize("a,b,same", [
    ("https://as.example/token", "HTTPS://AS.EXAMPLE:443/token", True),
    ("https://as.example/token?x=1#y", "https://as.example/token", True),
    ("http://as.example/token", "https://as.example/token", False),
    ("https://as.example/token", "https://as.example/Token", False),
    ("https://as.example:8443/token", "https://as.example/token", False),
    ("https://as.example", "https://as.example/", True),
])
def test_htu_normalisation(a: str, b: str, same: bool) -> None:
    assert (dpop._normalise_url(a) == dpop._normalise_url(b)) is same


@pytest.mark.parametrize("url", ["", "/token", "ftp://as.example/x", "https://:80/x",
                                 "https://as.example:99999/x"])
def test_htu_that_is_not_an_http_url(url: str) -> None:
    assert dpop._normalise_url(url) is None
