"""The one way to acknowledge a cdk-nag finding: a rule (or ``Rule[Finding]``) and its reason."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(construct: IConstruct, reasons: dict[str, str]) -> None:
    """Acknowledge cdk-nag findings on ``construct`` and its children.

    ``reasons`` maps a rule id (``AwsSolutions-S1``) or a single finding
    (``AwsSolutions-IAM5[Resource::*]``) to why it is acceptable here. An empty reason is a bug.
    """
    for rule, reason in reasons.items():
        if not reason.strip():
            raise ValueError(f"cdk-nag acknowledgement of {rule} needs a reason")
        Validations.of(construct).acknowledge(Acknowledgment(id=rule, reason=reason))


def logical_id(construct: IConstruct) -> str:
    """The CloudFormation logical id of an L2's resource, as cdk-nag prints it in findings."""
    from aws_cdk import CfnElement, Stack

    element = construct if isinstance(construct, CfnElement) else construct.node.default_child
    if not isinstance(element, CfnElement):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource")
    stack = Stack.of(element)
    return str(stack.resolve(stack.get_logical_id(element)))
