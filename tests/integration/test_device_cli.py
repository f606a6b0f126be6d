"""The device simulator CLI as a person runs it: real HTTP (urllib) to a loopback server in
front of the real API on moto, a state file with the key, enrol / pending / show / approve /
deny (H2)."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from identity_helpers import (  # noqa: F401 - fixtures
    PUBLIC_URL,
    Browser,
    Gateway,
    gateway,
    identity_aws,
    start_login,
)

from tools import device as cli


@pytest.fixture
def http_base(gateway: Gateway):  # noqa: F811
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # noqa: ANN002 - quiet
            pass

        def _any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            status, headers, raw = gateway.request(self.command, self.path,
                                                   dict(self.headers.items()), body)
            self.send_response(status)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = _any

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_cli_enrol_show_approve(gateway: Gateway, http_base: str, tmp_path: Path,  # noqa: F811
                                capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch):
    # Requests are signed for the public origin; this loopback server stands in for it.
    real = cli.urllib_transport
    monkeypatch.setattr(cli, "urllib_transport",
                        lambda m, url, h, b: real(m, url.replace(PUBLIC_URL, http_base), h, b))
    state = tmp_path / "sandbox" / "device.json"
    base = ["--base-url", PUBLIC_URL, "--state", str(state)]
    assert cli.main([*base, "enrol", "--code", "SANDBOX-CHAN-TAI-MAN"]) == 0
    assert "Enrolled" in capsys.readouterr().out
    saved = json.loads(state.read_text())
    assert saved["account_id"] == "sandbox-chan-tai-man" and "d" in saved["jwk"]
    assert os.stat(state).st_mode & 0o077 == 0  # the private key is readable by you only
    assert cli.main([*base, "enrol", "--code", "SANDBOX-CHAN-TAI-MAN"]) == 1

    browser = Browser(gateway)
    txn = start_login(browser, login_hint="chan.tai.man@sandbox.iamsmart.local")
    page = browser.call("GET", f"/v1/login/{txn}")[1]
    assert cli.main(["--state", str(state), "pending"]) == 0  # base URL from the state
    assert txn in capsys.readouterr().out

    qr = page["qr"]["payload"]
    assert cli.main([*base, "show", "--qr", qr]) == 0
    out = capsys.readouterr().out
    assert "Transport Department (sandbox)" in out and str(page["number"]) in out
    wrong = next(n for n in range(10, 100) if n != page["number"])
    assert cli.main([*base, "approve", "--qr", qr, "--number", str(wrong)]) == 1
    err = capsys.readouterr().err
    assert "wrong_number" in err and "號碼" in err
    assert cli.main([*base, "approve", "--qr", qr, "--number", str(page["number"])]) == 0
    assert browser.call("GET", f"/v1/login/{txn}")[1]["status"] == "authenticated"

    txn2 = start_login(browser, grant_id="g2")
    qr2 = browser.call("GET", f"/v1/login/{txn2}")[1]["qr"]["payload"]
    assert cli.main([*base, "deny", "--qr", qr2]) == 0
    assert browser.call("GET", f"/v1/login/{txn2}")[1]["status"] == "denied"
    assert cli.main([*base, "show", "--qr", "https://example.com"]) == 2


def test_parse_qr():
    assert cli.parse_qr("iamsmart://approve?txn=abc&k=def") == ("abc", "def")
    for bad in ("iamsmart://approve?txn=abc", "https://approve?txn=a&k=b", "nonsense"):
        with pytest.raises(ValueError):
            cli.parse_qr(bad)
