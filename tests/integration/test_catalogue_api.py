"""The catalogue over HTTP on moto: the services table built from infra.names, the packaged
seed loaded through the DAL, searches through the Chalice app, and the department route
with API keys (tagged department=...) stored in moto's API Gateway.

API Gateway validates keys and passes ``requestContext.identity.apiKeyId``; neither chalice's
test client nor moto does, so the PUT tests send the API Gateway proxy event themselves.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber
from moto import mock_aws

from iamsmart import errors
from infra.local.platform import apply_environment, local_environment
from infra.names import TABLES

SPEC = TABLES["services"]
LOGIN_PATH = "/v1/services/{service_id}/login-link"


def _reset() -> None:
    from iamsmart import aws
    from iamsmart.catalogue import departments, logic
    from iamsmart.settings import settings

    settings.cache_clear()
    aws.reset()
    logic.reset_cache()
    departments.reset()


@pytest.fixture
def catalogue_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """moto in-process with the services table (from its spec) and department API keys."""
    env = local_environment(None, {})
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    _reset()
    with mock_aws(config={"core": {"reset_boto3_session": False}}):
        from iamsmart import aws

        for spec in (SPEC, TABLES["apikeys"]):
            aws.client("dynamodb").create_table(
                TableName=spec.name, BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": spec.partition_key, "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": spec.partition_key,
                                       "AttributeType": "S"}],
            )
        apigw = aws.client("apigateway")
        # Tagged department=TD in API Gateway, but never registered: the tag means nothing.
        keys = {
            abbr: apigw.create_api_key(name=f"test-{abbr or 'none'}", enabled=True,
                                       tags={"department": abbr or "TD"})["id"]
            for abbr in ("TD", "IMMD", "")
        }
        from iamsmart.apikeys import registry

        for abbr in ("TD", "IMMD"):
            registry.record(keys[abbr], "department", department=abbr)
        yield keys
    _reset()
    apply_environment({})


@pytest.fixture
def seeded(catalogue_aws: dict[str, str]) -> dict[str, str]:
    from iamsmart.catalogue import logic

    result = logic.seed_catalogue()
    assert result == {"created": 51, "updated": 0, "unchanged": 0}
    return catalogue_aws


def _table_item(service_id: str) -> dict[str, Any] | None:
    from iamsmart import aws

    got = aws.client("dynamodb").get_item(TableName=SPEC.name, Key={"id": {"S": service_id}},
                                          ConsistentRead=True)
    return got.get("Item")


def _put_login_link(app: Any, service_id: str, body: Any,
                    api_key_id: str | None) -> tuple[int, dict[str, Any]]:
    """Call the app with the proxy event API Gateway would send after checking the key."""
    from chalice.local import LambdaContext

    identity: dict[str, Any] = {"sourceIp": "203.0.113.9"}
    if api_key_id is not None:
        identity["apiKeyId"] = api_key_id
    path = LOGIN_PATH.format(service_id=service_id)
    raw = body if isinstance(body, str) else json.dumps(body)
    event = {
        "resource": LOGIN_PATH,
        "path": path,
        "httpMethod": "PUT",
        "headers": {"content-type": "application/json"},
        "multiValueHeaders": {"content-type": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"service_id": service_id},
        "stageVariables": None,
        "requestContext": {"resourcePath": LOGIN_PATH, "httpMethod": "PUT", "path": path,
                           "stage": "v1", "identity": identity},
        "body": raw,
        "isBase64Encoded": False,
    }
    response = app(event, LambdaContext("api_handler", memory_size=512))
    return response["statusCode"], json.loads(response["body"])


def _get(api_client: Any, path: str) -> tuple[int, dict[str, Any]]:
    response = api_client.http.get(path)
    return response.status_code, json.loads(response.body)


# --- DAL ------------------------------------------------------------------------------------

def test_seed_is_idempotent_and_keeps_department_links(catalogue_aws):
    from iamsmart.catalogue import dal, logic, source

    assert logic.seed_catalogue()["created"] == 51
    stored = dal.all_services()
    assert [s.id for s in stored] == [s.id for s in source.seed_services()]
    assert stored[20].name_tc == "網上申請出入境紀錄證明"
    assert stored[20].url == "https://www.immd.gov.hk"

    dal.set_login_url("iamsmart-2023-51", login_url="https://www.td.gov.hk/idp",
                      department_abbr="TD")
    updated_at = _table_item("iamsmart-2023-51")["updated_at"]
    assert logic.seed_catalogue() == {"created": 0, "updated": 0, "unchanged": 51}
    item = _table_item("iamsmart-2023-51")
    assert item["login_url"] == {"S": "https://www.td.gov.hk/idp"}  # untouched by re-seeding
    assert item["updated_at"] == updated_at  # nothing rewritten


def test_seed_updates_changed_fields_only(catalogue_aws):
    import dataclasses

    from iamsmart.catalogue import dal, source

    services = source.seed_services()
    dal.seed(services)
    dal.set_login_url("iamsmart-2023-21", login_url="https://www.immd.gov.hk/x",
                      department_abbr="ImmD")
    changed = [dataclasses.replace(s, name_en="Certificate of Travel Records", note=None)
               if s.id == "iamsmart-2023-21" else s for s in services]
    result = dal.seed(changed)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 50)
    item = _table_item("iamsmart-2023-21")
    assert item["name_en"] == {"S": "Certificate of Travel Records"}
    assert "note" not in item
    assert item["login_url"] == {"S": "https://www.immd.gov.hk/x"}


def test_throttling_becomes_unavailable(seeded):
    from iamsmart.catalogue import dal

    client = dal.model()._get_connection().connection.client
    with Stubber(client) as stub:
        stub.add_client_error("scan", "ProvisionedThroughputExceededException",
                              http_status_code=400)
        with pytest.raises(errors.Unavailable):
            dal.all_services()


def test_throttled_table_is_a_503_with_retry_after(seeded, api_client):
    from iamsmart.catalogue import dal, logic

    logic.reset_cache()
    client = dal.model()._get_connection().connection.client
    with Stubber(client) as stub:
        stub.add_client_error("scan", "ThrottlingException", http_status_code=400)
        response = api_client.http.get("/v1/services")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    body = json.loads(response.body)
    assert body["message"]["en"] and body["message"]["tc"]


# --- GET /v1/services -------------------------------------------------------------------------

def test_list_by_theme(seeded, api_client):
    status, body = _get(api_client, "/v1/services?theme=transport&lang=en")
    assert status == 200
    assert [i["id"] for i in body["items"]] == ["iamsmart-2023-17"] + [
        f"iamsmart-2023-{n}" for n in range(47, 52)]
    assert body["count"] == 6 and body["lang"] == "en"
    assert all("transport" in i["themes"] for i in body["items"])
    assert {"id": "transport", "name": "Transport"} in body["themes"]


def test_list_by_audience_in_chinese(seeded, api_client):
    status, body = _get(api_client, "/v1/services?audience=elderly&lang=tc")
    assert status == 200
    assert body["count"] == len(body["items"]) >= 3
    assert all("elderly" in i["audiences"] for i in body["items"])
    pension = next(i for i in body["items"] if i["id"] == "iamsmart-2023-45")
    assert pension["name"] == "領取退休金人士的電子平台"
    assert pension["department"] == {"name": "庫務署", "abbr": "TRY"}
    assert {"id": "elderly", "name": "長者"} in body["audiences"]


def test_search_chinese_immigration(seeded, api_client):
    status, body = _get(api_client, "/v1/services?q=%E5%85%A5%E5%A2%83&lang=tc")  # 入境
    assert status == 200
    items = body["items"]
    assert items[0]["id"] == "iamsmart-2023-21"
    assert {i["department"]["abbr"] for i in items} == {"ImmD"}
    assert len(items) == 8


def test_search_english_driving_and_simplified(seeded, api_client):
    _, body = _get(api_client, "/v1/services?q=driving")
    assert body["items"][0]["id"] == "iamsmart-2023-51"
    assert body["items"][0]["name"] == "Online Application for International Driving Permit"
    assert body["items"][0]["url"] == "https://www.td.gov.hk"
    assert body["items"][0]["login_url"] is None
    _, simplified = _get(api_client, "/v1/services?q=%E9%A9%BE%E9%A9%B6%E6%89%A7%E7%85%A7")
    # 驾驶执照: both TD services (the permit; e-licensing, where licences are renewed)
    assert {i["id"] for i in simplified["items"][:2]} == {"iamsmart-2023-50", "iamsmart-2023-51"}


def test_list_is_cacheable(seeded, api_client):
    response = api_client.http.get("/v1/services")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert json.loads(response.body)["count"] == 51


@pytest.mark.parametrize("query", ["theme=sports", "audience=kids", "q=" + "a" * 101,
                                   "lang=fr"])
def test_bad_input_is_a_bilingual_400(seeded, api_client, query):
    status, body = _get(api_client, f"/v1/services?{query}")
    assert status == 400
    assert body["message"]["en"] and body["message"]["tc"]
    assert body["message"]["en"] != body["message"]["tc"]


def test_one_service_and_unknown_id(seeded, api_client):
    status, body = _get(api_client, "/v1/services/iamsmart-2023-32?lang=tc")
    assert status == 200 and body["name"] == "城市售票網" and body["lang"] == "tc"
    status, body = _get(api_client, "/v1/services/iamsmart-2099-99")
    assert status == 404
    assert body["message"]["en"] and body["message"]["tc"]


# --- PUT /v1/services/{id}/login-link ------------------------------------------------------------

def test_department_sets_its_own_link_and_it_is_persisted(seeded, api_app, api_client):
    status, body = _put_login_link(api_app, "iamsmart-2023-51",
                                   {"login_url": "https://www.td.gov.hk/idp/login"}, seeded["TD"])
    assert status == 200, body
    assert body == {"id": "iamsmart-2023-51", "login_url": "https://www.td.gov.hk/idp/login"}
    item = _table_item("iamsmart-2023-51")
    assert item["login_url"] == {"S": "https://www.td.gov.hk/idp/login"}
    assert item["login_url_updated_by"] == {"S": "TD"}
    _, listed = _get(api_client, "/v1/services?q=driving")
    assert listed["items"][0]["login_url"] == "https://www.td.gov.hk/idp/login"


def test_tag_case_differs_from_seed_abbreviation(seeded, api_app):
    status, _ = _put_login_link(api_app, "iamsmart-2023-24",
                                {"login_url": "https://www.immd.gov.hk/birth"}, seeded["IMMD"])
    assert status == 200
    assert _table_item("iamsmart-2023-24")["login_url"] == {"S": "https://www.immd.gov.hk/birth"}


def test_other_departments_service_is_403(seeded, api_app):
    status, body = _put_login_link(api_app, "iamsmart-2023-21",
                                   {"login_url": "https://www.td.gov.hk/x"}, seeded["TD"])
    assert status == 403
    assert body["message"]["en"] and body["message"]["tc"]
    assert "login_url" not in _table_item("iamsmart-2023-21")


@pytest.mark.parametrize("key", [None, "unregistered", "unknown"])
def test_no_usable_key_is_403(seeded, api_app, key):
    key_id = {"unregistered": seeded[""], "unknown": "abcdef1234"}.get(key) if key else None
    status, body = _put_login_link(api_app, "iamsmart-2023-51",
                                   {"login_url": "https://www.td.gov.hk/x"}, key_id)
    assert status == 403
    assert body["message"]["tc"]
    assert "login_url" not in _table_item("iamsmart-2023-51")


@pytest.mark.parametrize("body", [
    {"login_url": "http://www.td.gov.hk/x"},
    {"login_url": "https://www.td.gov.hk/x#top"},
    {"login_url": "https://u:p@www.td.gov.hk/x"},
    {"login_url": "https://www.td.gov.hk/" + "a" * 2100},
    {"login_url": 42},
    {"url": "https://www.td.gov.hk/x"},
    "not json",
])
def test_bad_url_is_400(seeded, api_app, body):
    status, reply = _put_login_link(api_app, "iamsmart-2023-51", body, seeded["TD"])
    assert status == 400
    assert reply["message"]["en"] and reply["message"]["tc"]
    assert "login_url" not in _table_item("iamsmart-2023-51")


def test_unknown_service_is_404(seeded, api_app):
    status, _ = _put_login_link(api_app, "iamsmart-2099-01",
                                {"login_url": "https://www.td.gov.hk/x"}, seeded["TD"])
    assert status == 404
    assert _table_item("iamsmart-2099-01") is None  # no item created by the update


def test_route_requires_an_api_key_in_api_gateway(api_app):
    route = api_app.routes[LOGIN_PATH]["PUT"]
    assert route.api_key_required is True
    assert api_app.routes["/v1/services"]["GET"].api_key_required is False
