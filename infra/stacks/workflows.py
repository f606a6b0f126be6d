"""Workflows: the plain Lambda functions and the state machines that run them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.constructs.alarms import Alarms
from infra.constructs.functions import PythonFunction
from infra.constructs.tables import EncryptedTable
from infra.constructs.workflow import AslStateMachine
from infra.layers import Layers
from infra.names import FEEDS_REFRESH_MINUTES, FUNCTIONS, STATE_MACHINES
from infra.stacks.config import DeployConfig
from infra.stacks.data import construct_id
from infra.stacks.environment import function_environment


class WorkflowsStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        tables: Mapping[str, EncryptedTable],
        alarm_topic: sns.ITopic,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id_, **kwargs)
        config = DeployConfig.of(self)
        layers = Layers(self, "Layers")
        alarms = Alarms(self, "Alarms", topic=alarm_topic)
        environment = function_environment(config)

        #: function id (infra.names.FUNCTIONS) -> its construct
        self.functions: dict[str, PythonFunction] = {}
        for spec in FUNCTIONS.values():
            fn = PythonFunction(
                self,
                construct_id(spec.id),
                spec=spec,
                layers=layers.all,
                environment=environment,
                tables=tables,
                config=config,
            )
            self.functions[spec.id] = fn
            alarms.function(spec.id, fn.function)

        arns = {fid: fn.function for fid, fn in self.functions.items()}
        #: state machine id (infra.names.STATE_MACHINES) -> its construct
        self.state_machines: dict[str, AslStateMachine] = {}
        for sm_spec in STATE_MACHINES.values():
            machine = AslStateMachine(
                self, construct_id(sm_spec.id), spec=sm_spec, functions=arns, config=config
            )
            self.state_machines[sm_spec.id] = machine
            alarms.state_machine(sm_spec.id, machine.state_machine)

        refresh = self.state_machines["refresh-feeds"].state_machine
        self.refresh_schedule = scheduler.Schedule(
            self,
            "RefreshFeedsSchedule",
            description=f"Start refresh-feeds every {FEEDS_REFRESH_MINUTES} minutes",
            schedule=scheduler.ScheduleExpression.rate(Duration.minutes(FEEDS_REFRESH_MINUTES)),
            target=targets.StepFunctionsStartExecution(refresh),
        )
