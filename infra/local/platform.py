"""Assemble the local platform: moto server, in-process Lambdas, upstream feeds, front."""

from __future__ import annotations

import json
import os
import sys
import threading
import urllib.request
from typing import Any

from iamsmart.metrics import NAMESPACE
from infra.local.upstream import FEED_FIXTURES
from infra.names import (
    FACE_COLLECTION_ID,
    FACES_REGION,
    REGION,
    key_environment,
    parameter_environment,
    prefix,
    state_machine_environment,
    table_environment,
)
from infra.sandbox import DOCUMENT_SIGNER_KEY

# The emulator's account: moto's default (``MOTO_ACCOUNT_ID`` unset), in every ARN it makes.
ACCOUNT = "123456789012"


def local_environment(endpoint: str | None, feed_urls: dict[str, str]) -> dict[str, str]:
    """Environment of every local function: the values the CDK gives them in AWS, pointed at
    the embedded moto server.

    The public origin is not here: as in AWS on a first deploy, the functions read it from
    the SSM parameter (``infra.names.PARAMETERS``), which provisioning writes in the emulator
    (``provision.create_parameters``). The sandbox card issuer's key is a file on this machine.
    """
    env = {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",  # noqa: S105 - moto's placeholder credentials
        "AWS_SESSION_TOKEN": "local",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        # botocore otherwise sends DynamoDB (Streams) calls to an account-specific host.
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        # One emulator endpoint: no ``sync-states`` host for StartSyncExecution.
        "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
        "STAGE": "local",
        "POWERTOOLS_SERVICE_NAME": prefix(),
        "POWERTOOLS_METRICS_NAMESPACE": NAMESPACE,
        "FEED_URLS": json.dumps(feed_urls),
        # Rekognition in AWS; dlib's descriptor here (moto's compare_faces is one canned answer).
        "FACE_ENGINE": "local",
        # Where a deployment processes face images (the CDK passes its face region).
        "REKOGNITION_REGION": FACES_REGION,
        "FACE_COLLECTION_ID": FACE_COLLECTION_ID,
        "SANDBOX_CARD_KEY_FILE": str(DOCUMENT_SIGNER_KEY),
        # Plain http on loopback: scripted clients would not send Secure cookies back.
        "COOKIE_SECURE": "false",
        **table_environment(),
        **key_environment(),
        **parameter_environment(),
        **state_machine_environment(REGION, ACCOUNT),
    }
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
        env["MOTO_PORT"] = endpoint.rsplit(":", 1)[1]
    return env


def apply_environment(env: dict[str, str]) -> None:
    os.environ.update(env)
    from iamsmart import aws, parameters
    from iamsmart.catalogue import logic as catalogue
    from iamsmart.feeds import dal as feeds
    from iamsmart.settings import settings

    settings.cache_clear()
    aws.reset()
    parameters.reset()
    feeds.reset()
    catalogue.reset_cache()


class LocalPlatform:
    def __init__(self, host: str = "127.0.0.1", port: int = 8000,
                 department_port: int | None = None) -> None:
        self.host, self.port = host, port
        # The sandbox department service (a relying party) on 127.0.0.1: another site.
        self.department_port = department_port
        self.department: Any = None
        self.bank: Any = None  # the sandbox bank (infra/sandbox/bank.py), port + 2
        self.department_keys: dict[str, str] = {}
        self.registration_keys: dict[str, str] = {}
        self._moto: Any = None
        self._upstream: Any = None
        self._front: Any = None
        self._platform: Any = None
        self._refresh_lock = threading.Lock()
        self._stopping = threading.Event()

    @property
    def url(self) -> str:
        """The public origin (``localhost``, whatever loopback address is bound)."""
        return f"http://localhost:{self._front.server_address[1]}"

    @property
    def aws_endpoint(self) -> str:
        """The embedded AWS emulator (for the admin CLIs: ``AWS_ENDPOINT_URL``)."""
        host, port = self._moto.get_host_and_port()
        return f"http://{host}:{port}"

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        from infra.local import dynamodb, lambdas, provision, server, upstream
        from infra.local.api import chalice_app

        # Bind the front port first: a busy port fails fast, before any work.
        self._front = server.make_server(self.host, self.port)
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        moto_host, moto_port = self._moto.get_host_and_port()
        endpoint = f"http://{moto_host}:{moto_port}"
        request = urllib.request.Request(  # noqa: S310 - loopback moto server
            f"{endpoint}/moto-api/config", method="POST",
            data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
            headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=5).close()  # noqa: S310 - loopback
        lambdas.install()
        dynamodb.serialise()

        self._upstream = upstream.serve_directory(FEED_FIXTURES)
        apply_environment(local_environment(endpoint, upstream.feed_urls(upstream.base_url(
            self._upstream))))
        self._platform = provision.provision(dict(os.environ), public_url=self.url, fast=False)
        self.department_keys = self._platform.department_keys
        self.registration_keys = self._platform.registration_keys
        self.refresh_feeds()

        server.attach(self._front, chalice_app())
        server.serve_in_thread(self._front)
        dynamodb.start_sweeper(self._stopping)
        try:  # the sandbox data providers (registered before the department, a consumer)
            from infra.sandbox import providers
            self.providers = providers.start(self.url)
        except Exception as exc:  # noqa: BLE001 - the platform is still useful without them
            print(f"Sandbox data providers not started: {type(exc).__name__}: {exc}",
                  file=sys.stderr, flush=True)
        try:
            self.start_department()
        except Exception as exc:  # noqa: BLE001 - the platform is still useful without it
            print(f"Sandbox department service not started: {type(exc).__name__}: {exc}",
                  file=sys.stderr, flush=True)
        try:
            self.start_bank()
        except Exception as exc:  # noqa: BLE001 - the platform is still useful without it
            print(f"Sandbox bank service not started: {type(exc).__name__}: {exc}",
                  file=sys.stderr, flush=True)

    def mark_ready(self) -> None:
        """/healthz answers 200 from now on: call it after announcing keys and addresses."""
        from infra.local import server

        server.mark_ready(self._front)

    def start_department(self) -> None:
        """The sandbox department service: registers itself as a client and links a
        catalogue service to its one-click login."""
        from infra.sandbox.department import DepartmentService

        port = self.department_port
        if port is None:  # the default: the next port, or any free one if that is taken
            try:
                service = DepartmentService(self.url, port=self.port + 1 if self.port else 0)
            except OSError:
                service = DepartmentService(self.url, port=0)
        else:
            service = DepartmentService(self.url, port=port)
        service.start()
        self.department = service

    def start_bank(self) -> None:
        """The sandbox bank (a relying party asking for the face level): port + 2, or any
        free port if that is taken."""
        from infra.sandbox.bank import BankService

        try:
            service = BankService(self.url, port=self.port + 2 if self.port else 0)
        except OSError:
            service = BankService(self.url, port=0)
        service.start()
        self.bank = service

    def refresh_feeds(self) -> dict[str, Any]:
        """One run of the refresh workflow (EventBridge Scheduler starts it in AWS)."""
        with self._refresh_lock:
            return self._platform.run("refresh-feeds", timeout=120)

    def stop(self) -> None:
        self._stopping.set()
        if getattr(self, "providers", None) is not None:
            self.providers.stop()
        if self.department is not None:
            self.department.stop()
        if self.bank is not None:
            self.bank.stop()
        for srv in (self._front, self._upstream):
            if srv is not None:
                srv.shutdown()
                srv.server_close()
        if self._moto is not None:
            self._moto.stop()
