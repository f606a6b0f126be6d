"""What every sandbox site on loopback shares, written once.

- ``Site``: a service with its own HTTP server on loopback, bound when it is made (a busy
  port fails at once, before any registration), served from a daemon thread, stopped cleanly.
  Its handler class gets ``svc`` (the service) as a class attribute.
- ``PageHandler``: a browser site's handler: its session cookie, security headers (CSP that
  lets forms go only to the site itself and the platform, no-store, nosniff, no referrer),
  the bilingual page frame, redirects, and routing by path (``get_routes`` / ``post_routes``
  name handler methods taking a ``Request``). A route that raises ``Failed`` shows its plain
  words; any other exception a plain "something went wrong" page, never a trace. POSTs need
  the browser's session cookie (``_may_post``), except to ``open_posts``.
- ``bi``/``value``: one text in both languages; a value shown in a page (escaped).
- ``STYLE``: the sites' shared style sheet (each site may add to it), ``favicon``.

Nothing here is an OIDC matter (``infra.sandbox.relying_party`` is), and nothing reaches AWS.
"""

from __future__ import annotations

import html
import secrets
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit


def bi(en: str, tc: str) -> str:
    """One text in both languages (English first, then Traditional Chinese)."""
    return (f'<span lang="en">{html.escape(en)}</span> '
            f'<span class="tc" lang="zh-Hant-HK">{html.escape(tc)}</span>')


def value(shown: Any) -> str:
    """A value in a page: yes/no in both languages, a list joined, everything escaped."""
    if isinstance(shown, bool):
        return bi("yes", "是") if shown else bi("no", "否")
    if isinstance(shown, list):
        return html.escape(", ".join(str(v) for v in shown))
    return html.escape(str(shown))


def favicon(colour: str) -> str:
    """The site's icon: a rounded square of its brand colour."""
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
            f'<rect width="16" height="16" rx="3" fill="{colour}"/></svg>')


STYLE = """
:root { --brand: #7a1f00; --fg: #1b1b1b; --bg: #f7f5f2; --line: #c9c1b8; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans HK", sans-serif;
       color: var(--fg); background: var(--bg); line-height: 1.6; }
header { background: var(--brand); color: #fff; padding: 0.75rem 1rem; }
header p { margin: 0; font-weight: 700; font-size: 1.2rem; }
main { max-width: 48rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; line-height: 1.3; }
.tc { display: block; }
.button { display: inline-flex; align-items: center; justify-content: center;
          min-height: 2.75rem; padding: 0.5rem 1.25rem; border-radius: 0.5rem;
          border: 2px solid #00664a; background: #00664a; color: #fff; font: inherit;
          font-weight: 700; text-decoration: none; cursor: pointer; }
.button.secondary { background: #fff; color: #00664a; }
.button:focus-visible, a:focus-visible { outline: 3px solid #000; outline-offset: 2px;
          box-shadow: 0 0 0 6px #ffbf47; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; background: #fff; }
th, td { border: 1px solid var(--line); padding: 0.5rem; text-align: left;
         vertical-align: top; overflow-wrap: anywhere; }
th { width: 40%; }
.error { border-left: 0.35rem solid #b00020; background: #fde8e8; padding: 0.75rem 1rem; }
.note { color: #474747; }
.field { margin: 1rem 0; }
.field label { display: block; font-weight: 700; }
.field input, .field textarea { font: inherit; width: 100%; min-height: 2.75rem; padding: 0.4rem;
         border: 2px solid #5c5c5c; border-radius: 0.4rem; background: #fff; }
.field[data-filled="yes"] input, .field[data-filled="yes"] textarea { border-color: #00664a;
         background: #eef7f3; }
.hint { margin: 0.25rem 0 0; color: #474747; font-size: 0.95rem; }
.done { border-left: 0.35rem solid #00664a; background: #eef7f3; padding: 0.75rem 1rem; }
"""


class Failed(Exception):
    """What a site tells its visitor went wrong: ``en``/``tc`` in plain words; ``detail``
    (never shown) says what for a developer."""

    def __init__(self, en: str, tc: str, detail: str = "") -> None:
        super().__init__(en)
        self.en, self.tc, self.detail = en, tc, detail


SOMETHING_WRONG = ("Something went wrong. Please try again.", "發生錯誤，請再試一次。")


class Site:
    """A sandbox service with its own HTTP server on loopback (``url``)."""

    handler: ClassVar[type[BaseHTTPRequestHandler]]
    name: ClassVar[str] = "sandbox-site"  # the serving thread's name

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        bound = type(f"{type(self).__name__}Handler", (self.handler,), {"svc": self})
        self._server = ThreadingHTTPServer((host, port), bound)
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._thread: threading.Thread | None = None

    def serve(self, poll_interval: float = 0.5) -> None:
        """Answer requests from a daemon thread (``stop`` ends it)."""
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        args=(poll_interval,), name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
        self._server.server_close()


@dataclass
class Request:
    """One browser request as a route sees it."""

    path: str
    query: dict[str, str]
    browser: str  # the browser's session cookie
    new: bool  # the browser had none: ``cookie`` sets it with the answer
    raw: bytes = b""

    @property
    def cookie(self) -> str | None:
        return self.browser if self.new else None

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.raw.decode("utf-8", "replace")).items()}


class PageHandler(BaseHTTPRequestHandler):
    """A browser site on loopback: cookie, headers, page frame, redirects and routing."""

    protocol_version = "HTTP/1.1"
    sys_version = ""
    svc: Any  # the site's service: needs ``issuer`` (the platform, where forms may go)
    cookie_name = "sandbox_sid"
    site_en, site_tc = "Sandbox", "沙盒"
    page_note: tuple[str, str] | None = None  # a line under every page's content
    failed_title = ("Not completed", "未能完成")
    style = STYLE
    icon = favicon("#7a1f00")
    max_body = 8192
    get_routes: ClassVar[dict[str, str]] = {}  # path -> name of a method taking a Request
    post_routes: ClassVar[dict[str, str]] = {}
    open_posts: ClassVar[frozenset[str]] = frozenset()  # POSTs that need no browser session

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet (no URLs
        pass  # with codes or hints in logs)

    # -- routing
    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        browser, new = self._browser()
        request = Request(parts.path, query, browser, new)
        if parts.path == "/style.css":
            self._send(200, self.style.encode(), "text/css; charset=utf-8")
        elif parts.path in ("/favicon.svg", "/favicon.ico"):
            self._send(200, self.icon.encode(), "image/svg+xml")
        else:
            self._route(request, self.get_routes.get(parts.path, "_not_found"))

    def do_POST(self) -> None:
        try:
            length = max(0, int(self.headers.get("Content-Length") or 0))
        except ValueError:
            length = 0
        raw = self.rfile.read(min(length, self.max_body)) if length else b""
        if length > self.max_body:
            self.close_connection = True
        path = urlsplit(self.path).path
        browser, new = self._browser()
        request = Request(path, {}, browser, new, raw)
        if path not in self.open_posts and not self._may_post(request):
            self._redirect("/", request.cookie)
            return
        self._route(request, self.post_routes.get(path, "_elsewhere"))

    def _may_post(self, request: Request) -> bool:
        """Whether this POST may be answered (default: the browser has a session)."""
        return not request.new

    def _route(self, request: Request, name: str) -> None:
        try:
            getattr(self, name)(request)
        except Failed as exc:
            self._failed(exc, request.cookie)
        except Exception:  # noqa: BLE001 - the sandbox shows a plain page, never a trace
            self._failed(Failed(*SOMETHING_WRONG), request.cookie)

    def _not_found(self, request: Request) -> None:
        self._page(404, ("Page not found", "找不到網頁"),
                   f'<p><a href="/">{bi("Home", "首頁")}</a></p>', request.cookie)

    def _elsewhere(self, request: Request) -> None:
        self._redirect("/", request.cookie)

    def _failed(self, exc: Failed, cookie: str | None = None) -> None:
        self._page(400, self.failed_title,
                   f'<p class="error" id="failed" role="alert">{bi(exc.en, exc.tc)}</p>'
                   f'<p><a class="button" href="/">{bi("Back to the start", "返回首頁")}</a>'
                   "</p>", cookie)

    # -- answers
    def _browser(self) -> tuple[str, bool]:
        """The browser's session cookie (a new one when it has none)."""
        for part in (self.headers.get("Cookie") or "").split(";"):
            name, _, cookie = part.strip().partition("=")
            if name == self.cookie_name and 20 <= len(cookie) <= 64:
                return cookie, False
        return secrets.token_urlsafe(24), True

    def _csp(self) -> str:
        provider = urlsplit(self.svc.issuer)
        return ("default-src 'none'; style-src 'self'; img-src 'self'; "
                f"form-action 'self' {provider.scheme}://{provider.netloc}; "
                "base-uri 'none'; frame-ancestors 'none'")

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None,
              cookie: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", self._csp())
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        if cookie:
            self.send_header("Set-Cookie", f"{self.cookie_name}={cookie}; Path=/; HttpOnly; "
                                           "SameSite=Lax")
        for name, header in (headers or {}).items():
            self.send_header(name, header)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _page(self, status: int, title: tuple[str, str], content: str,
              cookie: str | None = None) -> None:
        note = f'\n<p class="note">{bi(*self.page_note)}</p>' if self.page_note else ""
        doc = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title[0])} | {html.escape(title[1])} - {html.escape(self.site_en)}</title>
<link rel="stylesheet" href="/style.css">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
<header><p>{bi(self.site_en, self.site_tc)}</p></header>
<main>
<h1>{bi(*title)}</h1>
{content}{note}
</main>
</body>
</html>
"""
        self._send(status, doc.encode("utf-8"), "text/html; charset=utf-8", cookie=cookie)

    def _redirect(self, location: str, cookie: str | None = None) -> None:
        self._send(302, b"", "text/plain; charset=utf-8", {"Location": location}, cookie)
