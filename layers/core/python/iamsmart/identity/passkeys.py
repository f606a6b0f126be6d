"""Passkeys (WebAuthn, py_webauthn): registration by a logged-in citizen, and assertions
against a login transaction's challenge.

Discoverable credentials only: the login page asks with an empty ``allowCredentials`` and the
authenticator returns the user handle, which is the account id (bytes). User verification is
required; the origin must be the public origin and the RP id ``iamsmart.origin``'s.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from iamsmart import errors, origin
from iamsmart.identity import authenticators, dal
from iamsmart.identity.accounts import Account

RP_NAME = "iAM Smart 智方便"
REGISTRATION_SECONDS = 300


class PasskeyRejected(errors.Forbidden):
    code = "passkey_rejected"
    en = "The passkey could not be verified. Please try again or use the iAM Smart app."
    tc = "未能驗證通行密鑰。請再試一次或使用「智方便」流動應用程式。"


def new_challenge() -> bytes:
    return secrets.token_bytes(32)


def authentication_options(challenge: bytes, timeout_seconds: int) -> dict[str, Any]:
    """PublicKeyCredentialRequestOptions (JSON form) for a login transaction's challenge."""
    from webauthn import generate_authentication_options, options_to_json
    from webauthn.helpers.structs import UserVerificationRequirement

    options = generate_authentication_options(
        rp_id=origin.rp_id(), challenge=challenge,
        timeout=timeout_seconds * 1000, allow_credentials=[],
        user_verification=UserVerificationRequirement.REQUIRED)
    return json.loads(options_to_json(options))


def identify(credential: Any) -> tuple[str, str]:
    """(account id from the user handle, credential id) of an assertion, unverified;
    ``PasskeyRejected`` when it is not shaped like a discoverable credential's assertion."""
    if not isinstance(credential, dict):
        raise PasskeyRejected()
    response = credential.get("response")
    cred_id = credential.get("id")
    if not isinstance(response, dict) or not isinstance(cred_id, str) or not cred_id:
        raise PasskeyRejected()
    handle = response.get("userHandle")
    if not isinstance(handle, str) or not handle or len(handle) > 128:
        raise PasskeyRejected()
    try:
        account_id = authenticators.unb64url(handle).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise PasskeyRejected() from None
    return account_id, cred_id


def verify_assertion(credential: dict[str, Any], challenge: bytes) -> authenticators.Passkey:
    """Verify an assertion for ``challenge`` with the stored credential; advances the sign
    count. Returns the passkey used; ``PasskeyRejected`` on any failure."""
    from webauthn import verify_authentication_response
    from webauthn.helpers.exceptions import WebAuthnException

    account_id, cred_id = identify(credential)
    passkey = authenticators.get_passkey(account_id, cred_id)
    if passkey is None:
        raise PasskeyRejected()
    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=challenge,
            expected_rp_id=origin.rp_id(), expected_origin=origin.public_url(),
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True)
    except (WebAuthnException, ValueError, KeyError, TypeError):
        raise PasskeyRejected() from None
    if not authenticators.record_passkey_use(passkey, verified.new_sign_count):
        raise PasskeyRejected()  # used concurrently elsewhere (cloned authenticator?)
    return passkey


# --- registration -------------------------------------------------------------------------

def registration_options(account: Account, session_id: str) -> dict[str, Any]:
    """PublicKeyCredentialCreationOptions (JSON form); the challenge is kept server side for
    this session, single use, for five minutes."""
    from webauthn import generate_registration_options, options_to_json
    from webauthn.helpers.cose import COSEAlgorithmIdentifier
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    challenge = new_challenge()
    existing = [PublicKeyCredentialDescriptor(id=authenticators.unb64url(p.credential_id))
                for p in authenticators.passkeys_of(account.id)]
    options = generate_registration_options(
        rp_id=origin.rp_id(), rp_name=RP_NAME,
        user_name=account.email or account.id, user_id=account.id.encode("utf-8"),
        user_display_name=f"{account.name_tc} {account.name_en}", challenge=challenge,
        timeout=REGISTRATION_SECONDS * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED),
        exclude_credentials=existing,
        supported_pub_key_algs=[COSEAlgorithmIdentifier.ECDSA_SHA_256,
                                COSEAlgorithmIdentifier.EDDSA,
                                COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256])
    dal.put_passkey_challenge(session_id, account_id=account.id,
                              challenge=authenticators.b64url(challenge),
                              expires_at=dal.now() + REGISTRATION_SECONDS)
    return json.loads(options_to_json(options))


def register(account_id: str, session_id: str, credential: Any,
             label: str) -> authenticators.Passkey:
    """Verify a registration response against this session's pending challenge (consumed)
    and store the credential."""
    from webauthn import verify_registration_response
    from webauthn.helpers.exceptions import WebAuthnException

    pending = dal.take_passkey_challenge(session_id)
    if (pending is None or pending.get("account_id") != account_id
            or int(pending.get("expires_at", 0)) <= dal.now()):
        raise PasskeyRejected(en="Please start adding the passkey again.",
                              tc="請重新開始新增通行密鑰。")
    if not isinstance(credential, dict):
        raise PasskeyRejected()
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=authenticators.unb64url(str(pending["challenge"])),
            expected_rp_id=origin.rp_id(), expected_origin=origin.public_url(),
            require_user_verification=True)
    except (WebAuthnException, ValueError, KeyError, TypeError):
        raise PasskeyRejected() from None
    transports = credential.get("response", {}).get("transports")
    return authenticators.add_passkey(
        account_id, verified.credential_id, verified.credential_public_key,
        verified.sign_count, label,
        [t for t in transports if isinstance(t, str)][:8] if isinstance(transports, list) else [])
