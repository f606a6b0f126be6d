"""Workflows: the plain Lambda functions and the state machines that run them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.constructs.alarms import Alarms
from infra.constructs.buckets import log_bucket, private_bucket
from infra.constructs.functions import PythonFunction
from infra.constructs.keys import grant_signing
from infra.constructs.nag import acknowledge
from infra.constructs.tables import EncryptedTable
from infra.constructs.workflow import AslStateMachine
from infra.layers import Layers
from infra.names import (
    EVIDENCE_BUCKET_ID,
    EVIDENCE_LIFECYCLE_DAYS,
    FEEDS_REFRESH_MINUTES,
    FUNCTIONS,
    QUEUES,
    STATE_MACHINES,
)
from infra.stacks.config import DeployConfig
from infra.stacks.data import construct_id
from infra.stacks.environment import function_environment
from infra.stacks.faces import rekognition_grants


@dataclass(frozen=True)
class WorkflowResources:
    """What the API uses of this stack: registration's evidence bucket (also holding step-up
    selfies until the decision), its intake queue and workflow, and the face step-up."""

    evidence_bucket: s3.IBucket
    queue: sqs.IQueue
    state_machine: sfn.IStateMachine
    face_stepup: sfn.IStateMachine
    exchange_fetch: sfn.IStateMachine


class WorkflowsStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        tables: Mapping[str, EncryptedTable],
        alarm_topic: sns.ITopic,
        keys: Mapping[str, kms.IKey] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id_, **kwargs)
        config = DeployConfig.of(self)
        layers = Layers(self, "Layers")
        alarms = self.alarms = Alarms(self, "Alarms", topic=alarm_topic, config=config)
        environment = dict(function_environment(config))

        # Registration evidence: images and chip data only until the decision (the workflow
        # deletes them); the lifecycle rule removes anything left behind.
        evidence_logs = log_bucket(self, "EvidenceAccessLogs", config=config)
        self.evidence_bucket = private_bucket(
            self, construct_id(EVIDENCE_BUCKET_ID), config=config, access_logs=evidence_logs,
            prefix="evidence",
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(EVIDENCE_LIFECYCLE_DAYS),
                                              abort_incomplete_multipart_upload_after=Duration
                                              .days(1))],
        )
        environment["EVIDENCE_BUCKET"] = self.evidence_bucket.bucket_name

        #: function id (infra.names.FUNCTIONS) -> its construct
        self.functions: dict[str, PythonFunction] = {}
        for spec in FUNCTIONS.values():
            fn = PythonFunction(
                self,
                construct_id(spec.id),
                spec=spec,
                layers=layers.all,
                environment=environment,
                tables=tables,
                config=config,
            )
            self.functions[spec.id] = fn
            # Every workflow function's task is named as the function (a unit test checks).
            alarms.function(spec.id, fn.function, task=spec.id)

        arns = {fid: fn.function for fid, fn in self.functions.items()}
        #: state machine id (infra.names.STATE_MACHINES) -> its construct
        self.state_machines: dict[str, AslStateMachine] = {}
        for sm_spec in STATE_MACHINES.values():
            machine = AslStateMachine(
                self, construct_id(sm_spec.id), spec=sm_spec, functions=arns, config=config
            )
            self.state_machines[sm_spec.id] = machine
            alarms.state_machine(sm_spec.id, machine.state_machine)

        self._registration(keys, config)
        self._faces(config)
        # Provider calls are signed with the OIDC signing keys (the gateway's signature).
        grant_signing(self.functions["exchange-call"].role, config)

        refresh = self.state_machines["refresh-feeds"].state_machine
        self.refresh_schedule = scheduler.Schedule(
            self,
            "RefreshFeedsSchedule",
            description=f"Start refresh-feeds every {FEEDS_REFRESH_MINUTES} minutes",
            schedule=scheduler.ScheduleExpression.rate(Duration.minutes(FEEDS_REFRESH_MINUTES)),
            target=targets.StepFunctionsStartExecution(refresh),
        )

    def _faces(self, config: DeployConfig) -> None:
        """Step-up tasks read and discard the selfie the API staged, and call Rekognition
        (in its own region) for what each step does."""
        selfies = self.evidence_bucket.arn_for_objects("stepup/*")
        rekognition = {"face-validate": dict(templates=False, liveness=False, compare=True),
                       "face-liveness": dict(templates=False, liveness=True, compare=False),
                       "face-match": dict(templates=True, liveness=False, compare=True),
                       "registration-face": dict(templates=False, liveness=False,
                                                 compare=True)}
        for fid, fn in self.functions.items():
            if fid.startswith("face-"):
                fn.role.add_to_policy(iam.PolicyStatement(
                    actions=["s3:GetObject", "s3:DeleteObject"], resources=[selfies]))
                acknowledge(fn.role, {"AwsSolutions-IAM5[Resource::<Evidence4CC26D68.Arn>/"
                                      "stepup/*]": "Step-up selfies only, one object per "
                                      "attempt, named at run time."})
            if fid in rekognition:
                rekognition_grants(fn.role, config, **rekognition[fid])
                acknowledge(fn.role, {"AwsSolutions-IAM5[Resource::*]": "Rekognition's "
                                      "CompareFaces, DetectFaces and liveness results take "
                                      "no resource scope."})

    def _registration(self, keys: Mapping[str, kms.IKey] | None,
                      config: DeployConfig) -> None:
        """The intake queue (with its dead-letter queue) drained into the registration state
        machine at a bounded rate, and the grants the registration functions need."""
        tasks = [fn for fid, fn in self.functions.items()
                 if fid.startswith("registration-") and fid != "registration-drain"]
        for fn in tasks:
            fn.role.add_to_policy(iam.PolicyStatement(
                actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                resources=[self.evidence_bucket.arn_for_objects("applications/*")]))
            fn.role.add_to_policy(iam.PolicyStatement(
                actions=["s3:ListBucket"], resources=[self.evidence_bucket.bucket_arn]))
            acknowledge(fn.role, {"AwsSolutions-IAM5[Resource::<Evidence4CC26D68.Arn>/"
                                  "applications/*]": "Objects of registration applications "
                                  "only: one prefix per application, named at run time."})
        #: queue id (infra.names.QUEUES) -> its queue
        self.queues: dict[str, sqs.Queue] = {}
        for spec in QUEUES.values():
            dlq = sqs.Queue(self, f"{construct_id(spec.id)}Dlq",
                            queue_name=spec.dlq_name_in(config.stage), enforce_ssl=True,
                            encryption=sqs.QueueEncryption.SQS_MANAGED,
                            retention_period=Duration.days(14))
            queue = sqs.Queue(
                self, construct_id(spec.id), queue_name=spec.name_in(config.stage),
                enforce_ssl=True,
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                visibility_timeout=Duration.seconds(spec.visibility_timeout_seconds),
                retention_period=Duration.days(spec.retention_days),
                dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=spec.max_receive_count,
                                                      queue=dlq),
            )
            acknowledge(dlq, {"AwsSolutions-SQS3": "This is the dead-letter queue."})
            self.alarms.dead_letter_queue(f"{spec.id}-dlq", dlq)
            consumer = self.functions[spec.consumer].function
            consumer.add_event_source(event_sources.SqsEventSource(
                queue, batch_size=spec.batch_size, max_concurrency=spec.max_concurrency,
                report_batch_item_failures=True))
            self.queues[spec.id] = queue
        machine = self.state_machines["registration"].state_machine
        drain = self.functions["registration-drain"]
        drain.role.add_to_policy(iam.PolicyStatement(
            actions=["states:StartExecution"], resources=[machine.state_machine_arn]))
        # The machine's name carries the stage: tell the drainer its ARN.
        drain.function.add_environment(STATE_MACHINES["registration"].env,
                                       machine.state_machine_arn)
        #: what the API's intake and staff routes use (queue, evidence, the machine's tokens)
        self.resources = WorkflowResources(
            evidence_bucket=self.evidence_bucket, queue=self.queues["registrations"],
            state_machine=machine,
            face_stepup=self.state_machines["face-stepup"].state_machine,
            exchange_fetch=self.state_machines["exchange-fetch"].state_machine)
        if keys is not None and "hkid-hmac" in keys:
            keys["hkid-hmac"].grant(self.functions["registration-duplicate-check"].role,
                                    "kms:GenerateMac")

