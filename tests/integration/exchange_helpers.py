"""Shared by the data-exchange tests: moto with the platform's tables and keys, the
exchange-fetch state machine executed by moto with the real task handler, sandbox
department API keys enforced by the local platform's gateway (infra.local.server), two data
providers served over HTTP on loopback implementing the provider contract (signature checked
against the platform's JWKS), and a consumer (the RP) registered with its encryption key."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from joserfc.jwk import ECKey
from moto import mock_aws
from oidc_helpers import PUBLIC_URL, RP, Browser, Http, query_of, reset_caches, sso_session

from infra.local.platform import apply_environment, local_environment

CONFIG = {"stepfunctions": {"execute_state_machine": True},
          "core": {"reset_boto3_session": False}}
CITIZENS = ("sandbox-chan-tai-man", "sandbox-lee-siu-mei")

# The providers' records, by citizen (their pairwise subs are derived when they start).
RECORDS: dict[str, dict[str, dict[str, dict[str, Any]]]] = {
    "IMMD": {"particulars": {
        "sandbox-chan-tai-man": {"name_en": "CHAN, Tai Man", "address": "1 Queen's Road",
                                 "date_of_birth": "1980-01-01"},
        "sandbox-lee-siu-mei": {"name_en": "LEE, Siu Mei", "address": "2 Nathan Road",
                                "date_of_birth": "1990-02-02"}}},
    "TD": {"driving_licence": {
        "sandbox-chan-tai-man": {"licence_number": "DL123456", "expiry_date": "2030-01-01",
                                 "classes": ["1", "2"]},
        "sandbox-lee-siu-mei": {"licence_number": "DL654321", "expiry_date": "2031-01-01",
                                "classes": ["1"]}}},
}


def _field(label: str, kind: str = "string") -> dict[str, Any]:
    return {"type": kind, "label_en": label, "label_tc": label + "（中）"}


def provider_models(base: str) -> list[Any]:
    from iamsmart.exchange.models import Provider

    return [
        Provider.model_validate({
            "id": "IMMD", "name_en": "Immigration Department", "name_tc": "入境事務處",
            "base_url": f"{base}/immd", "timeout_seconds": 1.0,
            "datasets": {"particulars": {
                "name_en": "Personal particulars", "name_tc": "個人資料",
                "fields": {"name_en": _field("Name"), "address": _field("Address", "address"),
                           "date_of_birth": {**_field("Date of birth", "date"),
                                             "sensitivity": "sensitive"}},
                "purposes": ["licence_application", "identity_verification", "form_filling"],
                "max_retention_days": 90}}}),
        Provider.model_validate({
            "id": "TD", "name_en": "Transport Department", "name_tc": "運輸署",
            "base_url": f"{base}/td", "timeout_seconds": 1.0,
            "datasets": {"driving_licence": {
                "name_en": "Driving licence", "name_tc": "駕駛執照",
                "fields": {"licence_number": _field("Licence number"),
                           "expiry_date": _field("Expiry date", "date"),
                           "classes": _field("Classes", "list")},
                "purposes": ["licence_application", "form_filling"],
                "max_retention_days": 365}}}),
    ]


class Providers:
    """Both providers on one loopback server (``/immd``, ``/td``), contract (a) for real."""

    def __init__(self) -> None:
        self.delay: dict[str, float] = {}  # provider id -> seconds to sleep before answering
        self.extra: dict[str, dict[str, Any]] = {}  # fields sent although not asked
        self.calls: list[dict[str, Any]] = []
        self.refused = 0
        self.subs: dict[str, dict[str, str]] = {}  # provider -> sub -> citizen
        owner = self
        from iamsmart.exchange import provider_auth

        self.seen = provider_auth.JtiCache()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                owner.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                         daemon=True).start()
        self.jwks: dict[str, Any] = {}

    def start(self) -> None:
        from iamsmart.exchange import subjects
        from iamsmart.oidc import signing

        self.jwks = signing.jwks()
        for pid in RECORDS:
            self.subs[pid] = {subjects.provider_sub(pid, c): c for c in CITIZENS}

    def handle(self, req: BaseHTTPRequestHandler) -> None:
        from iamsmart.exchange import provider_auth

        body = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        path = urllib.parse.urlsplit(req.path).path
        _, prefix, _, _, dataset = path.split("/")
        pid = prefix.upper()
        try:
            provider_auth.verify(req.headers.get("Authorization"), method="POST",
                                 url=self.base + path, body=body,
                                 audience=f"{self.base}/{prefix}", issuer=PUBLIC_URL,
                                 jwks=self.jwks, seen=self.seen)
        except provider_auth.Refused:
            self.refused += 1
            return self._send(req, 401, {"error": "invalid_request_signature"})
        ask = json.loads(body)
        self.calls.append({"provider": pid, "dataset": dataset, **ask})
        time.sleep(self.delay.get(pid, 0))
        citizen = self.subs.get(pid, {}).get(ask["sub"])
        record = RECORDS.get(pid, {}).get(dataset, {}).get(citizen or "")
        if record is None:
            return self._send(req, 404, {"error": "unknown_subject"})
        fields = {k: v for k, v in record.items() if k in ask["fields"]}
        fields.update(self.extra.get(pid, {}))
        self._send(req, 200, {"fields": fields, "as_of": "2026-11-01T00:00:00Z"})

    @staticmethod
    def _send(req: BaseHTTPRequestHandler, status: int, doc: Any) -> None:
        raw = json.dumps(doc).encode()
        try:
            req.send_response(status)
            req.send_header("Content-Type", "application/json")
            req.send_header("Content-Length", str(len(raw)))
            req.end_headers()
            req.wfile.write(raw)
        except OSError:  # the gateway gave up waiting (timeout tests)
            pass

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class KeyedHttp(Http):
    """The Chalice app behind the local platform's gateway: API keys, usage plans, quota."""

    def __init__(self, app: Any) -> None:
        from infra.local.server import Gateway, KeyRegistry

        self._gateway = Gateway(app, KeyRegistry())

    def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
        from infra.local.server import GatewayRefusal

        try:
            return super().request(method, path, headers, body)
        except GatewayRefusal as exc:
            return exc.status, {}, json.dumps({"error": exc.code}).encode()


@pytest.fixture
def xaws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    from iamsmart.catalogue import departments
    from iamsmart.exchange import registry
    from infra.local import lambdas, provision
    from infra.names import STATE_MACHINES

    env = local_environment(None, {})
    env["POWERTOOLS_METRICS_DISABLED"] = "true"
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    reset_caches()
    registry.reset()
    departments.reset()
    lambdas.install()
    with mock_aws(config=CONFIG):
        provision.create_tables()
        provision.create_keys()
        provision.create_parameters(PUBLIC_URL)
        from iamsmart import aws
        from iamsmart.identity import accounts

        accounts.seed_sandbox_citizens()
        role = provision._role(provision.LAMBDA_ROLE, "lambda.amazonaws.com")
        spec = provision.FUNCTIONS["exchange-call"]
        arn = aws.client("lambda").create_function(
            FunctionName=spec.name, Runtime="python3.12", Role=role, Handler=spec.handler,
            Code={"ZipFile": provision._zip(spec.source)}, Timeout=spec.timeout_seconds,
            Environment={"Variables": env})["FunctionArn"]
        machine = STATE_MACHINES["exchange-fetch"]
        aws.client("stepfunctions").create_state_machine(
            name=machine.name, roleArn=provision._role(provision.STATES_ROLE,
                                                       "states.amazonaws.com"),
            definition=provision.definition(machine, {"exchange-call": arn}, fast=True),
            type="EXPRESS")
        provision.create_usage_plans()
        env["department_keys"] = json.dumps(provision.create_department_keys())
        yield env
    reset_caches()
    registry.reset()
    departments.reset()
    apply_environment({})


@pytest.fixture
def providers(xaws: dict[str, str]) -> Iterator[Providers]:
    from iamsmart.exchange import registry

    served = Providers()
    served.start()
    for model in provider_models(served.base):
        registry.put_provider(model)
    yield served
    served.stop()


PURPOSES = {
    "licence_application": {"retention_days": 30, "fields": [
        "IMMD.particulars.address", "IMMD.particulars.name_en",
        "IMMD.particulars.date_of_birth", "TD.driving_licence.licence_number",
        "TD.driving_licence.expiry_date", "TD.driving_licence.classes"]},
    "form_filling": {"retention_days": 7, "fields": [
        "IMMD.particulars.address", "IMMD.particulars.name_en"]},
}


class Consumer:
    """The RP, registered as a consumer of the Transport Department, with its JWE key."""

    def __init__(self, http: Http, keys: dict[str, str], client_id: str = "sandbox-rp",
                 department: str = "TD", notification_uri: str | None = None) -> None:
        from iamsmart.exchange import registry
        from iamsmart.exchange.models import Consumer as Registration

        self.rp = RP(http, client_id, department=department)
        self.key = ECKey.generate_key("P-256", {"kid": f"{client_id}-enc"}, private=True)
        registry.put_consumer(Registration.model_validate({
            "client_id": client_id, "department": department, "name_en": "Sandbox service",
            "name_tc": "沙盒服務",
            "encryption_jwk": dict(self.key.as_dict(private=False)),
            "notification_uri": notification_uri, "purposes": PURPOSES}))
        self.http = http
        self.keys = keys

    def details(self, fields: list[str], purpose: str = "licence_application",
                mode: str = "one_time", days: int | None = None) -> str:
        detail: dict[str, Any] = {"type": "urn:iamsmart:data-exchange", "fields": fields,
                                  "purpose": purpose, "mode": mode}
        if days is not None:
            detail["duration_days"] = days
        return json.dumps([detail])

    def login(self, browser: Browser, fields: list[str], *, expect_page: bool = True,
              **kw: Any) -> dict[str, Any]:
        """PAR with the detail, authorize (SSO), the consent page if shown, the tokens."""
        request_uri = self.rp.request_uri(authorization_details=self.details(fields, **kw))
        status, headers, _ = browser.go("GET", self.rp.authorize_path(request_uri))
        assert status == 302, headers
        location = headers["location"]
        if location.startswith("/consent.html"):
            assert expect_page, "consent page shown although a standing consent covers it"
            handle = query_of(location)["txn"]
            status, page = browser.json("GET", f"/v1/oidc/consent/{handle}")
            assert status == 200 and page["data_exchange"] is not None, page
            self.last_page = page
            status, decided = browser.json("POST", f"/v1/oidc/consent/{handle}",
                                           {"decision": "allow"})
            assert status == 200, decided
            location = decided["next"]
        else:
            assert not expect_page, "no consent page although one was expected"
        code = query_of(location)["code"]
        status, _, tokens = self.rp.redeem(code)
        assert status == 200, tokens
        return dict(tokens)

    def fetch(self, access_token: str, body: dict[str, Any], *, key: str | None = "TD",
              path: str = "/v1/exchange/fetch") -> tuple[int, Any]:
        headers = {"Content-Type": "application/json", "Authorization": f"DPoP {access_token}",
                   "DPoP": self.rp.proof("POST", PUBLIC_URL + path, access_token)}
        if key is not None:
            headers["x-api-key"] = self.keys[key] if key in self.keys else key
        status, _, raw = self.http.request("POST", path, headers, json.dumps(body).encode())
        return status, json.loads(raw) if raw else None

    def open(self, jwe_token: str) -> dict[str, Any]:
        from joserfc import jwe

        return dict(json.loads(jwe.decrypt_compact(jwe_token, self.key).plaintext))


def citizen(http: Http, account_id: str = CITIZENS[0]) -> Browser:
    browser = Browser(http)
    sso_session(browser, account_id)
    return browser


class Inbox:
    """The consumer's back-channel endpoint on loopback: keeps what was POSTed."""

    def __init__(self) -> None:
        self.received: list[tuple[str, bytes]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.received.append((self.headers.get("Content-Type") or "", body))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/exchange/notify"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                         daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
