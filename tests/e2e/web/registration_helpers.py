"""Helpers shared by the registration web tests: the sandbox staff API key (read from the local
platform's API Gateway, where ``infra.local.provision`` created it), filling the registration
page, and waiting for an application's outcome on the page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from infra.names import REGION, ROOT

FACES = ROOT / "tests" / "fixtures" / "faces"
STAFF_KEY_NAME = re.compile(r".*-sandbox-registration-staff$")
# Debian's chromium (as in conftest.py) with a fake camera: no prompt, frames from a file.
CHROMIUM = "/usr/bin/chromium"
CAMERA_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


def aws_endpoint(local_platform: dict[str, Any]) -> str:
    """The embedded moto server's address, as the local platform printed it."""
    for line in local_platform["startup"]:
        match = re.search(r"AWS_ENDPOINT_URL=(http://\S+)", line)
        if match:
            return match.group(1)
    raise AssertionError("the local platform did not print its AWS endpoint")


def staff_key(local_platform: dict[str, Any]) -> str:
    """The sandbox reviewer's API key (tagged role=registration-staff)."""
    import boto3

    apigw = boto3.client("apigateway", endpoint_url=aws_endpoint(local_platform),
                         region_name=REGION, aws_access_key_id="local",
                         aws_secret_access_key="local")  # noqa: S106 - moto's dummy credentials
    for item in apigw.get_api_keys(includeValues=True)["items"]:
        if STAFF_KEY_NAME.fullmatch(item["name"]):
            return str(item["value"])
    raise AssertionError("no sandbox registration staff key on the local platform")


def fill_common(page: Page, selfie: Path, contact: str) -> None:
    """Consent, the selfie through the upload fallback, and an e-mail contact."""
    page.locator("#reg-consent").check()
    page.set_input_files("#selfie-file", str(selfie))
    expect(page.locator("#selfie-preview")).to_be_visible()
    page.locator("#contact-email").check()
    page.locator("#contact-value").fill(contact)


def submit_and_wait(page: Page, final: tuple[str, ...] = ("completed", "not_completed"),
                    timeout: float = 60_000) -> str:
    """Send the application; wait until the progress section reaches one of ``final``.
    Returns the application id the page shows."""
    page.locator("#reg-submit").click()
    expect(page.locator("#reg-progress")).to_be_visible(timeout=15_000)
    app_id = page.locator("#app-id").inner_text()
    assert re.fullmatch(r"app_[A-Za-z0-9_-]{16,36}", app_id), app_id
    expect(page.locator("#app-link")).to_have_attribute(
        "href", re.compile(f"application={app_id}$"))
    page.wait_for_function(
        "(states) => states.includes(document.getElementById('reg-progress').dataset.state)",
        arg=list(final), timeout=timeout)
    return app_id
