"""The device simulator: a sandbox citizen's iAM Smart app, on the command line.

It talks only to the public device API over HTTP, with its own ECDSA P-256 key (kept, with
the enrolment, in a state file readable only by you). Every request is signed as the real
app's would be: ``Authorization: Device <JWS>`` (ES256, ``kid = <account_id>:<device_id>``,
claims ``htm``, ``htu``, ``iat``, ``jti``, ``bh``).

    python -m tools.device --base-url http://localhost:8000 enrol --code SANDBOX-CHAN-TAI-MAN
    python -m tools.device pending
    python -m tools.device show --qr 'iamsmart://approve?txn=...&k=...'
    python -m tools.device approve --qr 'iamsmart://approve?txn=...&k=...' --number 42
    python -m tools.device deny --qr 'iamsmart://approve?txn=...&k=...'
    python -m tools.device liveness-pending
    python -m tools.device liveness --qr 'iamsmart://liveness?session=...&k=...' \
        --number 42 --selfie tests/fixtures/faces/obama2.jpg

Live capture (Face Liveness, handed to the app by the step-up or registration page): the
simulator shows what it is for, starts it with the number on the page (in AWS it receives
Rekognition's session id and credentials for ``StartFaceLivenessSession`` only), cannot
stream the video challenge (no camera, no Face Liveness SDK: in AWS such a session therefore
fails, honestly), and reports the capture complete. Where the face engine is local, no
engine evaluates liveness: the simulator sends a photo instead (``--selfie``) and the result
says liveness ``not_evaluated``. An un-enrolled simulator (no ``enrol`` yet) acts unsigned,
as an applicant's app does for registration.

``--base-url`` must be the platform's public origin (the one the login page is served from):
requests are signed for it. The same works from Python (``Device``), for tests and scripted
relying parties.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

DEFAULT_BASE_URL = os.environ.get("IAMSMART_BASE_URL", "http://localhost:8000")
DEFAULT_STATE = Path.home() / ".iamsmart-sandbox" / "device.json"

# (method, url, headers, body) -> (status, body)
Transport = Callable[[str, str, dict[str, str], bytes | None], tuple[int, bytes]]


class DeviceError(Exception):
    """The platform refused a request (its bilingual message is in ``message``)."""

    def __init__(self, status: int, answer: dict[str, Any]) -> None:
        self.status = status
        self.answer = answer
        self.code = str(answer.get("error", "error"))
        message = answer.get("message") or {}
        self.message_en = str(message.get("en", answer.get("error_description", "")))
        self.message_tc = str(message.get("tc", ""))
        super().__init__(f"{status} {self.code}: {self.message_en}")


def urllib_transport(method: str, url: str, headers: dict[str, str],
                     body: bytes | None) -> tuple[int, bytes]:
    if not url.startswith(("http://", "https://")):
        raise ValueError("the base URL must be http(s)")
    request = urllib.request.Request(url, data=body, method=method,  # noqa: S310 - checked
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - our URL
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def parse_qr(payload: str) -> tuple[str, str]:
    """``iamsmart://approve?txn=<id>&k=<secret>`` → (txn, k)."""
    parts = urlsplit(payload.strip())
    params = parse_qs(parts.query)
    if parts.scheme != "iamsmart" or parts.netloc != "approve" or \
            "txn" not in params or "k" not in params:
        raise ValueError("not an iAM Smart approval QR payload (iamsmart://approve?txn=..&k=..)")
    return params["txn"][0], params["k"][0]


def parse_liveness_qr(payload: str) -> tuple[str, str]:
    """``iamsmart://liveness?session=<id>&k=<secret>`` → (session, k)."""
    parts = urlsplit(payload.strip())
    params = parse_qs(parts.query)
    if parts.scheme != "iamsmart" or parts.netloc != "liveness" or \
            "session" not in params or "k" not in params:
        raise ValueError("not an iAM Smart live-capture QR payload "
                         "(iamsmart://liveness?session=..&k=..)")
    return params["session"][0], params["k"][0]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Device:
    """One simulated app installation: its key, and the account it is enrolled for."""

    def __init__(self, base_url: str = DEFAULT_BASE_URL, state_path: Path | str | None = None,
                 *, transport: Transport | None = None,
                 state: dict[str, Any] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.state_path = Path(state_path).expanduser() if state_path else None
        self.transport = transport or urllib_transport
        if state is not None:
            self.state = dict(state)
        elif self.state_path and self.state_path.exists():
            self.state = json.loads(self.state_path.read_text(encoding="utf-8"))
        else:
            self.state = {}

    # --- state ------------------------------------------------------------------------
    @property
    def enrolled(self) -> bool:
        return bool(self.state.get("device_id"))

    @property
    def account_id(self) -> str | None:
        return self.state.get("account_id")

    @property
    def kid(self) -> str:
        if not self.enrolled:
            raise RuntimeError("this device is not enrolled yet (run: enrol --code ...)")
        return f"{self.state['account_id']}:{self.state['device_id']}"

    def _save(self) -> None:
        if self.state_path is None:
            return
        self.state_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.state_path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(self.state, out, indent=2)
        tmp.replace(self.state_path)

    def _key(self) -> Any:
        from joserfc.jwk import ECKey

        if "jwk" not in self.state:
            key = ECKey.generate_key("P-256", private=True)
            self.state["jwk"] = key.as_dict(private=True)
        return ECKey.import_key(self.state["jwk"])

    # --- HTTP -------------------------------------------------------------------------
    def sign(self, method: str, path: str, body: bytes | None, *, iat: int | None = None,
             jti: str | None = None) -> str:
        """The ``Authorization`` value for one request (exposed for tests of refusals)."""
        from joserfc import jws

        claims = {"htm": method.upper(), "htu": self.base_url + path,
                  "iat": int(time.time()) if iat is None else iat,
                  "jti": jti or secrets.token_urlsafe(18),
                  "bh": _b64(hashlib.sha256(body or b"").digest())}
        header = {"typ": "device+jwt", "alg": "ES256", "kid": self.kid}
        token = jws.serialize_compact(header, json.dumps(claims).encode(), self._key(),
                                      algorithms=["ES256"])
        return f"Device {token}"

    def call(self, method: str, path: str, *, query: dict[str, str] | None = None,
             body: dict[str, Any] | None = None, signed: bool = True,
             authorization: str | None = None) -> dict[str, Any]:
        raw = json.dumps(body).encode() if body is not None else None
        headers = {"Accept": "application/json"}
        if raw is not None:
            headers["Content-Type"] = "application/json"
        if authorization is not None:
            headers["Authorization"] = authorization
        elif signed:
            headers["Authorization"] = self.sign(method, path, raw)
        url = self.base_url + path + ("?" + urlencode(query) if query else "")
        status, answer_raw = self.transport(method, url, headers, raw)
        try:
            answer = json.loads(answer_raw or b"{}")
        except ValueError:
            answer = {"error": "bad_response", "message": {"en": answer_raw[:200].decode(
                "utf-8", "replace"), "tc": ""}}
        if status >= 400:
            raise DeviceError(status, answer if isinstance(answer, dict) else {})
        return answer if isinstance(answer, dict) else {"value": answer}

    # --- what the app does ------------------------------------------------------------
    def enrol(self, code: str, label: str = "Device simulator") -> dict[str, Any]:
        """Create this device's key and bind it with a (sandbox) enrolment code."""
        key = self._key()
        public = {k: v for k, v in key.as_dict(private=False).items()
                  if k in ("kty", "crv", "x", "y")}
        answer = self.call("POST", "/v1/device/enrol", signed=False,
                           body={"code": code, "jwk": public, "label": label})
        self.state.update(account_id=answer["account_id"], device_id=answer["device_id"],
                          base_url=self.base_url)
        self._save()
        return answer

    def pending(self) -> list[dict[str, Any]]:
        """Login requests pushed to this device (the service named the citizen)."""
        return list(self.call("GET", "/v1/device/approvals")["approvals"])

    @staticmethod
    def _target(qr: str | None, txn: str | None, k: str | None) -> tuple[str, str]:
        if qr:
            return parse_qr(qr)
        if txn and k:
            return txn, k
        raise ValueError("give the QR payload, or both txn and k")

    def show(self, qr: str | None = None, *, txn: str | None = None,
             k: str | None = None) -> dict[str, Any]:
        """The service asking, and the three numbers to choose from."""
        txn, k = self._target(qr, txn, k)
        return self.call("GET", f"/v1/device/approvals/{txn}", query={"k": k})

    def approve(self, qr: str | None = None, *, number: int, txn: str | None = None,
                k: str | None = None) -> dict[str, Any]:
        txn, k = self._target(qr, txn, k)
        return self.call("POST", f"/v1/device/approvals/{txn}",
                         body={"k": k, "decision": "approve", "number": int(number)})

    # --- live capture (Face Liveness handed to the app) ----------------------------------
    def liveness_pending(self) -> list[dict[str, Any]]:
        """Face step-ups waiting for this citizen's capture."""
        return list(self.call("GET", "/v1/device/liveness")["liveness"])

    @staticmethod
    def _live_target(qr: str | None, session: str | None, k: str | None) -> tuple[str, str]:
        if qr:
            return parse_liveness_qr(qr)
        if session and k:
            return session, k
        raise ValueError("give the QR payload, or both session and k")

    def liveness_show(self, qr: str | None = None, *, session: str | None = None,
                      k: str | None = None) -> dict[str, Any]:
        """What the capture is for (service and transaction for a step-up), three numbers."""
        session, k = self._live_target(qr, session, k)
        return self.call("GET", f"/v1/device/liveness/{session}", query={"k": k},
                         signed=self.enrolled)

    def liveness_start(self, qr: str | None = None, *, number: int, session: str | None = None,
                       k: str | None = None) -> dict[str, Any]:
        """Start with the page's number; in AWS the answer holds Rekognition's session id and
        credentials for StartFaceLivenessSession, which the real app's SDK streams with."""
        session, k = self._live_target(qr, session, k)
        return self.call("POST", f"/v1/device/liveness/{session}/start",
                         body={"k": k, "number": int(number)}, signed=self.enrolled)

    def liveness_complete(self, qr: str | None = None, *, selfie: bytes | None = None,
                          session: str | None = None, k: str | None = None) -> dict[str, Any]:
        """Report the capture finished (a step-up is checked at once). The simulator cannot
        stream video: ``selfie`` is the photo a local face engine matches instead."""
        session, k = self._live_target(qr, session, k)
        body: dict[str, Any] = {"k": k}
        if selfie is not None:
            body["selfie"] = base64.b64encode(selfie).decode("ascii")
        return self.call("POST", f"/v1/device/liveness/{session}/complete", body=body,
                         signed=self.enrolled)

    def liveness(self, qr: str, *, number: int, selfie: bytes | None = None) -> dict[str, Any]:
        """The whole capture as the app does it: show, start, (stream), complete."""
        self.liveness_show(qr)
        self.liveness_start(qr, number=number)
        return self.liveness_complete(qr, selfie=selfie)

    def deny(self, qr: str | None = None, *, txn: str | None = None,
             k: str | None = None) -> dict[str, Any]:
        txn, k = self._target(qr, txn, k)
        return self.call("POST", f"/v1/device/approvals/{txn}",
                         body={"k": k, "decision": "deny"})


# --- command line ---------------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.device",
        description="Sandbox iAM Smart app simulator (device key, login approvals).")
    parser.add_argument("--base-url", default=None,
                        help=f"platform public origin (default {DEFAULT_BASE_URL}, or the one "
                             "saved at enrolment)")
    parser.add_argument("--state", default=str(DEFAULT_STATE),
                        help=f"state file with the device key (default {DEFAULT_STATE})")
    sub = parser.add_subparsers(dest="command", required=True)
    enrol = sub.add_parser("enrol", help="enrol this device with an enrolment code")
    enrol.add_argument("--code", required=True)
    enrol.add_argument("--label", default="Device simulator")
    sub.add_parser("pending", help="login requests pushed to this device")
    for name, text in (("show", "show a request: the service and the numbers to choose from"),
                       ("approve", "approve a request with the number the browser shows"),
                       ("deny", "decline a request")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--qr", help="the QR payload (iamsmart://approve?txn=...&k=...)")
        cmd.add_argument("--txn")
        cmd.add_argument("--k")
        if name == "approve":
            cmd.add_argument("--number", type=int, required=True)
    sub.add_parser("liveness-pending", help="face step-ups waiting for a live capture")
    live = sub.add_parser("liveness", help="do a live capture handed over by a page "
                          "(step-up or registration)")
    live.add_argument("--qr", help="the QR payload (iamsmart://liveness?session=...&k=...)")
    live.add_argument("--session")
    live.add_argument("--k")
    live.add_argument("--number", type=int, required=True,
                      help="the number shown on the page")
    live.add_argument("--selfie", help="a photo (JPEG/PNG) for a local face engine, which "
                      "cannot evaluate liveness; not accepted in AWS")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    state_path = Path(args.state).expanduser()
    saved = json.loads(state_path.read_text(encoding="utf-8")) if state_path.exists() else {}
    base_url = args.base_url or saved.get("base_url") or DEFAULT_BASE_URL
    device = Device(base_url, state_path)
    try:
        if args.command == "enrol":
            if device.enrolled:
                print(f"Already enrolled ({device.kid}); use another --state file.",
                      file=sys.stderr)
                return 1
            answer = device.enrol(args.code, args.label)
            print(f"Enrolled device {answer['device_id']} for account {answer['account_id']}.")
            print(f"已登記裝置 {answer['device_id']}。狀態檔：{state_path}")
        elif args.command == "pending":
            items = device.pending()
            if not items:
                print("No pending login requests. 沒有待批准的登入要求。")
            for item in items:
                print(f"{item['service']['name_en']} / {item['service']['name_tc']}  "
                      f"(expires in {item['expires_in']} s)")
                print(f"  --txn {item['txn_id']} --k {item['k']}")
        elif args.command == "show":
            answer = device.show(args.qr, txn=args.txn, k=args.k)
            print(f"Service 服務: {answer['service']['name_en']} / "
                  f"{answer['service']['name_tc']}")
            print("Choose the number shown on the login page 請選擇登入頁面上顯示的號碼: "
                  + "  ".join(str(c) for c in answer["choices"]))
        elif args.command == "approve":
            answer = device.approve(args.qr, number=args.number, txn=args.txn, k=args.k)
            print(f"Approved 已批准 ({answer['status']}).")
        elif args.command == "liveness-pending":
            items = device.liveness_pending()
            if not items:
                print("No face checks waiting. 沒有待進行的面孔核實。")
            for item in items:
                print(f"Face check 面孔核實 (expires in {item['expires_in']} s)")
                print(f"  --session {item['liveness_session']} --k {item['k']}")
        elif args.command == "liveness":
            qr = args.qr or None
            target = {"session": args.session, "k": args.k} if not qr else {}
            shown = device.liveness_show(qr, **target)
            service = shown.get("service")
            if service:
                print(f"Service 服務: {service['name_en']} / {service['name_tc']}")
            started = device.liveness_start(qr, number=args.number, **target)
            if started.get("evaluated"):
                print("Rekognition session " + str(started.get("engine_session")) + ": this "
                      "simulator cannot stream the video challenge (the app's Face Liveness "
                      "SDK does), so the check will not pass.")
            else:
                print("No liveness engine here: liveness will be 'not_evaluated'. "
                      "此環境未能進行活體檢測。")
            photo = Path(args.selfie).read_bytes() if args.selfie else None
            answer = device.liveness_complete(qr, selfie=photo, **target)
            print(f"Done 完成 ({answer.get('status')}).")
        elif args.command == "deny":
            device.deny(args.qr, txn=args.txn, k=args.k)
            print("Declined 已拒絕.")
    except DeviceError as exc:
        print(f"Refused ({exc.status} {exc.code}): {exc.message_en}\n{exc.message_tc}",
              file=sys.stderr)
        return 1
    except (ValueError, RuntimeError, OSError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
