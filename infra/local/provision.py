"""Create the platform's AWS resources on moto from ``infra.names`` and seed sandbox data.

The same specs feed the CDK stacks, so what runs locally is what deploys. Works against any
boto3 endpoint (the embedded server, or ``moto.mock_aws`` in tests). Seeding is
``infra.seeding``'s, the very code the seed CLI runs against AWS (with ``--sandbox``).
"""

from __future__ import annotations

import io
import json
import re
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import Any

from iamsmart import aws
from infra import seeding
from infra.names import (
    APP,
    EVIDENCE_LIFECYCLE_DAYS,
    FUNCTIONS,
    KEYS,
    PARAMETERS,
    QUEUES,
    REGION,
    STATE_MACHINES,
    TABLES,
    USAGE_PLANS,
    KeySpec,
    StateMachineSpec,
    key_environment,
    substitution_key,
)

LAMBDA_ROLE = f"{APP}-local-lambda"
STATES_ROLE = f"{APP}-local-states"


@dataclass
class Platform:
    """What was provisioned: ARNs and sandbox credentials."""

    functions: dict[str, str] = field(default_factory=dict)  # id -> ARN
    state_machines: dict[str, str] = field(default_factory=dict)  # id -> ARN
    department_keys: dict[str, str] = field(default_factory=dict)  # abbr -> key value
    # Registration sites and staff: name -> key value (see registration_keys)
    registration_keys: dict[str, str] = field(default_factory=dict)

    def run(self, machine: str, payload: dict[str, Any] | None = None,
            timeout: float = 60.0) -> dict[str, Any]:
        """Start a state machine and wait for it; returns describe_execution's answer."""
        sfn = aws.client("stepfunctions")
        arn = sfn.start_execution(stateMachineArn=self.state_machines[machine],
                                  name=f"{machine}-{uuid.uuid4().hex}",
                                  input=json.dumps(payload or {}))["executionArn"]
        deadline = time.monotonic() + timeout
        while True:
            desc = sfn.describe_execution(executionArn=arn)
            if desc["status"] != "RUNNING":
                return desc
            if time.monotonic() > deadline:
                raise TimeoutError(f"{machine} still running after {timeout}s")
            time.sleep(0.05)


def create_tables(stage: str | None = None) -> None:
    """Every table of ``infra.names.TABLES`` (named for ``stage``: a deployment's, in tests)."""
    ddb = aws.client("dynamodb")
    for spec in TABLES.values():
        name = spec.name_in(stage)
        keys = [{"AttributeName": spec.partition_key, "KeyType": "HASH"}]
        attrs = [{"AttributeName": spec.partition_key, "AttributeType": "S"}]
        if spec.sort_key:
            keys.append({"AttributeName": spec.sort_key, "KeyType": "RANGE"})
            attrs.append({"AttributeName": spec.sort_key, "AttributeType": "S"})
        ddb.create_table(TableName=name, KeySchema=keys, AttributeDefinitions=attrs,
                         BillingMode="PAY_PER_REQUEST")
        if spec.ttl_attribute:
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
                "Enabled": True, "AttributeName": spec.ttl_attribute})


def _role(name: str, service: str) -> str:
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
    return aws.client("iam").create_role(RoleName=name,
                                         AssumeRolePolicyDocument=json.dumps(policy))["Role"]["Arn"]


def _zip(spec_source: Any) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted(spec_source.rglob("*.py")):
            zf.write(path, path.relative_to(spec_source).as_posix())
    return buf.getvalue()


def create_functions(environment: dict[str, str]) -> dict[str, str]:
    role = _role(LAMBDA_ROLE, "lambda.amazonaws.com")
    client = aws.client("lambda")
    arns = {}
    for spec in FUNCTIONS.values():
        arns[spec.id] = client.create_function(
            FunctionName=spec.name, Runtime="python3.12", Role=role, Handler=spec.handler,
            Code={"ZipFile": _zip(spec.source)}, Timeout=spec.timeout_seconds,
            MemorySize=spec.memory_mb,
            Environment={"Variables": {**environment, **spec.environment}},
        )["FunctionArn"]
    return arns


_SLEEPY = re.compile(r'"(IntervalSeconds|Seconds|MaxDelaySeconds)"\s*:\s*(\d+)')


def definition(spec: StateMachineSpec, function_arns: dict[str, str], fast: bool) -> str:
    """The ASL file with its substitutions applied (and, for fast local runs, waits ≤ 1 s)."""
    text = spec.path.read_text(encoding="utf-8")
    for fid in spec.functions:
        text = text.replace("${" + substitution_key(fid) + "}", function_arns[fid])
    if "${" in text:
        raise ValueError(f"{spec.file}: unsubstituted placeholder left")
    if fast:
        text = _SLEEPY.sub(lambda m: f'"{m.group(1)}": {min(int(m.group(2)), 1)}', text)
    return text


def create_state_machines(function_arns: dict[str, str], fast: bool) -> dict[str, str]:
    role = _role(STATES_ROLE, "states.amazonaws.com")
    sfn = aws.client("stepfunctions")
    arns = {}
    for spec in STATE_MACHINES.values():
        arns[spec.id] = sfn.create_state_machine(
            name=spec.name, roleArn=role, definition=definition(spec, function_arns, fast),
            type="EXPRESS" if spec.express else "STANDARD",
        )["stateMachineArn"]
    return arns


def create_usage_plans(stage: str | None = None) -> dict[str, str]:
    """Every usage plan of ``infra.names.USAGE_PLANS`` (id -> plan id), as the API stack has."""
    apigw = aws.client("apigateway")
    return {spec.id: apigw.create_usage_plan(
        name=spec.name_in(stage), description=spec.description,
        throttle={"rateLimit": float(spec.rate), "burstLimit": spec.burst},
        quota={"limit": spec.quota_per_day, "period": "DAY"})["id"]
        for spec in USAGE_PLANS.values()}


def create_department_keys() -> dict[str, str]:
    """The sandbox departments' API keys, issued as the seed CLI issues keys (through the API
    key registry, ``iamsmart.apikeys``). Abbreviation -> value."""
    departments, _ = seeding.sandbox_keys()
    keys = {abbr: seeding.issue_key(request, None) for abbr, request in departments.items()}
    return {abbr: value for abbr, value in keys.items() if value is not None}


def create_parameters(public_url: str, stage: str | None = None) -> None:
    """What the web stack writes on a deploy: the public origin (OIDC issuer, WebAuthn
    origin). Functions read it from SSM here as in AWS (``iamsmart.origin``)."""
    from iamsmart import parameters

    spec = PARAMETERS["public-url"]
    aws.client("ssm").put_parameter(Name=spec.name_in(stage), Value=public_url, Type="String",
                                    Overwrite=True, Description=spec.description)
    parameters.reset()


def create_key(spec: KeySpec, *, point_alias: bool = True) -> str:
    """A KMS key as specified (tags included); the alias points at it. Returns its ARN.

    Calling it again for the same spec is a rotation: a new key becomes the alias target and
    the previous one stays enabled (still published in the JWKS) until it is disabled.
    """
    kms = aws.client("kms")
    meta = kms.create_key(
        Description=spec.description, KeySpec=spec.key_spec, KeyUsage=spec.key_usage,
        Tags=[{"TagKey": k, "TagValue": v} for k, v in spec.tags_in()],
    )["KeyMetadata"]
    if point_alias:
        try:
            kms.update_alias(AliasName=spec.alias, TargetKeyId=meta["KeyId"])
        except kms.exceptions.NotFoundException:
            kms.create_alias(AliasName=spec.alias, TargetKeyId=meta["KeyId"])
    return meta["Arn"]


def create_keys() -> dict[str, str]:
    """Every key in ``infra.names.KEYS`` (id -> ARN)."""
    return {spec.id: create_key(spec) for spec in KEYS.values()}


def seed() -> seeding.Report | None:
    """Seed as the seed CLI seeds a stage with ``--sandbox`` (``infra.seeding``)."""
    return seeding.seed(seeding.Plan(stage=None, sandbox=True))


def create_evidence_bucket() -> str:
    """The registration evidence bucket (images until the decision; lifecycle as in AWS)."""
    from iamsmart.settings import settings

    s3 = aws.client("s3")
    name = settings().evidence_bucket
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [{
        "ID": "evidence-expires", "Status": "Enabled", "Filter": {"Prefix": ""},
        "Expiration": {"Days": EVIDENCE_LIFECYCLE_DAYS}}]})
    return name


def create_queues(function_arns: dict[str, str]) -> dict[str, str]:
    """Every queue of ``infra.names.QUEUES`` with its dead-letter queue, drained by its
    consumer function through an event source mapping (moto delivers to it on send, so
    locally the workflow starts as soon as an application is queued)."""
    sqs = aws.client("sqs")
    urls = {}
    for spec in QUEUES.values():
        dlq = sqs.create_queue(QueueName=spec.dlq_name)["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        url = sqs.create_queue(QueueName=spec.name, Attributes={
            "VisibilityTimeout": str(spec.visibility_timeout_seconds),
            "MessageRetentionPeriod": str(spec.retention_days * 24 * 3600),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                         "maxReceiveCount": spec.max_receive_count}),
        })["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        aws.client("lambda").create_event_source_mapping(
            EventSourceArn=arn, FunctionName=function_arns[spec.consumer],
            BatchSize=spec.batch_size, FunctionResponseTypes=["ReportBatchItemFailures"])
        urls[spec.id] = url
    return urls


# The sandbox sites whose keys tests and the device simulator use by channel name; every
# seeded site gets its own key (infra.seeding), and the sandbox reviewer one.
SANDBOX_SITE_KEYS = {"kiosk": "kiosk-sandbox-01", "counter": "counter-sandbox-01",
                     "mobile": "mobile-sandbox-01"}


def registration_keys(site_keys: dict[str, str], staff: str | None) -> dict[str, str]:
    """Site id (and ``kiosk``, ``counter``, ``mobile``, ``staff``) -> value."""
    keys = dict(site_keys)
    for name, site_id in SANDBOX_SITE_KEYS.items():
        if site_id in keys:  # absent when a test provisions without the sandbox seed
            keys[name] = keys[site_id]
    if staff is not None:
        keys["staff"] = staff
    return keys


def provision(environment: dict[str, str], *, public_url: str = "http://localhost:8000",
              fast: bool = True) -> Platform:
    """Everything the CDK app creates, then seeded as the seed CLI seeds a stage with
    ``--sandbox`` (``infra.seeding``)."""
    aws.reset()
    create_tables()
    create_keys()
    create_evidence_bucket()
    create_parameters(public_url)
    functions = create_functions({**key_environment(), **environment})
    machines = create_state_machines(functions, fast)
    create_queues(functions)
    create_usage_plans()
    report = seed()
    departments, staff = seeding.sandbox_keys()
    created = report.keys_created if report is not None else {}
    return Platform(
        functions=functions, state_machines=machines,
        department_keys={a: created[r.name] for a, r in departments.items() if r.name in created},
        registration_keys=registration_keys(report.site_keys if report is not None else {},
                                            created.get(staff.name)))
