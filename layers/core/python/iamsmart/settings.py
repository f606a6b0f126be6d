"""One typed settings object, read from the environment on first use (never at import time).

Every Lambda function and the local platform configure the package through environment
variables; names are upper-case versions of the fields (``FEEDS_TABLE`` ...). Missing or
malformed values fail at cold start with a clear message, not deep inside a request.
"""

from __future__ import annotations

import functools
import json
import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class SettingsError(RuntimeError):
    """The function's environment is incomplete or malformed."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    region: str = Field(default="ap-east-1")
    stage: str = Field(default="local")
    # Table names (the CDK stack and the local platform both take them from infra/names.py).
    feeds_table: str = "iamsmart-feeds"
    services_table: str = "iamsmart-services"
    accounts_table: str = "iamsmart-accounts"
    authenticators_table: str = "iamsmart-authenticators"
    sessions_table: str = "iamsmart-sessions"
    clients_table: str = "iamsmart-clients"
    grants_table: str = "iamsmart-grants"
    consents_table: str = "iamsmart-consents"
    # Registration sites (kiosks, counters, mobile teams) and the API key registry.
    sites_table: str = "iamsmart-sites"
    apikeys_table: str = "iamsmart-apikeys"
    # Seconds an API key's holder (department, site, staff) is reused inside one warm function.
    apikey_cache_seconds: float = Field(default=60.0, ge=0)
    # Seconds the public list of registration sites is reused inside one warm function.
    sites_cache_seconds: float = Field(default=60.0, ge=0)
    # Upstream feed URLs, as a JSON object {feed_id: url}; see iamsmart.feeds.sources.
    feed_urls: dict[str, str] = Field(default_factory=dict)
    feed_max_bytes: int = 2 * 1024 * 1024
    feed_timeout_seconds: float = 10.0
    # Seconds a catalogue snapshot is reused inside one warm function.
    catalogue_cache_seconds: float = 60.0
    # KMS key aliases (infra/names.py KEYS): the OIDC signing key and the HKID HMAC key.
    oidc_signing_key_alias: str = "alias/iamsmart-oidc-signing"
    hkid_hmac_key_alias: str = "alias/iamsmart-hkid-hmac"
    token_hmac_key_alias: str = "alias/iamsmart-token-hmac"  # noqa: S105 - a key alias
    # Seconds the signing key resolution (alias target) and the JWKS are reused when warm.
    signing_key_cache_seconds: float = 300.0

    # The platform's public origin (the OIDC issuer and the WebAuthn origin), no trailing
    # slash: the own domain when it is known at deploy time; empty: read from the SSM
    # parameter below (iamsmart.origin), which the web stack writes on the first deploy.
    public_url: str = ""
    public_url_parameter: str = ""  # infra.names.PARAMETERS["public-url"]
    # WebAuthn relying party id; empty: the host of the public origin.
    webauthn_rp_id: str = ""
    # Seconds a parameter read from SSM is reused inside one warm function.
    parameter_cache_seconds: float = Field(default=300.0, ge=0)
    # Smart HKID chip trust anchors: the SSM parameter holding the CSCA certificates (PEM).
    csca_master_list_parameter: str = ""  # infra.names.PARAMETERS["csca-master-list"]
    # The sandbox document signer's private key (a PEM file on a developer's machine, for the
    # sandbox card issuer); empty (every AWS stage): no sandbox ID cards.
    sandbox_card_key_file: str = ""
    # Cookies carry Secure in AWS; the local platform serves plain http on loopback, where
    # Python HTTP clients (scripted relying parties) would not send Secure cookies back.
    cookie_secure: bool = True
    # Lifetimes (seconds).
    par_seconds: int = 90  # request_uri validity (PAR)
    login_seconds: int = 300  # a login transaction (QR, number, passkey challenge)
    code_seconds: int = 60  # authorization code (FAPI 2.0: at most 60 s)
    access_token_seconds: int = 300
    refresh_token_seconds: int = 30 * 24 * 3600
    session_seconds: int = 8 * 3600  # SSO session, absolute
    # Seconds a client registration is reused inside one warm function.
    client_cache_seconds: float = 60.0

    # Face engine (iamsmart.faces): "rekognition" in AWS, "local" (dlib) on the local platform.
    face_engine: Literal["rekognition", "local"] = "rekognition"
    # Similarity (0..1) at or above which two faces match; within the margin below it the
    # result is "borderline" (refused with a retry, or manual review), below that "no_match".
    face_match_threshold: float = Field(default=0.90, ge=0.5, le=1.0)
    face_borderline_margin: float = Field(default=0.05, ge=0.0, le=0.5)
    # Upload limits checked before any engine sees the bytes (Rekognition takes at most 5 MB).
    face_image_max_bytes: int = Field(default=5 * 1024 * 1024, gt=0, le=5 * 1024 * 1024)
    face_image_max_pixels: int = Field(default=25_000_000, gt=0)

    # Registration (iamsmart.registration): the applications table, the evidence bucket
    # (images only until the decision), the intake queue and the workflow it feeds.
    applications_table: str = "iamsmart-applications"
    evidence_bucket: str = "iamsmart-evidence"
    registration_queue: str = "iamsmart-registrations"  # queue name (URL resolved once)
    # Each machine's ARN comes from configuration alone (infra.names: the CDK in AWS, the
    # local platform's environment locally); empty means not configured, and starting it
    # fails closed (errors.Unavailable).
    registration_state_machine_arn: str = ""
    # Seconds a manual review may wait before it is escalated, and then before it expires
    # (the applicant is told to visit a counter).
    registration_review_seconds: int = Field(default=2 * 24 * 3600, gt=0)
    registration_escalation_seconds: int = Field(default=3 * 24 * 3600, gt=0)
    # Days an application item (and its status page) is kept after it was received.
    registration_retention_days: int = Field(default=30, gt=0)
    # Applications per HKID (keyed hash) per day; more are refused with the generic answer.
    registration_hkid_daily_limit: int = Field(default=3, gt=0)
    # Applications accepted per hour per source address (web, app) and per channel key
    # (kiosk, counter, mobile team).
    registration_source_hourly_limit: int = Field(default=10, gt=0)
    registration_key_hourly_limit: int = Field(default=600, gt=0)
    # SNS topic for applicant notifications in AWS (SMS / e-mail delivery subscribes to it);
    # empty: notifications go to the local outbox only (visible in the staff API).
    registration_notify_topic_arn: str = ""
    # Where applicants ask for help (status page, notifications). The defaults are the
    # sandbox's, fictitious and marked as such; a deployment sets its own and sandbox=false.
    registration_help_email: str = "iamsmart-help@sandbox.example"
    registration_help_phone: str = ""
    registration_help_sandbox: bool = True

    # Face step-up (iamsmart.faces.templates, liveness, stepup).
    # Local templates: KMS key wrapping their data keys (envelope encryption).
    face_template_key_alias: str = "alias/iamsmart-face-template"
    # AWS templates: the Rekognition collection holding one face per consenting citizen.
    face_collection_id: str = "iamsmart-face-templates"
    # Rekognition has no Hong Kong region: face images are processed in this one, which must
    # offer face collections and Face Liveness (the deployment's face region, ``cdk -c
    # face_region=``; default infra.names.FACES_REGION, Tokyo). An in-region engine can
    # replace Rekognition behind the face port (iamsmart.faces.engine).
    rekognition_region: str = "ap-northeast-1"
    # Seconds a liveness session may be used (once: handed to the app, started, captured,
    # consumed), and Rekognition's liveness confidence (0..1) at or above which it passes.
    face_liveness_seconds: int = Field(default=300, gt=0, le=900)
    face_liveness_threshold: float = Field(default=0.90, ge=0.5, le=1.0)
    # The role whose credentials the app gets to stream a Face Liveness video (it allows
    # rekognition:StartFaceLivenessSession only; infra/stacks/faces.py). Empty ARN: derived
    # from the account (STS) and the name (infra.names.LIVENESS_CLIENT_ROLE).
    liveness_client_role_arn: str = ""
    liveness_client_role_name: str = "iamsmart-liveness-client"
    face_stepup_state_machine_arn: str = ""

    # Data exchange (iamsmart.exchange): registry and consents, the citizen's access log, and
    # the fetch workflow.
    exchange_table: str = "iamsmart-exchange"
    accesslog_table: str = "iamsmart-accesslog"
    exchange_fetch_state_machine_arn: str = ""

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        raw: dict[str, object] = {}
        for name, field in cls.model_fields.items():
            key = name.upper()
            if key not in env:
                continue
            value: object = env[key]
            if field.annotation in (dict[str, str],):
                try:
                    value = json.loads(env[key])
                except json.JSONDecodeError as exc:
                    raise SettingsError(f"{key} is not valid JSON") from exc
            raw[name] = value
        if "region" not in raw and env.get("AWS_REGION"):
            raw["region"] = env["AWS_REGION"]
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise SettingsError(f"invalid settings: {exc}") from exc


@functools.cache
def settings() -> Settings:
    """The process-wide settings, validated once (call ``settings.cache_clear()`` in tests)."""
    return Settings.from_environ()
