"""The sandbox data providers: four departments' record systems, as the gateway reaches them.

One loopback HTTP service with a path per department (``/immd``, ``/td``, ``/rvd``, ``/edb``),
each speaking the provider contract (``POST <base>/v1/datasets/<dataset>``): the gateway's
request must carry ``Authorization: Gateway <JWS>`` signed by a key in the platform's
published JWKS, bound to this method, URL and body, fresh and never replayed; the answer holds
only the fields asked for. What a department would build, with joserfc and the platform's
verification helper (``iamsmart.exchange.provider_auth``), no AWS.

The records are synthetic (``sandbox_data.json``, made here by hand, provenance inside) for the
four sandbox citizens. A provider knows a citizen only by the pairwise subject the platform
gives it (sector ``exchange:<PROVIDER>``): at start the sandbox computes those subjects for the
sandbox citizens, as a real department would have linked its records when the citizen
registered.

A provider can be told to be slow (to see the gateway's per-provider timeout):
``PUT /_sandbox/delay`` with ``{"provider": "TD", "seconds": 5}`` (0 resets), or
``ProvidersService.set_delay``.
"""

from __future__ import annotations

import collections
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from infra.sandbox.site import Site

DATA_FILE = Path(__file__).with_name("sandbox_data.json")
MAX_BODY = 16 * 1024
MAX_DELAY = 30.0
JWKS_TTL = 300.0
JWKS_REFRESH_GAP = 5.0
HTTP_TIMEOUT = 5
BODY_MEMBERS = frozenset({"sub", "fields", "purpose", "consent_id", "request_id"})

_ALL = ("licence_application", "address_update", "benefit_application", "school_admission",
        "account_opening", "identity_verification", "form_filling")


def _f(kind: str, en: str, tc: str, sensitivity: str = "personal", *,
       codes: dict[str, tuple[str, str]] | None = None,
       members: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """A field's registration: its words, and those of its codes and record members (what
    the consent page, "My data" and "Who read my data" show)."""
    spec: dict[str, Any] = {"type": kind, "label_en": en, "label_tc": tc,
                            "sensitivity": sensitivity}
    if codes:
        spec["codes"] = {code: {"en": c_en, "tc": c_tc} for code, (c_en, c_tc) in codes.items()}
    if members:
        spec["members"] = members
    return spec


def _m(en: str, tc: str, kind: str = "string",
       codes: dict[str, tuple[str, str]] | None = None) -> dict[str, Any]:
    """A record member's words (``kind`` "number": an amount, grouped when shown)."""
    member: dict[str, Any] = {"label_en": en, "label_tc": tc, "type": kind}
    if codes:
        member["codes"] = {code: {"en": c_en, "tc": c_tc} for code, (c_en, c_tc) in codes.items()}
    return member


SEX = {"M": ("Male", "男"), "F": ("Female", "女")}
LICENCE_STATUS = {"valid": ("Valid", "有效"), "probationary": ("Probationary", "暫准"),
                  "expired": ("Expired", "已過期")}
LICENCE_CLASSES = {"1": ("Class 1: private car", "第 1 類：私家車"),
                   "2": ("Class 2: light goods vehicle", "第 2 類：輕型貨車"),
                   "3": ("Class 3: motor cycle", "第 3 類：電單車")}
SCHOOL_LEVELS = {"primary": ("Primary", "小學"), "secondary": ("Secondary", "中學"),
                 "post-secondary": ("Post-secondary", "專上教育")}


# The sandbox providers' registrations: datasets, fields, lawful purposes, retention.
PROVIDERS: dict[str, dict[str, Any]] = {
    "IMMD": {
        "name_en": "Immigration Department", "name_tc": "入境事務處", "timeout_seconds": 3.0,
        "datasets": {
            "particulars": {
                "name_en": "Personal particulars", "name_tc": "個人資料",
                "fields": {
                    "name_en": _f("string", "Name in English", "英文姓名"),
                    "name_tc": _f("string", "Name in Chinese", "中文姓名"),
                    "date_of_birth": _f("date", "Date of birth", "出生日期"),
                    "sex": _f("string", "Sex", "性別", codes=SEX),
                    "address": _f("address", "Residential address (English)", "住址（英文）"),
                    "address_tc": _f("address", "Residential address (Chinese)", "住址（中文）"),
                },
                "purposes": list(_ALL), "max_retention_days": 365,
            },
        },
    },
    "TD": {
        "name_en": "Transport Department", "name_tc": "運輸署", "timeout_seconds": 3.0,
        "datasets": {
            "driving_licence": {
                "name_en": "Driving licence", "name_tc": "駕駛執照",
                "fields": {
                    "licence_number": _f("string", "Licence number", "執照號碼"),
                    "classes": _f("list", "Vehicle classes", "車輛類別", codes=LICENCE_CLASSES),
                    "status": _f("string", "Licence status", "執照狀況", codes=LICENCE_STATUS),
                    "issue_date": _f("date", "Date of first issue", "首次簽發日期"),
                    "expiry_date": _f("date", "Expiry date", "屆滿日期"),
                },
                "purposes": ["licence_application", "identity_verification", "form_filling",
                             "account_opening"],
                "max_retention_days": 365,
            },
            "vehicles": {
                "name_en": "Vehicles registered", "name_tc": "登記車輛",
                "fields": {"vehicles": _f(
                    "list", "Vehicles (registration mark, make, model, year, licence expiry)",
                    "車輛（登記號碼、廠名、型號、年份、牌照屆滿日期）", members={
                        "registration_mark": _m("Registration mark", "登記號碼"),
                        "make": _m("Make", "廠名"), "model": _m("Model", "型號"),
                        "year": _m("Year of manufacture", "製造年份"),
                        "licence_expiry": _m("Licence expiry", "牌照屆滿日期", "date")})},
                "purposes": ["licence_application", "form_filling"], "max_retention_days": 365,
            },
        },
    },
    "RVD": {
        "name_en": "Rating and Valuation Department", "name_tc": "差餉物業估價署",
        "timeout_seconds": 3.0,
        "datasets": {
            "properties": {
                "name_en": "Properties", "name_tc": "物業",
                "fields": {"properties": _f(
                    "list", "Properties (address, rates account, rateable value)",
                    "物業（地址、差餉帳戶、應課差餉租值）", members={
                        "address_en": _m("Address (English)", "地址（英文）"),
                        "address_tc": _m("Address (Chinese)", "地址（中文）"),
                        "account_number": _m("Rates account number", "差餉帳戶號碼"),
                        "rateable_value": _m("Rateable value (HK$)", "應課差餉租值（港元）",
                                             "number")})},
                "purposes": ["address_update", "benefit_application", "form_filling"],
                "max_retention_days": 180,
            },
            "rates": {
                "name_en": "Rates", "name_tc": "差餉",
                "fields": {"accounts": _f(
                    "list", "Rates accounts (quarterly rates, paid to)",
                    "差餉帳戶（每季差餉、已繳至）", members={
                        "account_number": _m("Rates account number", "差餉帳戶號碼"),
                        "quarterly_rates": _m("Quarterly rates (HK$)", "每季差餉（港元）",
                                              "number"),
                        "paid_to": _m("Paid up to", "已繳至", "date")})},
                "purposes": ["benefit_application", "form_filling"], "max_retention_days": 180,
            },
        },
    },
    "EDB": {
        "name_en": "Education Bureau", "name_tc": "教育局", "timeout_seconds": 3.0,
        "datasets": {
            "school_records": {
                "name_en": "School records", "name_tc": "學校紀錄",
                "fields": {
                    "records": _f(
                        "list", "Schools attended (school, level, years, qualification)",
                        "就讀學校（學校、程度、年份、資歷）", "sensitive", members={
                            "school_en": _m("School (English)", "學校（英文）"),
                            "school_tc": _m("School (Chinese)", "學校（中文）"),
                            "level": _m("Level", "程度", codes=SCHOOL_LEVELS),
                            "from": _m("From (year-month)", "由（年-月）"),
                            "to": _m("To (year-month)", "至（年-月）"),
                            "qualification": _m("Qualification", "資歷")}),
                    "highest_qualification": _f("string", "Highest qualification", "最高資歷"),
                },
                "purposes": ["school_admission", "benefit_application", "form_filling"],
                "max_retention_days": 365,
            },
        },
    },
}


def load_records() -> dict[str, Any]:
    """The synthetic records: citizen id -> provider -> dataset -> {as_of, fields}."""
    document = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return dict(document["citizens"])


@dataclass
class Received:
    """What a provider was asked (for tests and the sandbox's own view): never the subject."""

    provider: str
    dataset: str
    fields: tuple[str, ...]
    purpose: str
    consent_id: str | None
    status: int
    at: float = field(default_factory=time.time)


class ProvidersService(Site):
    """The four sandbox providers on one loopback server."""

    name = "providers"

    def __init__(self, issuer: str, host: str = "127.0.0.1", port: int = 0,
                 jwks_source: Callable[[], dict[str, Any]] | None = None,
                 records: dict[str, Any] | None = None) -> None:
        from iamsmart.exchange import provider_auth

        super().__init__(host, port)
        self.issuer = issuer.rstrip("/")
        self._records = records if records is not None else load_records()
        self._subjects: dict[str, dict[str, str]] = {}  # provider -> sub -> citizen id
        self._jwks_source = jwks_source or self._fetch_jwks
        self._jwks: tuple[float, dict[str, Any]] | None = None
        self._seen = {p: provider_auth.JtiCache() for p in PROVIDERS}
        self._delays: dict[str, float] = {}
        self._lock = threading.Lock()
        self.received: collections.deque[Received] = collections.deque(maxlen=1000)

    # -- lifecycle
    def base_url(self, provider: str) -> str:
        return f"{self.url}/{provider.lower()}"

    def link_subjects(self) -> None:
        """Each provider's pairwise subjects of the sandbox citizens (sector exchange:<ID>)."""
        from iamsmart.exchange.subjects import provider_sub

        for provider in PROVIDERS:
            self._subjects[provider] = {provider_sub(provider, citizen): citizen
                                        for citizen in self._records}

    def register(self) -> None:
        """Register the providers (datasets, purposes, retention, base URL) in the registry."""
        from iamsmart.exchange import registry
        from iamsmart.exchange.models import Provider

        for provider, spec in PROVIDERS.items():
            registry.put_provider(Provider(id=provider, base_url=self.base_url(provider),
                                           **spec))
        # The citizen's own e-ME profile: served by the platform's API itself.
        from iamsmart.exchange import eme

        eme.register()

    def start(self) -> None:
        self.link_subjects()
        self.register()
        self.serve(0.1)

    # -- control
    def set_delay(self, provider: str, seconds: float) -> None:
        if provider not in PROVIDERS:
            raise KeyError(provider)
        with self._lock:
            self._delays[provider] = max(0.0, min(float(seconds), MAX_DELAY))

    def delay(self, provider: str) -> float:
        with self._lock:
            return self._delays.get(provider, 0.0)

    # -- the platform's keys
    def _fetch_jwks(self) -> dict[str, Any]:
        import requests

        response = requests.get(f"{self.issuer}/v1/oidc/jwks", timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        return dict(response.json())

    def jwks(self, refresh: bool = False) -> dict[str, Any]:
        now = time.monotonic()
        with self._lock:
            cached = self._jwks
        if cached is None or refresh or now - cached[0] > JWKS_TTL:
            cached = (now, self._jwks_source())
            with self._lock:
                self._jwks = cached
        return cached[1]

    def _may_refresh(self) -> bool:
        with self._lock:
            return self._jwks is None or time.monotonic() - self._jwks[0] > JWKS_REFRESH_GAP

    # -- one request
    def answer(self, provider: str, dataset: str, *, authorization: str | None, url: str,
               body: bytes) -> tuple[int, dict[str, Any]]:
        """Verify the gateway's request and answer it (status, JSON body)."""
        from iamsmart.exchange import provider_auth

        def verified(jwks: dict[str, Any]) -> dict[str, Any]:
            return dict(provider_auth.verify(
                authorization, method="POST", url=url, body=body,
                audience=self.base_url(provider), issuer=self.issuer, jwks=jwks,
                seen=self._seen[provider]))

        try:
            try:
                verified(self.jwks())
            except provider_auth.Refused:
                # Perhaps a key rotated since the JWKS was fetched: once more with a fresh one,
                # at most every few seconds (bad requests must not make us fetch each time).
                if not self._may_refresh():
                    raise
                verified(self.jwks(refresh=True))
        except provider_auth.Refused:
            return 401, {"error": "invalid_request_signature"}
        try:
            request = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return 400, {"error": "bad_request"}
        if (not isinstance(request, dict) or set(request) != BODY_MEMBERS
                or not isinstance(request["sub"], str)
                or not isinstance(request["fields"], list) or not request["fields"]
                or not all(isinstance(f, str) for f in request["fields"])
                or not isinstance(request["purpose"], str)
                or not isinstance(request["consent_id"], (str, type(None)))
                or not isinstance(request["request_id"], str)):
            return 400, {"error": "bad_request"}
        spec = PROVIDERS[provider]["datasets"].get(dataset)
        if spec is None:
            return 400, {"error": "unknown_dataset"}
        asked = tuple(dict.fromkeys(request["fields"]))
        if any(name not in spec["fields"] for name in asked):
            return 400, {"error": "unknown_field"}
        wait = self.delay(provider)
        if wait:
            time.sleep(wait)
        citizen = self._subjects.get(provider, {}).get(request["sub"])
        record = (self._records.get(citizen, {}).get(provider, {}).get(dataset)
                  if citizen else None)
        with self._lock:
            self.received.append(Received(provider, dataset, asked, request["purpose"],
                                          request["consent_id"], 200 if record else 404))
        if record is None:
            return 404, {"error": "unknown_subject"}
        held = record["fields"]
        return 200, {"fields": {name: held[name] for name in asked if name in held},
                     "as_of": record["as_of"]}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sandbox-providers"
    sys_version = ""
    svc: ProvidersService

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - no subjects in logs
        pass

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes | None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        if length < 0 or length > MAX_BODY:
            return None
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:
        self._json(405, {"error": "method_not_allowed"})

    def do_PUT(self) -> None:
        body = self._body()
        if body is None:
            self.close_connection = True
            self._json(413, {"error": "bad_request"})
            return
        if urlsplit(self.path).path != "/_sandbox/delay":
            self._json(404, {"error": "not_found"})
            return
        # JSON only: a cross-site form cannot send it (the sandbox control is on loopback).
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            self._json(415, {"error": "bad_request"})
            return
        try:
            wanted = json.loads(body)
            self.svc.set_delay(str(wanted["provider"]), float(wanted["seconds"]))
        except (ValueError, KeyError, TypeError):
            self._json(400, {"error": "bad_request"})
            return
        self._json(200, {"provider": wanted["provider"],
                         "seconds": self.svc.delay(str(wanted["provider"]))})

    def do_POST(self) -> None:
        body = self._body()
        if body is None:
            self.close_connection = True
            self._json(413, {"error": "bad_request"})
            return
        path = urlsplit(self.path).path
        parts = path.strip("/").split("/")
        provider = parts[0].upper() if parts else ""
        if (len(parts) != 4 or provider not in PROVIDERS or parts[0] != provider.lower()
                or parts[1:3] != ["v1", "datasets"]):
            self._json(404, {"error": "not_found"})
            return
        url = f"{self.svc.url}{path}"  # where this request really arrived
        status, payload = self.svc.answer(provider, parts[3],
                                          authorization=self.headers.get("Authorization"),
                                          url=url, body=body)
        self._json(status, payload)


ProvidersService.handler = _Handler


def start(issuer: str, host: str = "127.0.0.1", port: int = 0) -> ProvidersService:
    """Serve the sandbox providers and register them (the local platform calls this)."""
    service = ProvidersService(issuer, host=host, port=port)
    service.start()
    return service
