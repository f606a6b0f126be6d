"""The provider's own small pages (bilingual, no script, never framed): an authorization
error that cannot go back to the relying party, the logout confirmation and "logged out".

Every value is HTML-escaped; the page's Content-Security-Policy allows nothing but its own
form posting to us (``frame-ancestors 'none'``, THREATS 14) and no Referer leaves it
(``Referrer-Policy: no-referrer``, THREATS 15).
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def _page(title_en: str, title_tc: str, body: str) -> str:
    return (
        "<!doctype html>\n<html lang=\"zh-Hant-HK\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title_tc)} | {escape(title_en)}</title>"
        "<link rel=\"stylesheet\" href=\"/assets/site.css\"></head>"
        "<body><main class=\"container\">"
        f"<h1><span lang=\"zh-Hant-HK\">{escape(title_tc)}</span> "
        f"<span lang=\"en\">{escape(title_en)}</span></h1>{body}"
        "<p><a href=\"/\"><span lang=\"zh-Hant-HK\">返回「智方便」</span> "
        "<span lang=\"en\">Back to iAM Smart</span></a></p>"
        "</main></body></html>\n")


def error(code: str, en: str, tc: str) -> str:
    body = (f"<p lang=\"zh-Hant-HK\">{escape(tc)}</p><p lang=\"en\">{escape(en)}</p>"
            f"<p><small>{escape(code)}</small></p>"
            "<p lang=\"zh-Hant-HK\">請返回有關服務重新開始。</p>"
            "<p lang=\"en\">Please go back to the service and start again.</p>")
    return _page("Login could not continue", "無法繼續登入", body)


def logged_out() -> str:
    body = ("<p lang=\"zh-Hant-HK\">你已登出「智方便」。</p>"
            "<p lang=\"en\">You have logged out of iAM Smart.</p>")
    return _page("Logged out", "已登出", body)


def confirm_logout(params: Mapping[str, str]) -> str:
    hidden = "".join(
        f"<input type=\"hidden\" name=\"{escape(k)}\" value=\"{escape(v)}\">"
        for k, v in params.items())
    body = ("<p lang=\"zh-Hant-HK\">要登出「智方便」嗎？</p>"
            "<p lang=\"en\">Do you want to log out of iAM Smart?</p>"
            f"<form method=\"post\" action=\"/v1/oidc/logout\">{hidden}"
            "<button type=\"submit\"><span lang=\"zh-Hant-HK\">登出</span> "
            "<span lang=\"en\">Log out</span></button></form>")
    return _page("Log out", "登出", body)
