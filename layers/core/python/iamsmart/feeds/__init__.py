"""Public information: weather, traffic, food safety and announcements, ingested from the
upstream formats of Hong Kong government feeds.

- ``sources``: the feed registry (ids, upstream URLs, languages, parsers, local fixtures).
- ``parsers``: one parser per upstream format, bytes in, domain model (``models``) out.
- ``fetch``: bounded HTTP GET (timeout, size cap).
- ``dal``: the ``feeds`` table (latest good document per feed, last failure kept apart).
- ``logic``: refresh one feed, record a failure, and the read side behind ``/v1/info/*``.
- ``wire``: the API's response models.
"""
