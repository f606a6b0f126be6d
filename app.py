#!/usr/bin/env python3
"""The CDK app, run by the pinned CDK CLI: ``make synth`` / ``npx cdk synth|deploy``.

The CLI gives the app cdk.json's context (the feature flags among it) and its own settings, so
the templates tested by ``make test`` are the templates that deploy; run outside the CLI the
app would build other templates, so it refuses. Stacks are composed in
``infra/stacks/platform.py``. Context: ``-c stage=dev|prod`` (prod keeps tables, keys and
buckets on destroy), optionally ``-c domain_name=... -c certificate_arn=...`` (an ACM
certificate in us-east-1) for the portal's own domain.
"""

import os
import sys

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

if not ({"CDK_OUTDIR", "CDK_CONTEXT_JSON", "CDK_CONTEXT_OVERFLOW_LOCATION"} & set(os.environ)):
    sys.exit("app.py is run by the CDK CLI: `make synth` (or `npx cdk synth`) gives it "
             "cdk.json's context and feature flags.")

from aws_cdk import App  # noqa: E402  (the environment above must be set first)

from infra.names import REGION  # noqa: E402
from infra.stacks.platform import build  # noqa: E402

os.environ.setdefault("AWS_DEFAULT_REGION", REGION)  # chalice packages for a region

app = App()
build(app)
app.synth()
