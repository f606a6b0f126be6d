"""ES256 JWS signed by KMS (moto in-process): JWKS, verification, rotation, failure modes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator

import pytest
from botocore.stub import Stubber
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from joserfc import jws, jwt
from joserfc.jwk import ECKey, KeySet
from moto import mock_aws

from iamsmart import aws, errors
from iamsmart.oidc import signing
from iamsmart.settings import settings
from infra.local import provision
from infra.names import KEYS, OIDC_SIGNING_TAG_KEY, oidc_signing_tag

SPEC = KEYS["oidc-signing"]
CLAIMS = {"iss": "https://login.example.gov.hk", "sub": "abc", "aud": "client-1",
          "name": "陳大文"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def kms(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("OIDC_SIGNING_KEY_ALIAS", SPEC.alias)
    monkeypatch.setenv("SIGNING_KEY_CACHE_SECONDS", "0")  # see rotations at once
    settings.cache_clear()
    aws.reset()
    signing.reset()
    with mock_aws():
        yield provision.create_key(SPEC)
    signing.reset()
    aws.reset()
    settings.cache_clear()


def _calls(operations: list[str]):
    def record(event_name: str, **_: object) -> None:
        operations.append(event_name.rsplit(".", 1)[-1])
    return record


def test_the_tag_is_the_one_in_names() -> None:
    assert signing.SIGNING_TAG_KEY == OIDC_SIGNING_TAG_KEY
    assert SPEC.tags_in() == (oidc_signing_tag(),) == ((OIDC_SIGNING_TAG_KEY, SPEC.alias),)
    assert oidc_signing_tag("prod") == (OIDC_SIGNING_TAG_KEY, SPEC.alias_in("prod"))


def test_another_stages_signing_key_in_the_same_account_is_not_published(kms: str) -> None:
    """dev and prod may share an account: prod's JWKS must never hold dev's key (a token a
    dev function signed would verify as prod's), nor dev's prod's."""
    from infra.names import KeySpec

    other = KeySpec("oidc-signing", key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY",
                    description="another stage's signing key", signing=True)
    client = aws.client("kms")
    client.create_key(Description=other.description, KeySpec=other.key_spec,
                      KeyUsage=other.key_usage,
                      Tags=[{"TagKey": k, "TagValue": v} for k, v in other.tags_in("prod")])
    token = signing.sign(CLAIMS)
    kid = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]
    assert [k["kid"] for k in signing.jwks()["keys"]] == [kid]


def test_signed_token_verifies_with_joserfc_against_the_jwks(kms: str) -> None:
    token = signing.sign(CLAIMS)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "ES256", "typ": "JWT", "kid": header["kid"]}
    document = signing.jwks()
    assert [k["kid"] for k in document["keys"]] == [header["kid"]]
    published = document["keys"][0]
    assert set(published) == {"kty", "crv", "x", "y", "kid", "use", "alg"}
    assert (published["kty"], published["crv"], published["alg"]) == ("EC", "P-256", "ES256")
    # kid is the RFC 7638 thumbprint of the published key.
    assert ECKey.import_key({k: published[k] for k in ("kty", "crv", "x", "y")}).thumbprint() \
        == header["kid"]
    decoded = jwt.decode(token, KeySet.import_key_set(document), algorithms=["ES256"])
    assert decoded.claims == CLAIMS
    assert signing.verify(token) == CLAIMS
    # The signature is raw r||s (64 bytes), and is KMS's own: it verifies with GetPublicKey.
    sig = base64.urlsafe_b64decode(token.split(".")[2] + "==")
    assert len(sig) == 64
    der = aws.client("kms").get_public_key(KeyId=SPEC.alias)["PublicKey"]
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    load_der_public_key(der).verify(
        encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")),
        token.rsplit(".", 1)[0].encode(), ec.ECDSA(hashes.SHA256()))


def test_der_to_raw_pads_short_integers() -> None:
    der = encode_dss_signature(1, 2**255)
    raw = signing.der_to_raw(der)
    assert raw == (1).to_bytes(32, "big") + (2**255).to_bytes(32, "big")


def test_one_kms_call_per_signature_when_warm(kms: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNING_KEY_CACHE_SECONDS", "300")
    settings.cache_clear()
    calls: list[str] = []
    record = _calls(calls)
    client = aws.client("kms")
    client.meta.events.register("before-call.kms", record)
    try:
        signing.sign(CLAIMS)  # cold: resolves the alias and the public key once
        assert calls == ["DescribeKey", "ListResourceTags", "GetPublicKey", "Sign"]
        calls.clear()
        started = time.perf_counter()
        tokens = [signing.sign({**CLAIMS, "n": i}) for i in range(50)]
        elapsed = time.perf_counter() - started
    finally:
        client.meta.events.unregister("before-call.kms", record)
    assert calls == ["Sign"] * 50
    assert len(set(tokens)) == 50
    assert all(signing.verify(t)["n"] == i for i, t in enumerate(tokens))
    print(f"\n{elapsed / 50 * 1000:.2f} ms per signature on moto (warm)")


@pytest.mark.parametrize("code", ["ThrottlingException", "KMSInternalException",
                                  "DependencyTimeoutException", "KeyUnavailableException"])
def test_kms_trouble_fails_closed(kms: str, code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNING_KEY_CACHE_SECONDS", "300")
    settings.cache_clear()
    signing.sign(CLAIMS)  # warm the key resolution
    with Stubber(aws.client("kms")) as stub:
        stub.add_client_error("sign", service_error_code=code, http_status_code=400)
        with pytest.raises(errors.Unavailable) as caught:
            signing.sign(CLAIMS)
    assert caught.value.details["aws_error"] == code


def test_throttled_while_resolving_the_key_fails_closed(kms: str) -> None:
    with Stubber(aws.client("kms")) as stub:
        stub.add_client_error("describe_key", service_error_code="ThrottlingException",
                              http_status_code=400)
        with pytest.raises(errors.Unavailable):
            signing.sign(CLAIMS)


def test_an_untagged_alias_target_does_not_sign(kms: str) -> None:
    client = aws.client("kms")
    key = client.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    client.update_alias(AliasName=SPEC.alias, TargetKeyId=key["KeyId"])
    with pytest.raises(errors.Unavailable):
        signing.sign(CLAIMS)


def test_rotation_with_overlap(kms: str) -> None:
    client = aws.client("kms")
    old_token = signing.sign(CLAIMS)
    old_kid = json.loads(base64.urlsafe_b64decode(old_token.split(".")[0] + "=="))["kid"]
    new_arn = provision.create_key(SPEC)  # rotation: the alias targets a new key
    new_token = signing.sign(CLAIMS)
    new_kid = json.loads(base64.urlsafe_b64decode(new_token.split(".")[0] + "=="))["kid"]
    assert new_kid != old_kid
    assert {k["kid"] for k in signing.jwks()["keys"]} == {old_kid, new_kid}
    assert signing.verify(old_token) == CLAIMS and signing.verify(new_token) == CLAIMS
    # An enabled key without the tag is not published.
    client.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    assert len(signing.jwks()["keys"]) == 2
    client.disable_key(KeyId=kms.rsplit("/", 1)[1])  # moto: id, not ARN
    assert {k["kid"] for k in signing.jwks()["keys"]} == {new_kid}
    with pytest.raises(signing.InvalidToken):
        signing.verify(old_token)
    assert signing.verify(new_token) == CLAIMS
    assert new_arn != kms


def test_disabled_cached_key_is_resolved_again(kms: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNING_KEY_CACHE_SECONDS", "300")
    settings.cache_clear()
    signing.sign(CLAIMS)  # caches the current key
    provision.create_key(SPEC)
    aws.client("kms").disable_key(KeyId=kms.rsplit("/", 1)[1])
    # moto still signs with a disabled key; AWS answers DisabledException, as here.
    real = signing._kms
    refused: list[str] = []

    def kms_call(operation: str, **params: object) -> dict:
        if operation == "sign" and params["KeyId"] == kms:
            refused.append(operation)
            raise errors.Unavailable(aws_error="DisabledException")
        return real(operation, **params)

    monkeypatch.setattr(signing, "_kms", kms_call)
    token = signing.sign(CLAIMS)  # cached key refused: the alias is resolved again
    assert refused == ["sign"]
    assert signing.verify(token) == CLAIMS


def _forge(header: dict, claims: dict, signature: bytes = b"") -> str:
    return ".".join([_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()),
                     _b64(signature)])


def test_alg_none_is_refused(kms: str) -> None:
    kid = signing.jwks()["keys"][0]["kid"]
    with pytest.raises(signing.InvalidToken):
        signing.verify(_forge({"alg": "none", "kid": kid}, CLAIMS))


def test_hs256_with_the_public_key_as_secret_is_refused(kms: str) -> None:
    published = signing.jwks()["keys"][0]
    der = aws.client("kms").get_public_key(KeyId=SPEC.alias)["PublicKey"]
    for secret in (json.dumps(published).encode(), published["x"].encode(), der):
        signing_input = ".".join([_b64(json.dumps({"alg": "HS256", "kid": published["kid"]})
                                       .encode()), _b64(json.dumps(CLAIMS).encode())])
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        with pytest.raises(signing.InvalidToken):
            signing.verify(f"{signing_input}.{_b64(mac)}")


def test_unknown_kid_and_attacker_keys_are_refused(kms: str) -> None:
    attacker = ECKey.generate_key("P-256")
    public = attacker.as_dict(private=False)
    kid = signing.jwks()["keys"][0]["kid"]
    headers = [
        {"alg": "ES256", "kid": attacker.thumbprint()},  # unknown kid
        {"alg": "ES256"},  # no kid
        {"alg": "ES256", "kid": kid, "jwk": public},  # embedded key
        {"alg": "ES256", "kid": kid, "jku": "https://attacker.example/jwks"},
        {"alg": "ES256", "kid": kid, "x5u": "https://attacker.example/cert"},
        {"alg": "ES256", "kid": kid},  # right kid, wrong key
    ]
    for header in headers:
        token = jws.serialize_compact(header, json.dumps(CLAIMS).encode(), attacker)
        with pytest.raises(signing.InvalidToken):
            signing.verify(token)


@pytest.mark.parametrize("token", [None, "", "a.b", "a.b.c", "x" * 20000, "..", 42])
def test_garbage_is_invalid(kms: str, token: object) -> None:
    with pytest.raises(signing.InvalidToken):
        signing.verify(token)


def test_tampered_payload_and_expired_tokens_are_refused(kms: str) -> None:
    token = signing.sign(CLAIMS)
    head, _, sig = token.split(".")
    tampered = f"{head}.{_b64(json.dumps({**CLAIMS, 'sub': 'other'}).encode())}.{sig}"
    with pytest.raises(signing.InvalidToken):
        signing.verify(tampered)
    expired = signing.sign({**CLAIMS, "exp": int(time.time()) - 3600})
    with pytest.raises(signing.InvalidToken):
        signing.verify(expired)


def test_jwks_listing_throttled_is_unavailable(kms: str) -> None:
    with Stubber(aws.client("kms")) as stub:
        stub.add_client_error("list_keys", service_error_code="ThrottlingException",
                              http_status_code=400)
        with pytest.raises(errors.Unavailable) as caught:
            signing.jwks()
    assert caught.value.details["aws_error"] == "ThrottlingException"


def test_oversized_claims_are_refused_before_kms(kms: str) -> None:
    with pytest.raises(ValueError, match="4096"):
        signing.sign({"blob": "x" * 5000})
