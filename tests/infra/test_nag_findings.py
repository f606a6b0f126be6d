"""Acknowledged findings are derived from the values that build the ARNs (infra.constructs.nag).

A hand-written ``arn:<AWS::Partition>:`` stopped matching when cdk.json turned on
``@aws-cdk/core:enablePartitionLiterals``; ``resource()`` renders what cdk-nag will print.
"""

from __future__ import annotations

from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3

from infra.constructs.nag import flatten, resource

PARTITION_LITERALS = "@aws-cdk/core:enablePartitionLiterals"


def _arn(context: dict[str, object]) -> tuple[Stack, str]:
    stack = Stack(App(context=context), "S", env={"region": "ap-east-1"})
    return stack, f"arn:{stack.partition}:kms:{stack.region}:{stack.account}:key/*"


def test_finding_follows_the_partition_literals_flag() -> None:
    stack, arn = _arn({PARTITION_LITERALS: True})
    assert resource(stack, arn) == "Resource::arn:aws:kms:ap-east-1:<AWS::AccountId>:key/*"
    stack, arn = _arn({PARTITION_LITERALS: False})
    assert resource(stack, arn) == (
        "Resource::arn:<AWS::Partition>:kms:ap-east-1:<AWS::AccountId>:key/*")


def test_references_flatten_as_cdk_nag_prints_them() -> None:
    stack = Stack(App(), "S", env={"region": "ap-east-1"})
    bucket = s3.Bucket(stack, "B")
    found = resource(stack, bucket.arn_for_objects("stepup/*"))
    assert found.startswith("Resource::<B") and found.endswith(".Arn>/stepup/*")
    assert flatten({"Fn::ImportValue": "other:Export"}) == "other:Export"
    assert flatten({"Fn::Sub": "arn:${AWS::Partition}:s3:::x"}) == "arn:<AWS::Partition>:s3:::x"
    assert flatten({"Fn::If": ["c", "a", "b"]}) == '{"Fn::If":["c","a","b"]}'
