"""iamsmart: the platform's one first-party package.

One subpackage per bounded context (see DESIGN.md): each keeps handler-facing logic
(``logic``), wire/domain models (``models``) and data access (``dal``) apart. Only ``dal``
modules import boto3 or PynamoDB, and they import them lazily so that cold starts stay short.
"""
