"""Command-line tools: not infrastructure, never in a Lambda asset or the CDK app.

- The admin CLIs, one code path against a deployment (``--region``/``--profile``/``--stage``)
  and the local emulator (``--endpoint-url``), chosen by ``target``: ``clients`` (the OIDC
  client registry), ``sites`` (registration sites and their keys), ``providers`` and
  ``consumers`` (the data-exchange registry), ``seed`` (seeding a stage, ``infra.seeding``).
- ``device``: the app simulator, a sandbox citizen's iAM Smart app (enrol, approve a login,
  liveness), one state file per citizen.

Run them as ``python -m tools.<name>`` from the repository root.
"""
