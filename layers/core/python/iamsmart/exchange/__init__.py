"""The data-exchange gateway (授權數據交換閘): departments' data fetched only with the
citizen's consent, minimised, encrypted to the consumer, and visible to the citizen.

Map of the package (the wire contract is in the README's data-exchange section):
- ``vocabulary``: purposes, outcome and refusal labels in both languages.
- ``models``: provider and consumer registrations, the authorization detail, the consent.
- ``dal``: the context's only way to DynamoDB (the ``exchange`` and ``accesslog`` tables).
- ``registry``: the provider registry and consumer registrations (``exchange`` table).
- ``details``: RFC 9396 ``authorization_details`` at PAR (validated against the consumer's
  registration) and their plain-words description for the consent page.
- ``consents``: consents and their KMS-signed receipts; one-time use, standing reuse,
  revocation (with the consumer's back-channel notification).
- ``audit``: the append-only access log (``accesslog`` table), per citizen.
- ``provider_auth``: the signed gateway->provider request (sign and, for providers, verify).
- ``calls``: one provider call (the Step Functions task's logic).
- ``workflow``: runs the fetch state machine (Map over providers).
- ``delivery``: the consumer's fetch and e-ME form filling, and the citizen's "My data".
- ``subjects``: the citizen's pairwise subject per provider.
"""
