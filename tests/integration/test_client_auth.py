"""Client authentication (private_key_jwt, client_secret_basic) against the moto registry.

THREATS 11 (alg none, HS256 keyed with the public key, unlisted alg, kid/jku/x5u/jwk/x5c
injection), 12 (wrong aud/iss, expired exp, iat/nbf beyond ±60 s) and 13 (reused jti, long
exp, audience other than the issuer) for client assertions."""

from __future__ import annotations

import base64
import time

import pytest
from client_auth_helpers import (
    ISSUER,
    TOKEN_URL,
    assertion,
    fapi_client,
    form,
    hs256,
    new_key,
    public_jwk,
    registry,  # noqa: F401 - fixture
    unsigned,
)

from iamsmart.oidc import client_auth, clients
from iamsmart.oidc.errors import InvalidClient

pytestmark = [pytest.mark.usefixtures("registry"),
              pytest.mark.filterwarnings("ignore:EdDSA is deprecated"),
              pytest.mark.filterwarnings("ignore:Key size should be")]


@pytest.fixture
def key():
    k = new_key("ES256", kid="k1")
    clients.put(fapi_client("dept-app", k))
    return k


def refused(data: dict[str, str], authorization: str | None = None) -> InvalidClient:
    with pytest.raises(InvalidClient) as caught:
        client_auth.authenticate(data, authorization)
    return caught.value


# --- private_key_jwt: what is accepted ---------------------------------------------------

@pytest.mark.parametrize("alg", ["ES256", "PS256", "EdDSA"])
def test_each_allowed_algorithm_authenticates(alg: str) -> None:
    k = new_key(alg)
    clients.put(fapi_client("dept-app", k))
    client = client_auth.authenticate(form(assertion(k), client_id="dept-app"), None)
    assert client.client_id == "dept-app"


def test_audience_as_one_element_list_and_no_typ(key) -> None:
    token = assertion(key, aud=[ISSUER], header={"typ": None})
    assert client_auth.authenticate(form(token), None).client_id == "dept-app"


def test_key_chosen_by_kid_among_several() -> None:
    old, new = new_key(kid="old"), new_key(kid="new")
    clients.put(fapi_client("dept-app", old, new))
    assert client_auth.authenticate(form(assertion(new)), None).client_id == "dept-app"
    assert client_auth.authenticate(form(assertion(old)), None).client_id == "dept-app"


# --- THREATS 13: jti reuse, long exp, audience other than the issuer ----------------------

def test_reused_jti_is_refused(key) -> None:
    token = assertion(key, jti="once")
    client_auth.authenticate(form(token), None)
    refused(form(token))
    # A new assertion reusing the jti is refused too (the guard is on the jti, not the JWS).
    refused(form(assertion(key, jti="once")))


def test_jti_is_per_client(key) -> None:
    other = new_key(kid="k2")
    clients.put(fapi_client("other-app", other))
    client_auth.authenticate(form(assertion(key, jti="shared")), None)
    client_auth.authenticate(form(assertion(other, "other-app", jti="shared")), None)


def test_missing_jti_is_refused(key) -> None:
    refused(form(assertion(key, jti=None)))


def test_long_exp_is_refused(key) -> None:
    now = int(time.time())
    refused(form(assertion(key, exp=now + 3600)))
    refused(form(assertion(key, exp=now + 300 + 61 + 5)))
    client_auth.authenticate(form(assertion(key, exp=now + 300)), None)


@pytest.mark.parametrize("aud", [TOKEN_URL, ISSUER + "/", "https://other.example", [ISSUER, "x"],
                                 [], None, "http://localhost:8124"])
def test_audience_other_than_the_issuer_is_refused(key, aud) -> None:
    refused(form(assertion(key, aud=aud)))


# --- THREATS 12: iss/sub, exp, iat, nbf ---------------------------------------------------

def test_wrong_issuer_or_subject_is_refused(key) -> None:
    clients.put(fapi_client("other-app", new_key(kid="o")))
    refused(form(assertion(key, iss="other-app")))  # other client's keys do not verify
    refused(form(assertion(key, sub="other-app")))
    refused(form(assertion(key, sub=None)))
    refused(form(assertion(key, iss=None)))
    refused(form(assertion(key, iss="nobody-registered")))


def test_expired_exp_is_refused(key) -> None:
    now = int(time.time())
    refused(form(assertion(key, exp=now - 61, iat=None)))
    refused(form(assertion(key, exp=now - 61, iat=now - 30)))
    refused(form(assertion(key, exp=None)))
    refused(form(assertion(key, exp="soon")))
    # Within the skew it is still accepted.
    client_auth.authenticate(form(assertion(key, exp=now - 30, iat=now - 40)), None)


def test_iat_and_nbf_beyond_skew_are_refused(key) -> None:
    now = int(time.time())
    refused(form(assertion(key, iat=now + 120)))
    refused(form(assertion(key, iat=now - 120)))
    refused(form(assertion(key, nbf=now + 120)))
    refused(form(assertion(key, iat="now")))
    client_auth.authenticate(form(assertion(key, iat=now + 30, nbf=now + 30)), None)


# --- THREATS 11: algorithms and key injection --------------------------------------------

def claims_for(client_id: str = "dept-app") -> dict:
    now = int(time.time())
    return {"iss": client_id, "sub": client_id, "aud": ISSUER, "iat": now, "exp": now + 60,
            "jti": f"j{time.monotonic_ns()}"}


def test_alg_none_is_refused(key) -> None:
    refused(form(unsigned({"alg": "none", "kid": "k1"}, claims_for())))
    refused(form(unsigned({"alg": "None", "kid": "k1"}, claims_for())))


def test_hs256_keyed_with_the_public_key_is_refused(key) -> None:
    import json

    pub = public_jwk(key)
    secrets = [json.dumps(pub).encode(), key.as_pem(private=False), pub["x"].encode(),
               base64.urlsafe_b64decode(pub["x"] + "==")]
    for secret in secrets:
        refused(form(hs256(secret, {"typ": "JWT", "kid": "k1"}, claims_for())))


@pytest.mark.parametrize("alg", ["RS256", "ES384", "ES512", "PS384", "HS512"])
def test_unlisted_algorithm_is_refused(alg: str) -> None:
    from joserfc.jwk import ECKey, OctKey, RSAKey

    p = {"kid": "u1"}
    if alg.startswith("RS") or alg.startswith("PS"):
        k = RSAKey.generate_key(2048, p, private=True)
    elif alg == "ES384":
        k = ECKey.generate_key("P-384", p, private=True)
    elif alg == "ES512":
        k = ECKey.generate_key("P-521", p, private=True)
    else:
        k = OctKey.generate_key(256, p, private=True)
    # The client published that very key (an HMAC secret cannot be registered: a decoy EC key).
    jwk = public_jwk(k) if not alg.startswith("HS") else public_jwk(new_key(kid="u1"))
    clients.put(fapi_client("dept-app", jwks={"keys": [jwk]}))
    refused(form(assertion(k, alg=alg)))


def test_small_rsa_keys_are_refused() -> None:
    from joserfc.jwk import RSAKey

    weak = RSAKey.generate_key(1024, {"kid": "weak"}, private=True)
    clients.put(fapi_client("dept-app", weak))
    refused(form(assertion(weak, alg="PS256")))


def test_the_key_must_fit_the_algorithm(key) -> None:
    # An RSA key registered, an assertion claiming ES256 with that kid: no key fits.
    rsa = new_key("PS256", kid="rsa")
    clients.put(fapi_client("dept-app", rsa))
    refused(form(assertion(key, header={"kid": "rsa"})))


@pytest.mark.parametrize("extra", [
    {"jku": "https://attacker.example/jwks.json"},
    {"x5u": "https://attacker.example/cert.pem"},
    {"x5c": ["MIIB"]},
    {"crit": ["kid"]},
])
def test_key_pointing_headers_are_refused_even_when_the_signature_is_good(key, extra) -> None:
    refused(form(assertion(key, header=extra)))


def test_embedded_jwk_header_is_refused(key) -> None:
    attacker = new_key(kid="k1")
    refused(form(assertion(attacker, header={"jwk": attacker.as_dict(private=False)})))
    # ...even when the embedded key is the client's own registered key.
    refused(form(assertion(key, header={"jwk": key.as_dict(private=False)})))


def test_kid_injection_does_not_choose_an_unregistered_key(key) -> None:
    attacker = new_key()
    for kid in ("k1", "../../k1", "k1' OR '1'='1", "https://attacker.example/k", None):
        refused(form(assertion(attacker, header={"kid": kid})))
    refused(form(assertion(key, header={"kid": "unknown"})))


def test_tampered_payload_is_refused(key) -> None:
    head, body, sig = assertion(key).split(".")
    other = assertion(key, sub="someone").split(".")[1]
    refused(form(f"{head}.{other}.{sig}"))


@pytest.mark.parametrize("token", ["", "a.b", "a.b.c", "x" * 20000, "é.é.é", "...."])
def test_garbage_assertions_are_invalid_client(key, token: str) -> None:
    refused(form(token))


def test_dpop_typed_jwt_is_not_a_client_assertion(key) -> None:
    refused(form(assertion(key, header={"typ": "dpop+jwt"})))


# --- form rules ---------------------------------------------------------------------------

def test_client_id_parameter_must_match(key) -> None:
    clients.put(fapi_client("other-app", new_key(kid="o")))
    refused(form(assertion(key), client_id="other-app"))


def test_wrong_assertion_type_or_none_at_all(key) -> None:
    token = assertion(key)
    refused({"client_assertion_type": "urn:other", "client_assertion": token})
    refused({"client_assertion": token})
    refused({"client_id": "dept-app"})
    refused({})


def test_client_secret_post_is_never_accepted(key) -> None:
    refused({**form(assertion(key)), "client_secret": "x"})


def test_unknown_client_and_pinned_registry_keys(key) -> None:
    clients.delete("dept-app")
    clients.reset_cache()
    refused(form(assertion(key)))


def test_deeply_nested_claims_are_invalid_client(key) -> None:
    from client_auth_helpers import b64

    head = b64(b'{"alg":"ES256","kid":"k1"}')
    refused(form(f"{head}.{b64(b'[' * 2500 + b']' * 2500)}.AAAA"))
