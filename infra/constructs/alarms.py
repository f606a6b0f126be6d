"""CloudWatch alarms, all notifying one SNS topic (the Ops stack owns it).

AWS's own metrics are reached through the constructs (``fn.metric_errors()`` ...); the
platform's business metrics by their constants in ``iamsmart.metrics``, the names the code
counts with."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from iamsmart.metrics import NAMESPACE, Metric
from infra.stacks.config import DeployConfig

PERIOD = Duration.minutes(5)
# Kept under CloudWatch's ten metrics per alarm expression.
SYSTEM_ERROR_OPERATIONS = [
    dynamodb.Operation.GET_ITEM,
    dynamodb.Operation.QUERY,
    dynamodb.Operation.SCAN,
    dynamodb.Operation.PUT_ITEM,
    dynamodb.Operation.UPDATE_ITEM,
    dynamodb.Operation.DELETE_ITEM,
    dynamodb.Operation.BATCH_WRITE_ITEM,
    dynamodb.Operation.TRANSACT_WRITE_ITEMS,
]


class Alarms(Construct):
    """Adds alarms for functions, APIs, state machines and tables; one helper, one topic."""

    def __init__(self, scope: Construct, construct_id: str, *, topic: sns.ITopic,
                 config: DeployConfig) -> None:
        super().__init__(scope, construct_id)
        self._action = actions.SnsAction(topic)
        self._config = config

    def _alarm(
        self,
        construct_id: str,
        *,
        name: str,
        description: str,
        metric: cloudwatch.IMetric,
        threshold: float = 1,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=self._config.name(name),
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        return alarm

    def function(self, name: str, fn: lambda_.IFunction, *, task: str | None = None) -> None:
        """Any error, and any throttle, of one function in five minutes. A workflow task's
        function (``task``: its name, ``iamsmart.common.tasks``) raises its refusals too
        (a face that does not match, a card that fails its checks: the workflow's ``Catch``
        handles them): those it counted as refused are not errors to wake anyone for."""
        errors = fn.metric_errors(period=PERIOD, statistic="Sum")
        metric: cloudwatch.IMetric = errors
        if task is not None:
            metric = cloudwatch.MathExpression(
                expression="e - FILL(r, 0)",
                using_metrics={"e": errors, "r": cloudwatch.Metric(
                    namespace=NAMESPACE, metric_name=Metric.WORKFLOW_TASK,
                    dimensions_map={"service": self._config.prefix, "task": task,
                                    "outcome": "refused"},
                    period=PERIOD, statistic="Sum")},
                period=PERIOD,
                label=f"{name} errors other than refusals",
            )
        self._alarm(
            f"{name}Errors",
            name=f"{name}-errors",
            description=f"Lambda {name} raised errors"
                        + (" (refusals its workflow handles apart)" if task else ""),
            metric=metric,
        )
        self._alarm(
            f"{name}Throttles",
            name=f"{name}-throttles",
            description=f"Lambda {name} was throttled",
            metric=fn.metric_throttles(period=PERIOD, statistic="Sum"),
        )

    def rest_api(self, name: str, *, api_name: str, stage: str) -> None:
        """Server errors (5XX) returned by one API Gateway stage."""
        metric = cloudwatch.Metric(
            namespace="AWS/ApiGateway",
            metric_name="5XXError",
            dimensions_map={"ApiName": api_name, "Stage": stage},
            period=PERIOD,
            statistic="Sum",
        )
        self._alarm(
            f"{name}5xx",
            name=f"{name}-5xx",
            description=f"API {api_name}/{stage} returned 5XX errors",
            metric=metric,
        )

    def state_machine(self, name: str, machine: sfn.IStateMachine) -> None:
        """Failed, timed-out or aborted executions."""
        for kind, metric in (
            ("failed", machine.metric_failed(period=PERIOD, statistic="Sum")),
            ("timed-out", machine.metric_timed_out(period=PERIOD, statistic="Sum")),
            ("aborted", machine.metric_aborted(period=PERIOD, statistic="Sum")),
        ):
            self._alarm(
                f"{name}{kind.title().replace('-', '')}",
                name=f"{name}-{kind}",
                description=f"State machine {name}: executions {kind}",
                metric=metric,
            )

    def dead_letter_queue(self, name: str, queue: sqs.IQueue) -> None:
        """Any message in a dead-letter queue: something could not be processed after its
        retries (an application, a notification) and waits for an operator."""
        self._alarm(
            f"{name}DeadLetters",
            name=f"{name}-dead-letters",
            description=f"Dead-letter queue {name} holds messages: look at them, fix the "
                        "cause, then redrive them (SQS console: Start DLQ redrive)",
            metric=queue.metric_approximate_number_of_messages_visible(
                period=PERIOD, statistic="Maximum"),
        )

    def table(self, name: str, table: dynamodb.ITable) -> None:
        """Throttled reads or writes, and DynamoDB's own errors."""
        throttled = cloudwatch.MathExpression(
            expression="r + w",
            using_metrics={
                "r": table.metric("ReadThrottleEvents", period=PERIOD, statistic="Sum"),
                "w": table.metric("WriteThrottleEvents", period=PERIOD, statistic="Sum"),
            },
            period=PERIOD,
            label=f"{name} throttle events",
        )
        self._alarm(
            f"{name}Throttles",
            name=f"{name}-table-throttles",
            description=f"DynamoDB table {name} throttled requests",
            metric=throttled,
        )
        self._alarm(
            f"{name}SystemErrors",
            name=f"{name}-table-system-errors",
            description=f"DynamoDB table {name} returned system errors",
            metric=table.metric_system_errors_for_operations(
                period=PERIOD, operations=SYSTEM_ERROR_OPERATIONS
            ),
        )

    def business(self, name: str, metric: Metric, description: str,
                 threshold: float = 1) -> None:
        """Any count (or ``threshold`` counts) of one of the code's metrics in five minutes,
        this stage's only (dimension ``service``, iamsmart.observability)."""
        self._alarm(
            f"{name}Count",
            name=name,
            description=description,
            metric=cloudwatch.Metric(
                namespace=NAMESPACE,
                metric_name=metric,
                dimensions_map={"service": self._config.prefix},
                period=PERIOD,
                statistic="Sum",
            ),
            threshold=threshold,
        )
