"""Every business metric the platform publishes: its namespace and names, in one place.

The code that counts (``iamsmart.observability.count`` takes a ``Metric``, never a string)
and the infrastructure that watches (the dashboard of ``infra/stacks/ops.py``, the alarms of
``infra/constructs/alarms.py``) both name metrics from here, so a renamed metric cannot leave
an alarm or a graph watching a name nobody publishes. Pure constants: no import beyond the
standard library (the CDK app imports this module too).

Every metric is a count (unit ``Count``) in ``NAMESPACE`` with the dimension ``service`` (the
deployment's prefix) and the dimensions named beside it below.
"""

from __future__ import annotations

from enum import StrEnum

NAMESPACE = "IAmSmart"


class Metric(StrEnum):
    # identity: logins and the app's approvals
    LOGIN_AUTHENTICATED = "LoginAuthenticated"  # method
    LOGIN_APPROVAL = "LoginApproval"  # decision
    # oidc: a replayed authorization code or a reused refresh token (a theft signal); dimension
    # ``service`` only: an alarm watches it (infra/stacks/ops.py)
    TOKEN_REPLAY = "TokenReplay"  # noqa: S105 - a metric's name, not a secret
    # registration
    REGISTRATION_ACCEPTED = "RegistrationAccepted"  # channel
    REGISTRATION_STARTED = "RegistrationStarted"  # (value: workflows started)
    REGISTRATION_EVIDENCE = "RegistrationEvidence"  # outcome, evidence
    REGISTRATION_DECISION = "RegistrationDecision"  # decision, channel
    REGISTRATION_REVIEWED = "RegistrationReviewed"  # decision
    REGISTRATION_ACCOUNT_CREATED = "RegistrationAccountCreated"  # level
    REGISTRATION_FINISHED = "RegistrationFinished"  # outcome
    REGISTRATION_CODE_REISSUED = "RegistrationEnrolmentCodeReissued"
    # data exchange
    EXCHANGE_PROVIDER_CALL = "ExchangeProviderCall"  # provider, status
    EXCHANGE_DELIVERED = "ExchangeDelivered"  # outcome
    EXCHANGE_REFUSED = "ExchangeRefused"  # reason
    # face step-up
    FACE_EVENT = "FaceEvent"  # event
    # catalogue
    CATALOGUE_LOGIN_LINK_SET = "CatalogueLoginLinkSet"
    CATALOGUE_LOGIN_LINK_REFUSED = "CatalogueLoginLinkRefused"
    # public feeds
    FEEDS_PLANNED = "FeedsPlanned"  # (value: feeds planned)
    FEED_STORED = "FeedStored"  # feed
    FEED_REJECTED = "FeedRejected"  # feed, reason
    FEED_UPSTREAM_ERROR = "FeedUpstreamError"  # feed
    FEED_REFRESH_FAILED = "FeedRefreshFailed"  # feed, error
    # Step Functions tasks (iamsmart.common.tasks): every run of a task, by outcome
    WORKFLOW_TASK = "WorkflowTask"  # task, outcome (done | refused | unavailable | error)
    # a task failed in an unexpected way (not a domain error): a defect or an outage to look
    # at; the alarm of infra/constructs/alarms.py watches it (dimension ``service`` only)
    TASK_ERROR = "TaskError"
