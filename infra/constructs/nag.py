"""The one way to acknowledge a cdk-nag finding: a rule (or ``Rule[Finding]``) and its reason.

A finding names what it is about exactly as cdk-nag prints it (``Resource::arn:aws:kms:...``).
Whenever that text depends on how CDK renders a value (partition literals, account tokens,
references to other resources), build it with :func:`resource` from the very value that the
policy statement uses, never by hand: a feature flag that changes the rendering then changes
the acknowledgement with it.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
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


def resource(scope: IConstruct, value: str) -> str:
    """The ``Resource::...`` finding cdk-nag reports for a policy resource ``value``.

    ``value`` is resolved in ``scope``'s stack as the template will have it, then flattened
    the way cdk-nag flattens CloudFormation references: ``{"Ref": "X"}`` -> ``<X>``,
    ``{"Fn::GetAtt": ["X", "Arn"]}`` -> ``<X.Arn>``, ``Fn::Join`` joined, ``Fn::ImportValue``
    -> the export's name, ``${X}`` in ``Fn::Sub`` -> ``<X>``.
    """
    return f"Resource::{flatten(Stack.of(scope).resolve(value))}"


def flatten(node: Any) -> str:
    """A resolved CloudFormation value as one string, as cdk-nag writes it in findings."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return str(delimiter).join(flatten(item) for item in items)
        if "Fn::Sub" in node:
            return flatten(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            target, attribute = node["Fn::GetAtt"]
            return f"<{flatten(target)}.{flatten(attribute)}>"
        if "Fn::ImportValue" in node:
            return flatten(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{flatten(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))


def logical_id(construct: IConstruct) -> str:
    """The CloudFormation logical id of an L2's resource, as cdk-nag prints it in findings."""
    from aws_cdk import CfnElement

    element = construct if isinstance(construct, CfnElement) else construct.node.default_child
    if not isinstance(element, CfnElement):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource")
    stack = Stack.of(element)
    return str(stack.resolve(stack.get_logical_id(element)))
