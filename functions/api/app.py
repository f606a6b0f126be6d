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
from iamsmart.exchange.vocabulary import DETAIL_TYPE as DATA_EXCHANGE
from iamsmart.observability import logger, metrics
from iamsmart.oidc import detail_types


def _data_exchange() -> detail_types.DetailType:
    """The data-exchange authorization detail (loaded on first use, not at cold start)."""
    from iamsmart.exchange.login import DATA_EXCHANGE as detail_type

    return detail_type


# The OpenID Provider learns the authorization-details types of the contexts above it here,
# never by importing them.
detail_types.register(DATA_EXCHANGE, _data_exchange)

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
