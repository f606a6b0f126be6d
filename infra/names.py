"""The one constants module: every table, function, state machine and key the platform has.

Both the CDK stacks (infra/stacks) and the local platform (infra/local) build from these
specs, so AWS and the laptop cannot drift apart. Tests compare them with the synthesized
template and with the PynamoDB models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = "iamsmart"
REGION = "ap-east-1"  # Hong Kong

# Deployments (``cdk -c stage=dev|prod``): several can share one account, because every name
# starts with the stage's prefix. The local platform and the tests have no stage: "iamsmart".
STAGES = ("dev", "prod")


def prefix(stage: str | None = None) -> str:
    """Where every name starts: ``iamsmart`` locally, ``iamsmart-<stage>`` in a deployment."""
    if stage is None:
        return APP
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {STAGES}, not {stage!r}")
    return f"{APP}-{stage}"


def resource_name(resource_id: str, stage: str | None = None) -> str:
    """``feeds`` -> ``iamsmart-feeds`` (local) or ``iamsmart-dev-feeds`` (stage ``dev``)."""
    return f"{prefix(stage)}-{resource_id}"


# Amazon Rekognition (face collections and Face Liveness) is not offered in Hong Kong: face
# images are processed in the face region, chosen per deployment (``cdk -c face_region=``)
# among the regions that offer BOTH collections and Face Liveness; the default is the nearest
# to Hong Kong. The face engine is a port: an in-region engine can replace Rekognition (README
# "Seams that are not real here"). Face Liveness is also offered in ap-southeast-5,
# ap-southeast-7 and sa-east-1; add one here once its face collections are confirmed there.
FACE_REGIONS = ("ap-northeast-1", "ap-south-1", "us-west-2", "us-east-1", "eu-west-1")
FACES_REGION = "ap-northeast-1"  # Tokyo
FACE_COLLECTION = "face-templates"
FACE_COLLECTION_ID = resource_name(FACE_COLLECTION)


def face_region(value: object) -> str:
    """``value`` if Rekognition collections and Face Liveness are both offered there."""
    if value not in FACE_REGIONS:
        raise ValueError(
            f"face_region {value!r} does not offer both Rekognition face collections and Face "
            f"Liveness; choose one of {', '.join(FACE_REGIONS)}")
    return str(value)
# The role whose short-lived credentials the app streams a Face Liveness video with: it allows
# rekognition:StartFaceLivenessSession and nothing else (infra/stacks/faces.py); the API
# assumes it for one session at a time (iamsmart.faces.liveness.client_credentials).
LIVENESS_CLIENT = "liveness-client"
LIVENESS_CLIENT_ROLE = resource_name(LIVENESS_CLIENT)


@dataclass(frozen=True)
class TableSpec:
    id: str  # logical id, and the settings field "<id>_table"
    partition_key: str
    sort_key: str | None = None
    ttl_attribute: str | None = None

    @property
    def name(self) -> str:
        return self.name_in()

    def name_in(self, stage: str | None = None) -> str:
        return resource_name(self.id, stage)

    @property
    def env(self) -> str:
        return f"{self.id.upper()}_TABLE"


@dataclass(frozen=True)
class FunctionSpec:
    """A plain Lambda entry point under functions/<asset>/ (the API is Chalice's, apart)."""

    id: str
    asset: str  # directory under functions/
    handler: str  # "module.function" inside that directory
    tables_read: tuple[str, ...] = ()
    tables_write: tuple[str, ...] = ()
    tables_append: tuple[str, ...] = ()  # read and PutItem only (append-only logs)
    parameters: tuple[str, ...] = ()  # SSM parameters (PARAMETERS ids) it reads
    timeout_seconds: int = 30
    memory_mb: int = 512
    environment: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.name_in()

    def name_in(self, stage: str | None = None) -> str:
        return resource_name(self.id, stage)

    @property
    def source(self) -> Path:
        return ROOT / "functions" / self.asset


@dataclass(frozen=True)
class StateMachineSpec:
    id: str
    file: str  # under statemachines/
    functions: tuple[str, ...]  # substituted as ${<FunctionId>Arn}, e.g. ${FeedsFetchArn}
    express: bool = False

    @property
    def name(self) -> str:
        return self.name_in()

    def name_in(self, stage: str | None = None) -> str:
        return resource_name(self.id, stage)

    @property
    def env(self) -> str:
        """The variable that hands the code which starts this machine its ARN (the CDK in
        AWS, ``state_machine_environment`` locally): ``face-stepup`` ->
        ``FACE_STEPUP_STATE_MACHINE_ARN``."""
        return self.id.upper().replace("-", "_") + "_STATE_MACHINE_ARN"

    def arn_in(self, region: str, account: str, stage: str | None = None) -> str:
        return f"arn:aws:states:{region}:{account}:stateMachine:{self.name_in(stage)}"

    @property
    def path(self) -> Path:
        return ROOT / "statemachines" / self.file


def substitution_key(function_id: str) -> str:
    """``feeds-fetch`` -> ``FeedsFetchArn`` (the ASL placeholder for that function)."""
    return "".join(part.capitalize() for part in function_id.split("-")) + "Arn"


TABLES: dict[str, TableSpec] = {
    t.id: t
    for t in (
        # Latest good document per feed (and the last failure, kept apart from it).
        TableSpec("feeds", partition_key="feed", ttl_attribute="expires_at"),
        # The service catalogue (seeded from the 2023 plan's 51 services).
        TableSpec("services", partition_key="id"),
        # Citizens' accounts (identity), and uniqueness guards beside them ("hkid#<hash>").
        TableSpec("accounts", partition_key="id"),
        # Passkeys ("passkey#<credential id>") and app device keys ("device#<id>") per account.
        TableSpec("authenticators", partition_key="account_id", sort_key="id"),
        # SSO sessions (sort key: hash of the cookie secret) and login transactions.
        TableSpec("sessions", partition_key="pk", sort_key="sk", ttl_attribute="expires_at"),
        # Relying parties (OIDC clients) registered by departments.
        TableSpec("clients", partition_key="client_id"),
        # OIDC grants through their life (PAR -> code -> tokens) and replay guards (jti).
        TableSpec("grants", partition_key="pk", ttl_attribute="expires_at"),
        # What each citizen agreed to share with each relying party (connected services).
        TableSpec("consents", partition_key="account_id", sort_key="client_id"),
        # Registration: applications (pk = application id, sk = "application"), idempotency
        # keys, intake counters, the manual-review queue (pk "review") and the local
        # notification outbox (pk "outbox"). Transient: every item expires (TTL).
        TableSpec("applications", partition_key="pk", sort_key="sk", ttl_attribute="expires_at"),
        # Data exchange: provider registry ("provider"/<id>), consumer registrations
        # ("consumer"/<client id>) and consents ("consent#<account id>"/<consent id>).
        TableSpec("exchange", partition_key="pk", sort_key="sk", ttl_attribute="ttl"),
        # The citizen's append-only access log (sk "<ms>#<event id>"): PutItem and Query only.
        TableSpec("accesslog", partition_key="account_id", sort_key="sk",
                  ttl_attribute="expires_at"),
        # Where citizens register in person (kiosks, post-office counters, mobile teams with
        # their upcoming visits): maintained by operators (python -m tools.sites).
        TableSpec("sites", partition_key="id"),
        # API key registry: API Gateway key id -> who holds it (a department, a registration
        # site, a registration staff member). Written by the code that issues keys (local
        # provisioning, the operator CLIs); read by the API, which never asks API Gateway.
        TableSpec("apikeys", partition_key="key_id"),
    )
}

FUNCTIONS: dict[str, FunctionSpec] = {
    f.id: f
    for f in (
        FunctionSpec("feeds-plan", asset="feeds", handler="handler.plan"),
        FunctionSpec("feeds-fetch", asset="feeds", handler="handler.fetch",
                     tables_write=("feeds",), timeout_seconds=30),
        FunctionSpec("feeds-record-failure", asset="feeds", handler="handler.record_failure",
                     tables_write=("feeds",)),
        # Registration (statemachines/registration.asl.json) and its SQS drainer.
        FunctionSpec("registration-drain", asset="registration", handler="handler.drain"),
        FunctionSpec("registration-validate", asset="registration", handler="handler.validate",
                     tables_write=("applications",)),
        FunctionSpec("registration-duplicate-check", asset="registration",
                     handler="handler.duplicate_check", tables_read=("accounts",),
                     tables_write=("applications",)),
        FunctionSpec("registration-evidence", asset="registration", handler="handler.evidence",
                     tables_write=("applications",), parameters=("csca-master-list",)),
        FunctionSpec("registration-immigration", asset="registration",
                     handler="handler.immigration", tables_write=("applications",),
                     parameters=("csca-master-list",)),
        FunctionSpec("registration-face", asset="registration", handler="handler.face",
                     tables_write=("applications",), timeout_seconds=60, memory_mb=2048),
        FunctionSpec("registration-decide", asset="registration", handler="handler.decide",
                     tables_write=("applications",)),
        FunctionSpec("registration-review", asset="registration", handler="handler.open_review",
                     tables_write=("applications",)),
        FunctionSpec("registration-create-account", asset="registration",
                     handler="handler.create_account", tables_read=("accounts",),
                     tables_write=("applications", "accounts", "authenticators")),
        FunctionSpec("registration-finish", asset="registration", handler="handler.finish",
                     tables_write=("applications",)),
        FunctionSpec("registration-notify", asset="registration", handler="handler.notify",
                     tables_write=("applications",), parameters=("public-url",)),
        # Face step-up (statemachines/face_stepup.asl.json, Express, started by the API).
        FunctionSpec("face-validate", asset="faces", handler="handler.validate"),
        FunctionSpec("face-liveness", asset="faces", handler="handler.liveness",
                     tables_write=("sessions",)),
        FunctionSpec("face-match", asset="faces", handler="handler.match",
                     tables_read=("accounts",), timeout_seconds=30, memory_mb=2048),
        FunctionSpec("face-decide", asset="faces", handler="handler.decide",
                     tables_write=("sessions",)),
        FunctionSpec("face-failed", asset="faces", handler="handler.failed",
                     tables_write=("sessions",)),
        FunctionSpec("face-audit", asset="faces", handler="handler.audit",
                     tables_append=("accesslog",)),
        FunctionSpec("face-discard", asset="faces", handler="handler.discard"),
        # One signed call to one data provider (statemachines/exchange_fetch.asl.json): signs
        # with the OIDC signing key (kms:Sign), reads and writes no table.
        FunctionSpec("exchange-call", asset="exchange", handler="handler.call",
                     parameters=("public-url",), timeout_seconds=15),
    )
}

STATE_MACHINES: dict[str, StateMachineSpec] = {
    s.id: s
    for s in (
        StateMachineSpec("refresh-feeds", file="refresh_feeds.asl.json",
                         functions=("feeds-plan", "feeds-fetch", "feeds-record-failure")),
        StateMachineSpec("registration", file="registration.asl.json",
                         functions=tuple(f for f in FUNCTIONS
                                         if f.startswith("registration-")
                                         and f != "registration-drain")),
        StateMachineSpec("face-stepup", file="face_stepup.asl.json",
                         functions=tuple(f for f in FUNCTIONS if f.startswith("face-")),
                         express=True),
        # Express (StartSyncExecution by the API; the emulator serves it: infra/local/express.py).
        StateMachineSpec("exchange-fetch", file="exchange_fetch.asl.json",
                         functions=("exchange-call",), express=True),
    )
}

# Data every deployment starts with (infra.seeding: the seed CLI in AWS, the local platform
# on the emulator): "module:function" callables taking no arguments, idempotent, run in this
# order. SANDBOX_SEEDERS only with sandbox data (never in prod).
SEEDERS = (
    "iamsmart.catalogue.logic:seed_catalogue",
    "iamsmart.faces.templates:seed_local_template_key",
)
SANDBOX_SEEDERS = (
    "iamsmart.identity.accounts:seed_sandbox_citizens",
    "iamsmart.sites.logic:seed_sandbox_sites",
)

# How often public information is refreshed (EventBridge Scheduler in AWS; a timer locally).
FEEDS_REFRESH_MINUTES = 10

# Tables the HTTP API reads and writes.
API_TABLES_READ = ("feeds", "services", "accounts", "authenticators", "sessions", "clients",
                   "grants", "consents", "applications", "exchange", "accesslog", "sites",
                   "apikeys")
API_TABLES_WRITE = ("services", "accounts", "authenticators", "sessions", "grants", "consents",
                    "applications", "exchange")
# Tables the API may only add items to (PutItem), never change or delete: the access log.
API_TABLES_APPEND = ("accesslog",)
# KMS keys the HTTP API uses directly: every key with its stage's oidc_signing_tag (signing,
# JWKS) and these HMAC keys (GenerateMac).
API_MAC_KEYS = ("token-hmac",)
# SSM parameters the HTTP API reads (infra.names.PARAMETERS): the public origin.
API_PARAMETERS = ("public-url",)


# Paths served by the API (CloudFront behaviours in AWS, the local front server here);
# everything else is the static site.
API_PATHS = ("/v1/*", "/.well-known/*", "/healthz")
# Of those, the public reads that CloudFront may cache for as long as the API's own
# ``Cache-Control: public, max-age`` says (keyed by path and query string only): the home
# page's feeds, the service catalogue, registration sites, discovery, the signing keys and
# the API document. A unit test checks that every GET under them is public (no key, no
# session, no header) and that every public GET is under them (tests/unit/test_openapi.py).
CACHED_API_PATHS = ("/v1/info/*", "/v1/services", "/v1/services/*", "/v1/sites",
                    "/v1/openapi.json", "/v1/oidc/jwks", "/.well-known/*")

# Security headers of the static site: CloudFront's response headers policy in AWS, and the
# local server, both take them from here.
WEB_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
WEB_SECURITY_HEADERS = {
    "Content-Security-Policy": WEB_CSP,
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(self), geolocation=(), microphone=()",
}

# Headers of every error the gateway answers itself (API Gateway's gateway responses in AWS,
# the local front server here): the site's security headers, JSON, never cached.
GATEWAY_ERROR_HEADERS = {
    **WEB_SECURITY_HEADERS,
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class GatewayAnswer:
    """An answer the gateway gives itself, before the API function runs, in the platform's
    error shape (the one of functions/api/chalicelib/http.py's ``error_response``)."""

    status: int | None  # None: keeps the status API Gateway chose (the DEFAULT_ types)
    code: str
    en: str
    tc: str
    retry_after: int | None = None

    def body(self) -> dict[str, object]:
        return {"error": self.code, "error_description": self.en,
                "message": {"en": self.en, "tc": self.tc}}


# API Gateway's gateway response types (AWS::ApiGateway::GatewayResponse) and what each
# answers; the local front server answers the same from this table. MISSING_AUTHENTICATION_TOKEN
# is API Gateway's answer for both an unknown path and a method the path does not declare
# (HEAD included): one 404 for both, here and locally.
API_KEY_REFUSED = GatewayAnswer(403, "forbidden", "A valid API key is required.",
                                "需要有效的 API 密鑰。")
GATEWAY_ANSWERS: dict[str, GatewayAnswer] = {
    "DEFAULT_4XX": GatewayAnswer(None, "invalid_request", "The request was refused.",
                                 "請求被拒絕。"),
    "DEFAULT_5XX": GatewayAnswer(None, "error", "Something went wrong.", "發生錯誤。"),
    "API_KEY_REQUIRED": API_KEY_REFUSED,
    "INVALID_API_KEY": API_KEY_REFUSED,
    "THROTTLED": GatewayAnswer(429, "too_many_requests", "Too many requests.",
                               "請求過於頻繁。", retry_after=1),
    "QUOTA_EXCEEDED": GatewayAnswer(429, "quota_exceeded", "The daily quota is used up.",
                                    "今日配額已用完。", retry_after=3600),
    "MISSING_AUTHENTICATION_TOKEN": GatewayAnswer(
        404, "not_found", "No such API path, or this method is not available on it.",
        "沒有此 API 路徑，或此路徑不提供此請求方法。"),
    "WAF_FILTERED": GatewayAnswer(403, "forbidden", "This request was blocked.",
                                  "此請求已被攔截。"),
    "INTEGRATION_TIMEOUT": GatewayAnswer(
        504, "timeout", "The service took too long to answer. Please try again.",
        "服務回應逾時，請再試。"),
}


def table_environment(stage: str | None = None) -> dict[str, str]:
    return {t.env: t.name_in(stage) for t in TABLES.values()}


# --- KMS keys that are not table keys (signing, keyed hashes) ---------------------------

@dataclass(frozen=True)
class KeySpec:
    """A customer-managed KMS key the code uses directly, reached through its alias."""

    id: str
    key_spec: str  # KMS KeySpec
    key_usage: str  # KMS KeyUsage
    description: str
    # Its public half is published in the OIDC JWKS (``oidc_signing_tag``: per deployment).
    signing: bool = False
    # Who may use the key (its KMS key policy names their roles, ``role_name``): function ids
    # of FUNCTIONS, or API_ROLE for the HTTP API; nobody else, key administrators included.
    users: tuple[str, ...] = ()
    # What they may do with it (KMS actions); administrators may manage, never use, the key.
    usage: tuple[str, ...] = ()

    @property
    def alias(self) -> str:
        return self.alias_in()

    def alias_in(self, stage: str | None = None) -> str:
        return f"alias/{resource_name(self.id, stage)}"

    def tags_in(self, stage: str | None = None) -> tuple[tuple[str, str], ...]:
        """The key's tags in one deployment: a signing key's names the deployment's alias."""
        return (oidc_signing_tag(stage),) if self.signing else ()

    @property
    def env(self) -> str:
        """``oidc-signing`` -> ``OIDC_SIGNING_KEY_ALIAS`` (settings field ``..._key_alias``)."""
        return f"{self.id.upper().replace('-', '_')}_KEY_ALIAS"


# Tag marking a key whose public half is published in one deployment's OIDC JWKS: its value
# is that deployment's signing alias, so stages sharing an account never publish (or sign
# with) each other's keys. Every enabled key so tagged is published: the alias target signs,
# older enabled keys stay for verification (iamsmart.oidc.signing reads the same tag).
OIDC_SIGNING_TAG_KEY = "iamsmart:oidc-signing-for"


def oidc_signing_tag(stage: str | None = None) -> tuple[str, str]:
    return OIDC_SIGNING_TAG_KEY, KEYS["oidc-signing"].alias_in(stage)


KEYS: dict[str, KeySpec] = {
    k.id: k
    for k in (
        KeySpec("oidc-signing", key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY",
                description="Signs ID tokens and receipts (ES256)", signing=True,
                users=("api", "exchange-call"), usage=("kms:Sign",)),
        KeySpec("hkid-hmac", key_spec="HMAC_256", key_usage="GENERATE_VERIFY_MAC",
                description="Keyed hash (HMAC-SHA-256) of HKID numbers for lookups",
                users=("registration-duplicate-check",), usage=("kms:GenerateMac",)),
        KeySpec("token-hmac", key_spec="HMAC_256", key_usage="GENERATE_VERIFY_MAC",
                description="Derives pairwise subject identifiers and DPoP nonces",
                users=("api",), usage=("kms:GenerateMac",)),
    )
}


# The HTTP API's role, as a user of keys (KeySpec.users).
API_ROLE = "api"


def role_name(user: str, stage: str) -> str:
    """The IAM role of a key user (a function id, or API_ROLE) in one deployment: named, so a
    key policy can name it before the role exists (``iamsmart-dev-api-role``)."""
    return resource_name(f"{user}-role", stage)


def key_environment(stage: str | None = None) -> dict[str, str]:
    return {k.env: k.alias_in(stage) for k in KEYS.values()}


def state_machine_environment(region: str, account: str,
                              stage: str | None = None) -> dict[str, str]:
    """Every machine's ARN under its variable (the local platform; the CDK sets the same
    variables from the machines it creates)."""
    return {m.env: m.arn_in(region, account, stage) for m in STATE_MACHINES.values()}


# --- registration intake: a queue in front of the workflow, and transient evidence ------

@dataclass(frozen=True)
class QueueSpec:
    """An SQS queue (with its dead-letter queue) drained by a function of ``FUNCTIONS``."""

    id: str
    consumer: str  # function id (infra.names.FUNCTIONS) with an SQS event source
    batch_size: int = 10
    # Concurrent consumer invocations at most (the ESM's MaximumConcurrency, >= 2): with the
    # batch size and the consumer's duration this bounds the start rate of the workflow.
    max_concurrency: int = 5
    visibility_timeout_seconds: int = 60
    max_receive_count: int = 5  # then to the dead-letter queue
    retention_days: int = 4

    @property
    def name(self) -> str:
        return self.name_in()

    def name_in(self, stage: str | None = None) -> str:
        return resource_name(self.id, stage)

    @property
    def dlq_name(self) -> str:
        return self.dlq_name_in()

    def dlq_name_in(self, stage: str | None = None) -> str:
        return resource_name(f"{self.id}-dlq", stage)


QUEUES: dict[str, QueueSpec] = {
    q.id: q
    for q in (
        # Registration applications accepted by the intake API (message: the application id).
        QueueSpec("registrations", consumer="registration-drain"),
    )
}

# Card, chip and selfie images of registration applications: deleted by the workflow after the
# decision; the bucket's lifecycle deletes whatever is left after this many days.
EVIDENCE_BUCKET_ID = "evidence"
EVIDENCE_LIFECYCLE_DAYS = 3


# --- API key usage plans (API Gateway throttle and quota per key) -------------------------

@dataclass(frozen=True)
class UsagePlanSpec:
    """A usage plan every key of one kind joins when it is issued (``iamsmart.apikeys``)."""

    id: str
    rate: float  # requests per second per key, steady
    burst: int
    quota_per_day: int
    description: str

    @property
    def name(self) -> str:
        return self.name_in()

    def name_in(self, stage: str | None = None) -> str:
        """``iamsmart-api-sites`` locally, ``iamsmart-dev-api-sites`` in stage ``dev``."""
        return resource_name(f"api-{self.id}", stage)


USAGE_PLANS: dict[str, UsagePlanSpec] = {
    p.id: p
    for p in (
        UsagePlanSpec("departments", rate=50, burst=100, quota_per_day=100_000,
                      description="Department and business API keys"),
        # One key per kiosk, post-office counter and mobile team (the sites table).
        UsagePlanSpec("sites", rate=10, burst=20, quota_per_day=10_000,
                      description="Registration sites: one key per kiosk, counter, mobile team"),
        UsagePlanSpec("staff", rate=20, burst=40, quota_per_day=20_000,
                      description="Registration staff (manual review console)"),
    )
}
# Which usage plan a key of each registry kind joins.
USAGE_PLAN_OF_KIND = {"department": "departments", "site": "sites",
                      "registration-staff": "staff"}


# --- SSM parameters: configuration a deploy (or an operator) writes, read at run time ------

@dataclass(frozen=True)
class ParameterSpec:
    """An SSM parameter the functions read lazily (``iamsmart.parameters``), by its name."""

    id: str
    description: str

    @property
    def name(self) -> str:
        return self.name_in()

    def name_in(self, stage: str | None = None) -> str:
        """``/iamsmart-public-url`` locally, ``/iamsmart-dev-public-url`` in stage ``dev``."""
        return f"/{resource_name(self.id, stage)}"

    @property
    def env(self) -> str:
        """``public-url`` -> ``PUBLIC_URL_PARAMETER`` (settings field ``..._parameter``)."""
        return f"{self.id.upper().replace('-', '_')}_PARAMETER"


PARAMETERS: dict[str, ParameterSpec] = {
    p.id: p
    for p in (
        # The portal's public origin (OIDC issuer, WebAuthn origin): the web stack writes
        # https://<CloudFront domain> (or the own domain) on the first deploy; the local
        # platform writes its loopback origin to the same parameter in the emulator.
        ParameterSpec("public-url", "The portal's public origin (OIDC issuer, WebAuthn "
                                    "origin)"),
        # Trust anchors for smart HKID chips: a PEM bundle of CSCA certificates (the
        # Immigration Department's, from the ICAO master list), written by the seed CLI.
        ParameterSpec("csca-master-list", "Trusted country signing CA certificates (PEM) "
                                          "for smart HKID chip data"),
    )
}


def parameter_environment(stage: str | None = None) -> dict[str, str]:
    return {p.env: p.name_in(stage) for p in PARAMETERS.values()}

