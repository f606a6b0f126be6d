"""Operations: the encrypted SNS topic every alarm notifies, who hears it, and one dashboard.

``-c alarm_email=ops@example.org`` subscribes that address to the topic (SNS sends a
confirmation mail first). The dashboard shows the platform's golden signals from the metric
names the code publishes (``iamsmart.metrics``, counted by ``iamsmart.observability.count``:
namespace ``IAmSmart``, dimension ``service`` = this stage's prefix) and from AWS's own
metrics, all found by name: the ops stack deploys first and refers to no other stack. Alarms
on the code's own metrics (a task failing unexpectedly, a token replayed) live here too, for
the same reason.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from iamsmart.metrics import NAMESPACE, Metric
from infra.constructs.alarms import Alarms
from infra.stacks.config import DeployConfig

# The code's metrics (iamsmart.metrics): the business events plotted, by golden signal ->
# (metric, the dimension it is split by besides "service").
BUSINESS_SIGNALS: dict[str, tuple[tuple[Metric, str], ...]] = {
    "Logins": ((Metric.LOGIN_AUTHENTICATED, "method"),),
    "Approvals in the app": ((Metric.LOGIN_APPROVAL, "decision"),),
    "Registrations": ((Metric.REGISTRATION_ACCEPTED, "channel"),
                      (Metric.REGISTRATION_DECISION, "decision")),
    "Data fetches": ((Metric.EXCHANGE_DELIVERED, "outcome"),
                     (Metric.EXCHANGE_REFUSED, "reason")),
    "Face step-ups": ((Metric.FACE_EVENT, "event"),),
    "Workflow tasks": ((Metric.WORKFLOW_TASK, "outcome"),),
}
API_STAGE = "api"  # infra.stacks.api.API_STAGE (chalice's stage name)
PERIOD = Duration.minutes(5)


class OpsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        config = DeployConfig.of(self)
        self.key = kms.Key(
            self,
            "AlarmsKey",
            description=f"{config.prefix}: encrypts the alarm topic",
            enable_key_rotation=True,
            removal_policy=config.removal_policy,
        )
        # CloudWatch publishes alarms to the encrypted topic.
        self.key.grant(
            iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey"
        )
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=config.name("alarms"),
            display_name=f"{config.prefix} alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        self.dashboard = golden_signals(self, "GoldenSignals", config)
        alarms = Alarms(self, "Alarms", topic=self.topic, config=config)
        # Counted with the dimension ``service`` only, so an alarm can watch them exactly.
        alarms.business("task-errors", Metric.TASK_ERROR,
                        "A workflow task failed unexpectedly (not a refusal the workflow "
                        "handles): its log line (error type and code location) has the "
                        "execution id")
        alarms.business("token-replay", Metric.TOKEN_REPLAY,
                        "An authorization code was redeemed twice or a rotated refresh token "
                        "came back (someone holds a copy, THREATS 10): the grant is revoked; "
                        "the log line 'token replay detected' tells which")


def _search(config: DeployConfig, metric: str, dimension: str, label: str,
            statistic: str = "Sum") -> cloudwatch.MathExpression:
    """Every value of one business metric of this stage, one line per ``dimension`` value."""
    return cloudwatch.MathExpression(
        expression=(f"SEARCH('{{{NAMESPACE},service,{dimension}}} MetricName=\"{metric}\" "
                    f"service=\"{config.prefix}\"', '{statistic}', {int(PERIOD.to_seconds())})"),
        label=label,
        period=PERIOD,
    )


def _lambda_search(config: DeployConfig, metric: str) -> cloudwatch.MathExpression:
    """One Lambda metric summed over this stage's functions (their names carry the prefix)."""
    return cloudwatch.MathExpression(
        expression=(f"SUM(SEARCH('{{AWS/Lambda,FunctionName}} MetricName=\"{metric}\" "
                    f"FunctionName=\"{config.prefix}-\"', 'Sum', {int(PERIOD.to_seconds())}))"),
        label=f"Lambda {metric.lower()} (all functions)",
        period=PERIOD,
    )


def golden_signals(scope: Construct, construct_id: str,
                   config: DeployConfig) -> cloudwatch.Dashboard:
    """Traffic (logins, approvals, registrations, fetches, step-ups), errors, throttles and
    latency of one stage."""
    api = {"ApiName": config.name("api"), "Stage": API_STAGE}

    def api_metric(name: str, statistic: str, label: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(namespace="AWS/ApiGateway", metric_name=name,
                                 dimensions_map=api, statistic=statistic, period=PERIOD,
                                 label=label)

    dashboard = cloudwatch.Dashboard(scope, construct_id,
                                     dashboard_name=config.name("golden-signals"))
    traffic = [
        cloudwatch.GraphWidget(
            title=title, width=8,
            left=[_search(config, metric, dimension, f"{metric} by {dimension}")
                  for metric, dimension in metrics])
        for title, metrics in BUSINESS_SIGNALS.items()
    ]
    traffic.append(cloudwatch.GraphWidget(
        title="API requests", width=8,
        left=[api_metric("Count", "Sum", "requests")]))
    dashboard.add_widgets(*traffic)
    dashboard.add_widgets(
        cloudwatch.GraphWidget(
            title="Errors", width=8,
            left=[api_metric("5XXError", "Sum", "API 5XX"),
                  api_metric("4XXError", "Sum", "API 4XX"),
                  _lambda_search(config, "Errors")]),
        cloudwatch.GraphWidget(
            title="Throttles", width=8,
            left=[_lambda_search(config, "Throttles"),
                  cloudwatch.MathExpression(
                      expression=(f"SUM(SEARCH('{{AWS/WAFV2,WebACL,Rule,Region}} "
                                  f"MetricName=\"BlockedRequests\" WebACL=\"{config.prefix}-\"',"
                                  f" 'Sum', {int(PERIOD.to_seconds())}))"),
                      label="WAF blocked (regional)", period=PERIOD),
                  # CloudFront's web ACL (per-viewer rate rules) reports in us-east-1.
                  cloudwatch.Metric(namespace="AWS/WAFV2", metric_name="BlockedRequests",
                                    dimensions_map={"WebACL": config.name("edge"),
                                                    "Rule": "ALL"},
                                    region="us-east-1", statistic="Sum", period=PERIOD,
                                    label="WAF blocked at CloudFront (per viewer)")]),
        cloudwatch.GraphWidget(
            title="API latency (ms)", width=8,
            left=[api_metric("Latency", "p50", "p50"), api_metric("Latency", "p90", "p90"),
                  api_metric("Latency", "p99", "p99"),
                  api_metric("IntegrationLatency", "p99", "integration p99")]),
    )
    return dashboard
