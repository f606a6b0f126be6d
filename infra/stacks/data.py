"""Data: every table in ``infra.names.TABLES``, each with its own customer-managed key."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.constructs.alarms import Alarms
from infra.constructs.keys import PlatformKeys
from infra.constructs.tables import EncryptedTable
from infra.names import TABLES
from infra.stacks.config import DeployConfig


def construct_id(spec_id: str) -> str:
    """``record-failure`` -> ``RecordFailure`` (a readable construct id from a spec id)."""
    return "".join(part.capitalize() for part in spec_id.replace("_", "-").split("-"))


class DataStack(Stack):
    def __init__(
        self, scope: Construct, construct_id_: str, *, alarm_topic: sns.ITopic, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id_, **kwargs)
        config = DeployConfig.of(self)
        alarms = Alarms(self, "Alarms", topic=alarm_topic, config=config)
        #: table id (as in infra.names.TABLES) -> its table and key; passed to other stacks.
        self.tables: dict[str, EncryptedTable] = {}
        for spec in TABLES.values():
            table = EncryptedTable(self, construct_id(spec.id), spec=spec, config=config)
            self.tables[spec.id] = table
            alarms.table(spec.id, table.table)
        #: key id (as in infra.names.KEYS) -> KMS key (OIDC signing, HKID HMAC).
        self.keys = PlatformKeys(self, "Keys", config=config).keys
