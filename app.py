#!/usr/bin/env python3
"""The CDK app: ``cdk synth`` / ``cdk deploy`` (or ``python app.py`` to synthesize offline).

Stacks are composed in ``infra/stacks/platform.py``. Context: ``-c stage=dev|prod``
(prod keeps tables, keys and buckets on destroy), optionally ``-c domain_name=...
-c certificate_arn=...`` (an ACM certificate in us-east-1) for the portal's own domain.
"""

import os
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
# Outside the CDK CLI, write the cloud assembly next to this file rather than to a temp dir.
os.environ.setdefault("CDK_OUTDIR", str(Path(__file__).resolve().parent / "cdk.out"))

from aws_cdk import App  # noqa: E402  (the environment above must be set first)

from infra.names import REGION  # noqa: E402
from infra.stacks.platform import build  # noqa: E402

os.environ.setdefault("AWS_DEFAULT_REGION", REGION)  # chalice packages for a region

app = App()
build(app)
app.synth()
