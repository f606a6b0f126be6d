"""The local platform: the whole system on loopback, on an embedded moto server, no Docker.

- ``lambdas``: runs our real Lambda handlers in-process when moto invokes a function
  (Step Functions tasks, ``Invoke``), replacing moto's Docker-based runner.
- ``provision``: creates tables, functions, state machines and department keys from
  ``infra.names`` (the specs the CDK stacks use too) and seeds sandbox data.
- ``api``: loads the Chalice app; ``server``: one HTTP port for the API and the static web,
  with department API keys enforced like API Gateway would.
- ``upstream``: serves the feed fixtures on loopback in place of the real upstreams.
- ``express``: ``StartSyncExecution`` for Express machines; ``dynamodb``: moto's DynamoDB
  made safe for concurrent requests, with TTL sweeping.
- ``platform``: assembles it all and starts the sandbox third parties beside it (department,
  bank, data providers: ``infra.sandbox``, which the emulator starts but does not contain).
- ``__main__``: ``python -m infra.local`` starts it all and prints ``Ready: <url>``.
"""
