"""Data exchange: the consumer's fetch and e-ME form filling (department API key + DPoP-bound
access token), and the citizen's consents, access log and "My data" (session).

The citizen is always the session's (or the token's) account, never the request's: another
citizen's consent id is a 404 like an unknown one (THREATS 16).
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint
from pydantic import ConfigDict, Field

from chalicelib import http
from iamsmart import errors
from iamsmart.common.model import Model

bp = Blueprint(__name__)

_PATH = r"^[A-Z]{2,8}\.[a-z][a-z0-9_]{0,39}\.[a-z][a-z0-9_]{0,39}$"
_ID = r"^[A-Za-z0-9]{1,64}$"


class FetchBody(Model):
    model_config = ConfigDict(extra="forbid")

    purpose: str = Field(min_length=1, max_length=40)
    fields: list[str] | None = Field(default=None, max_length=60)
    consent_id: str | None = Field(default=None, pattern=_ID)


class FormBody(Model):
    model_config = ConfigDict(extra="forbid")

    purpose: str = Field(min_length=1, max_length=40)
    form: dict[str, str] = Field(min_length=1, max_length=60)
    consent_id: str | None = Field(default=None, pattern=_ID)


class LogQuery(Model):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=200)


def _paths(paths: list[str]) -> list[str]:
    import re

    for path in paths:
        if not isinstance(path, str) or not re.match(_PATH, path):
            raise errors.InvalidInput(en="A field path is not valid.", tc="某項資料路徑無效。")
    return paths


def _consumer_call() -> dict[str, Any]:
    request = bp.current_request
    identity = (request.context or {}).get("identity") or {}
    headers: Any = request.headers or {}
    return {"api_key_id": identity.get("apiKeyId"),
            "authorization": headers.get("authorization"), "dpop_proof": headers.get("dpop")}


@http.route(bp, "/v1/exchange/fetch", method="POST",
            summary="Fetch consented data (JWE to the consumer's key, per-field provenance)",
            tag="exchange", body=FetchBody, api_key=True,
            errors_documented=(400, 401, 403, 404, 429, 503),
            headers=(http.AUTHORIZATION, http.DPOP))
def fetch(body: FetchBody) -> dict[str, Any]:
    from iamsmart.exchange import delivery

    return delivery.fetch(**_consumer_call(), purpose=body.purpose,
                          fields=_paths(body.fields) if body.fields else None,
                          consent_id=body.consent_id)


@http.route(bp, "/v1/exchange/form", method="POST",
            summary="e-ME form filling: consented data keyed by the form's own field names",
            tag="exchange", body=FormBody, api_key=True,
            errors_documented=(400, 401, 403, 404, 429, 503),
            headers=(http.AUTHORIZATION, http.DPOP))
def form(body: FormBody) -> dict[str, Any]:
    import re

    from iamsmart.exchange import delivery

    for name in body.form:
        if not re.match(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$", name):
            raise errors.InvalidInput(en="A form field name is not valid.",
                                      tc="某個表格欄位名稱無效。")
    _paths(list(body.form.values()))
    return delivery.fetch(**_consumer_call(), purpose=body.purpose, form=body.form,
                          consent_id=body.consent_id)


def _account_id() -> str:
    return str(http.citizen_session(bp.current_request).account_id)


@http.route(bp, "/v1/me/consents/exchange", summary="My data-exchange consents, with receipts",
            tag="account", errors_documented=(401, 503))
def list_consents() -> dict[str, Any]:
    from iamsmart.exchange import consents

    return {"consents": [consents.view(c) for c in consents.list_for(_account_id())]}


@http.route(bp, "/v1/me/consents/exchange/{consent_id}", summary="One data-exchange consent",
            tag="account", errors_documented=(401, 404, 503))
def get_consent(consent_id: str) -> dict[str, Any]:
    from iamsmart.exchange import consents

    consent = consents.get(_account_id(), consent_id)
    if consent is None:
        raise errors.NotFound()
    return consents.view(consent)


@http.route(bp, "/v1/me/consents/exchange/{consent_id}", method="DELETE",
            summary="Withdraw a data-exchange consent (further fetches refused)",
            tag="account", errors_documented=(400, 401, 404, 503))
def revoke_consent(consent_id: str) -> dict[str, Any]:
    from iamsmart.exchange import audit, consents, registry

    http.require_json(bp.current_request)
    account_id = _account_id()
    consent = consents.revoke(account_id, consent_id)
    if consent is None:
        raise errors.NotFound()
    consumer = registry.find_consumer(consent.client_id)
    audit.record(account_id, kind="revoke", outcome="recorded",
                 consumer=consumer.consumer_view() if consumer else None,
                 purpose=consent.purpose, fields=list(consent.fields),
                 consent_id=consent.consent_id, receipt_id=consent.receipt_id,
                 event_id=f"revoke{consent.consent_id}{consent.revoked_at}")
    return {"consent_id": consent.consent_id, "status": "revoked",
            "revoked_at": consents.view(consent)["revoked_at"]}


@http.route(bp, "/v1/me/access-log", summary="Who read my data (append-only access log)",
            tag="account", query=LogQuery, errors_documented=(400, 401, 503))
def access_log(query: LogQuery) -> dict[str, Any]:
    from iamsmart.exchange import audit, details

    events, nxt = audit.events(_account_id(), limit=query.limit, cursor=query.cursor)
    # The words of the paths and providers the events name (the consent page's vocabulary).
    return {"events": events, "next": nxt, **details.vocabulary_for(events)}


@http.route(bp, "/v1/me/data", summary="My data: what each department holds about me, live",
            tag="account", errors_documented=(401, 503))
def my_data() -> dict[str, Any]:
    from iamsmart.exchange import delivery

    return delivery.my_data(_account_id())
