"""Least privilege for every Lambda role: no wildcard actions, table grants only as listed."""

from __future__ import annotations

import json

import pytest
from infra_synth import STAGE, Synth, as_list, stack_name

from infra.names import API_TABLES_APPEND, API_TABLES_READ, API_TABLES_WRITE, FUNCTIONS, prefix

# Wildcard-suffixed actions that CDK's DynamoDB grants add for the table's own key.
KMS_SUFFIX_WILDCARDS = {"kms:ReEncrypt*", "kms:GenerateDataKey*"}
DYNAMODB_WRITES = {
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
}

# (stack, function name, tables read, tables written, tables appended to)
FUNCTION_GRANTS = [
    ("workflows", spec.name_in(STAGE), set(spec.tables_read), set(spec.tables_write),
     set(spec.tables_append))
    for spec in FUNCTIONS.values()
] + [("api", stack_name("api"), set(API_TABLES_READ), set(API_TABLES_WRITE),
       set(API_TABLES_APPEND))]
GRANT_IDS = [name for _, name, _, _, _ in FUNCTION_GRANTS]
APPENDERS = [(stack, name, append) for stack, name, _, _, append in FUNCTION_GRANTS if append]


def role_of(synth: Synth, stack: str, function_name: str) -> str:
    logical = synth.function_logical_id(stack, function_name)
    role = synth.template(stack)["Resources"][logical]["Properties"]["Role"]
    return role["Fn::GetAtt"][0]


def all_lambda_roles(synth: Synth) -> list[tuple[str, str]]:
    """(short stack name, role logical id) of every function in the app, CDK's own included."""
    roles = []
    for type_ in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
        for stack, _, fn in synth.resources(type_):
            role = fn["Properties"]["Role"]
            if isinstance(role, dict) and "Fn::GetAtt" in role:
                roles.append((stack.removeprefix(f"{prefix(STAGE)}-"), role["Fn::GetAtt"][0]))
    return roles


def test_no_lambda_role_has_a_wildcard_action(synth: Synth) -> None:
    roles = all_lambda_roles(synth)
    assert roles
    for stack, role in roles:
        for statement in synth.role_statements(stack, role):
            for action in as_list(statement["Action"]):
                assert action != "*" and not action.endswith(":*"), (stack, role, action)
                if "*" in action and stack != "web":  # web: CDK's BucketDeployment handler
                    assert action in KMS_SUFFIX_WILDCARDS, (stack, role, action)


@pytest.mark.parametrize(("stack", "name", "read", "write", "append"), FUNCTION_GRANTS,
                         ids=GRANT_IDS)
def test_table_grants_are_exactly_the_listed_tables(
    synth: Synth, stack: str, name: str, read: set[str], write: set[str], append: set[str]
) -> None:
    statements = synth.role_statements(stack, role_of(synth, stack, name))
    touched: set[str] = set()
    written: set[str] = set()
    for statement in statements:
        actions = set(as_list(statement["Action"]))
        tables = synth.tables_referenced(statement["Resource"], stack_name(stack))
        if any(a.startswith(("dynamodb:", "kms:")) for a in actions):
            touched |= tables
        if actions & DYNAMODB_WRITES:
            written |= tables
    assert touched == read | write | append
    assert written == write | append


@pytest.mark.parametrize(("stack", "name", "append"), APPENDERS,
                         ids=[name for _, name, _ in APPENDERS])
def test_the_access_log_is_append_only(
        synth: Synth, stack: str, name: str, append: set[str]) -> None:
    """The API and the face step-up's audit task add to the citizen's access log (PutItem)
    and never change or delete it."""
    assert "accesslog" in append
    statements = synth.role_statements(stack, role_of(synth, stack, name))
    for table in append:
        actions = {a for st in statements
                   if table in synth.tables_referenced(st["Resource"], stack_name(stack))
                   for a in as_list(st["Action"]) if a.startswith("dynamodb:")}
        assert actions & DYNAMODB_WRITES == {"dynamodb:PutItem"}, (table, actions)


@pytest.mark.parametrize(("stack", "name", "read", "write", "append"), FUNCTION_GRANTS,
                         ids=GRANT_IDS)
def test_roles_use_no_managed_policies(
    synth: Synth, stack: str, name: str, read: set[str], write: set[str], append: set[str]
) -> None:
    role = synth.template(stack)["Resources"][role_of(synth, stack, name)]
    assert not role["Properties"].get("ManagedPolicyArns")


def _every_statement(synth: Synth) -> list[tuple[str, str, dict]]:
    """(stack, logical id, statement) of every IAM statement in every template: roles'
    inline policies, policies, managed policies, and resource policies of any resource."""
    found = []
    for stack, template in synth.templates.items():
        for logical, resource in template["Resources"].items():
            props = resource.get("Properties", {})
            documents = [props.get("PolicyDocument"), props.get("AssumeRolePolicyDocument"),
                         props.get("KeyPolicy"), props.get("Policy")]
            documents += [p.get("PolicyDocument") for p in props.get("Policies", [])
                          if isinstance(p, dict)]
            for document in documents:
                if isinstance(document, dict):
                    for statement in as_list(document.get("Statement", [])):
                        found.append((stack, logical, statement))
    return found


def _grants_apigateway_read_of_api_keys(statement: dict) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    actions = [a for a in as_list(statement.get("Action", [])) if isinstance(a, str)]
    if not any(a in ("*", "apigateway:*", "apigateway:GET") or
               (a.startswith("apigateway:") and "*" in a) for a in actions):
        return False
    rendered = json.dumps(statement.get("Resource", "*"))
    return "/apikeys" in rendered or rendered in ('"*"', '["*"]') or "::/*" in rendered


def test_no_iam_statement_lets_anyone_read_api_keys(synth: Synth) -> None:
    """Key values stay in API Gateway: who holds a key comes from the API key registry table
    (iamsmart.apikeys), so no role may apigateway:GET /apikeys/* (includeValue=true)."""
    statements = _every_statement(synth)
    assert len(statements) > 50  # the walk sees the app's policies
    offending = [(stack, logical) for stack, logical, statement in statements
                 if _grants_apigateway_read_of_api_keys(statement)]
    assert offending == []


def test_the_api_reads_the_key_registry_and_never_writes_it(synth: Synth) -> None:
    statements = synth.role_statements("api", role_of(synth, "api", stack_name("api")))
    touched = set().union(*(synth.tables_referenced(s["Resource"], stack_name("api"))
                            for s in statements))
    written = set().union(*(synth.tables_referenced(s["Resource"], stack_name("api"))
                            for s in statements
                            if set(as_list(s["Action"])) & DYNAMODB_WRITES))
    assert {"apikeys", "sites"} <= touched
    assert not {"apikeys", "sites"} & written
    assert not [s for s in statements
                if any(a.startswith("apigateway:") for a in as_list(s["Action"]))]


def test_api_queues_applications_and_answers_reviews_but_never_starts_workflows(
        synth: Synth) -> None:
    """Rushes go through the queue: the API may send to it and answer a review's task token,
    never start a Standard execution itself (the drainer does, at the rate the quota allows);
    the one workflow it runs is the face step-up's Express machine, synchronously."""
    statements = synth.role_statements("api", role_of(synth, "api", stack_name("api")))
    actions = {a for s in statements for a in as_list(s["Action"])}
    assert "sqs:SendMessage" in actions
    assert {"states:SendTaskSuccess", "states:SendTaskFailure"} <= actions
    assert {a for a in actions if a.startswith("states:Start")} == {"states:StartSyncExecution"}
    sync = [s for s in statements if "states:StartSyncExecution" in as_list(s["Action"])]
    assert "FaceStepup" in json.dumps(sync[0]["Resource"])


def test_face_collection_lives_where_rekognition_does(synth: Synth) -> None:
    """No Rekognition in Hong Kong: the collection is in its own stack and region, and the
    functions that keep or match templates are granted on it alone."""
    from infra.names import FACE_COLLECTION, FACES_REGION, resource_name

    collections = list(synth.resources("AWS::Rekognition::Collection"))
    assert [(stack, r["Properties"]["CollectionId"]) for stack, _, r in collections] == [
        (stack_name("faces"), resource_name(FACE_COLLECTION, STAGE))]
    assert synth.templates[stack_name("faces")] is not None
    for fid in ("face-match",):
        statements = synth.role_statements("workflows", role_of(synth, "workflows",
                                                                FUNCTIONS[fid].name_in(STAGE)))
        scoped = [s for s in statements if "rekognition:SearchFacesByImage" in as_list(s["Action"])]
        assert FACES_REGION in json.dumps(scoped[0]["Resource"])
