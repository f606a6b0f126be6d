"""API Gateway's own answers (gateway responses) are the platform's bilingual errors."""

from __future__ import annotations

import json

from infra_synth import Synth

from infra.names import GATEWAY_ANSWERS, GATEWAY_ERROR_HEADERS

REFUSALS = {"API_KEY_REQUIRED", "INVALID_API_KEY", "QUOTA_EXCEEDED", "THROTTLED",
            "MISSING_AUTHENTICATION_TOKEN", "WAF_FILTERED", "INTEGRATION_TIMEOUT",
            "DEFAULT_4XX", "DEFAULT_5XX"}


def gateway_responses(synth: Synth) -> dict[str, dict]:
    resources = synth.template("api")["Resources"]
    return {r["Properties"]["ResponseType"]: r["Properties"] for r in resources.values()
            if r["Type"] == "AWS::ApiGateway::GatewayResponse"}


def test_every_answer_the_gateway_gives_itself_is_a_bilingual_platform_error(
        synth: Synth) -> None:
    responses = gateway_responses(synth)
    assert set(responses) == REFUSALS == set(GATEWAY_ANSWERS)
    for kind, props in responses.items():
        assert props["RestApiId"] == {"Ref": "RestAPI"}, kind
        body = json.loads(props["ResponseTemplates"]["application/json"])
        assert set(body) == {"error", "error_description", "message"}, kind
        assert body["error_description"] == body["message"]["en"], kind
        assert body["message"]["tc"] and body["message"]["tc"] != body["message"]["en"], kind
        assert body == GATEWAY_ANSWERS[kind].body(), kind
        headers = {name.removeprefix("gatewayresponse.header."): value
                   for name, value in props["ResponseParameters"].items()}
        assert headers["X-Content-Type-Options"] == "'nosniff'", kind
        assert headers["Cache-Control"] == "'no-store'", kind
        assert headers["Content-Type"] == "'application/json; charset=utf-8'", kind
        assert headers["Strict-Transport-Security"] == (
            f"'{GATEWAY_ERROR_HEADERS['Strict-Transport-Security']}'"), kind
        assert all(v.startswith("'") and v.endswith("'") and "'" not in v[1:-1]
                   for v in headers.values()), kind


def test_statuses_and_retry_after(synth: Synth) -> None:
    responses = gateway_responses(synth)
    statuses = {kind: props.get("StatusCode") for kind, props in responses.items()}
    assert statuses == {
        "API_KEY_REQUIRED": "403", "INVALID_API_KEY": "403", "WAF_FILTERED": "403",
        "QUOTA_EXCEEDED": "429", "THROTTLED": "429",
        "MISSING_AUTHENTICATION_TOKEN": "404", "INTEGRATION_TIMEOUT": "504",
        # The defaults keep the status API Gateway chose (413, 415, 502...).
        "DEFAULT_4XX": None, "DEFAULT_5XX": None,
    }
    for kind in ("QUOTA_EXCEEDED", "THROTTLED"):
        retry = responses[kind]["ResponseParameters"]["gatewayresponse.header.Retry-After"]
        assert int(retry.strip("'")) > 0, kind
    assert "gatewayresponse.header.Retry-After" not in responses["WAF_FILTERED"][
        "ResponseParameters"]
