"""Shared mechanisms below the bounded contexts (no context imports here; every context may
import from here).

- ``strict_json``: the one strict JSON parser (duplicate keys, NaN, depth and size refused)
- ``replay``: single-use guards (a ``jti`` accepted once until it expires), one conditional
  write in the grants table
- ``express``: the one runner of Express state machines (``StartSyncExecution``)
- ``tasks``: the one decorator of Step Functions task handlers (event, execution id in the
  logs, metrics, Lambda context)
"""
