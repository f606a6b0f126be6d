"""Assurance levels: the ``acr`` values the platform may claim, weakest first, and the
``amr`` values (RFC 8176) of each authenticator.

An ID token's ``acr`` never claims more than what was done: the achieved level is the
lower of the account's identity level and what the authentication itself proved.
"""

from __future__ import annotations

ACR_BASIC = "urn:iamsmart:acr:basic"  # account registered online, key-based authentication
ACR_PLUS = "urn:iamsmart:acr:plus"  # identity verified in person or by chip + face
ACR_FACE = "urn:iamsmart:acr:face"  # "plus", and a face check at this login (step-up issue)
ORDER = (ACR_BASIC, ACR_PLUS, ACR_FACE)

AMR_PASSKEY = ("hwk", "user")  # WebAuthn passkey with user verification
AMR_DEVICE = ("hwk", "mca")  # the app's device key, approved on a second channel (QR, number)


def rank(acr: str) -> int:
    """Position in ``ORDER`` (-1 for a value the platform does not know)."""
    return ORDER.index(acr) if acr in ORDER else -1


def satisfies(achieved: str, requested: list[str] | tuple[str, ...]) -> bool:
    """Whether ``achieved`` meets one of the requested values (an unknown request never)."""
    return any(rank(r) >= 0 and rank(achieved) >= rank(r) for r in requested)
