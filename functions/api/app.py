"""The platform's HTTP API: one Chalice app, one blueprint per bounded context."""

from chalice import Chalice, ConvertToMiddleware

from chalicelib import http
from chalicelib.routes import (
    account,
    catalogue,
    connections,
    device,
    info,
    login,
    meta,
    oidc,
    registration,
    sandbox,
    sites,
)
from iamsmart.observability import logger, metrics

app = Chalice(app_name="iamsmart-api")
app.register_middleware(ConvertToMiddleware(logger().inject_lambda_context(clear_state=True)))
app.register_middleware(ConvertToMiddleware(metrics().log_metrics))
app.register_middleware(http.platform_errors, "http")

app.register_blueprint(meta.bp)
app.register_blueprint(info.bp)
app.register_blueprint(catalogue.bp)
app.register_blueprint(oidc.bp)
app.register_blueprint(login.bp)
app.register_blueprint(device.bp)
app.register_blueprint(account.bp)
app.register_blueprint(connections.bp)
app.register_blueprint(registration.bp)
app.register_blueprint(sandbox.bp)
app.register_blueprint(sites.bp)
from chalicelib.routes import faces  # noqa: E402 - face step-up and face data

app.register_blueprint(faces.bp)
from chalicelib.routes import exchange  # noqa: E402 - data exchange (issue 5)

app.register_blueprint(exchange.bp)
from chalicelib.routes import profile  # noqa: E402 - the citizen's e-ME profile (issue 5)

app.register_blueprint(profile.bp)
