"""Catalogue use cases, called by the HTTP routes and the local platform's provisioning.

A warm function keeps one catalogue snapshot (services plus precomputed search keys) for
``settings().catalogue_cache_seconds``; if DynamoDB is unavailable when it expires, the
stale snapshot keeps serving and the refresh is retried on the next request.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import quote, urlsplit

from iamsmart import errors
from iamsmart.catalogue import search, source
from iamsmart.catalogue.models import (
    DepartmentOut,
    ElsewhereItem,
    LoginLinkBody,
    LoginLinkResult,
    Service,
    ServiceDetail,
    ServiceItem,
    ServiceList,
    ServiceQuery,
    VocabularyItem,
)
from iamsmart.catalogue.vocabulary import AUDIENCES, GOVHK_SEARCH, THEMES, Label
from iamsmart.metrics import Metric
from iamsmart.observability import count, logger
from iamsmart.settings import settings

MAX_LOGIN_URL_CHARS = 2048
MAX_ID_CHARS = 128

_lock = threading.Lock()
_cached: tuple[float, search.Snapshot] | None = None


# --- snapshot -------------------------------------------------------------------------------

def snapshot(*, now: float | None = None) -> search.Snapshot:
    """The current catalogue with search keys (cached per warm function)."""
    global _cached
    now = time.monotonic() if now is None else now
    ttl = settings().catalogue_cache_seconds
    cached = _cached
    if cached is not None and now - cached[0] < ttl:
        return cached[1]
    with _lock:
        cached = _cached
        if cached is not None and now - cached[0] < ttl:
            return cached[1]
        from iamsmart.catalogue import dal

        try:
            fresh = search.Snapshot(tuple(dal.all_services()))
        except errors.Unavailable:
            if cached is None:
                raise
            logger().warning("catalogue refresh failed; serving the cached snapshot")
            return cached[1]
        _cached = (now, fresh)
        return fresh


def reset_cache() -> None:
    global _cached
    with _lock:
        _cached = None


def seed_catalogue() -> dict[str, int]:
    """Load the packaged 2023 seed into the services table (idempotent)."""
    from iamsmart.catalogue import dal

    result = dal.seed(source.seed_services())
    reset_cache()
    logger().info("catalogue seeded", extra={"services_created": result.created,
                                             "services_updated": result.updated,
                                             "services_unchanged": result.unchanged})
    return {"created": result.created, "updated": result.updated,
            "unchanged": result.unchanged}


# --- reading --------------------------------------------------------------------------------

def _vocabulary(vocab: dict[str, Label], lang: str) -> list[VocabularyItem]:
    return [VocabularyItem(id=vid, name=label.get(lang)) for vid, label in vocab.items()]


def _check(kind_en: str, kind_tc: str, value: str | None,
           vocab: dict[str, Label]) -> str | None:
    if value is None or value == "":
        return None
    if value in vocab:
        return value
    allowed = ", ".join(vocab)
    shown = value[:40]
    raise errors.InvalidInput(
        en=f"Unknown {kind_en} '{shown}'. Use one of: {allowed}.",
        tc=f"未知的{kind_tc}「{shown}」。請使用以下其中之一：{allowed}。",
        field=kind_en, allowed=list(vocab),
    )


def item(service: Service, lang: str) -> ServiceItem:
    return ServiceItem(
        id=service.id,
        name=service.name(lang),
        department=DepartmentOut(name=service.department.name(lang),
                                 abbr=service.department.abbr),
        themes=list(service.themes),
        audiences=list(service.audiences),
        url=service.url,
        login_url=service.login_url,
    )


def list_services(query: ServiceQuery) -> ServiceList:
    """Services by theme and/or audience, searched by ``q`` (see ``search``)."""
    theme = _check("theme", "主題", query.theme, THEMES)
    audience = _check("audience", "對象", query.audience, AUDIENCES)
    text = search.check_query(query.q)
    words = source.thesaurus()
    found = search.search(snapshot(), text, theme=theme, audience=audience, thesaurus=words)
    lang = query.lang
    elsewhere = words.elsewhere(search.readings_of(text)) if text else []
    return ServiceList(
        lang=lang,
        count=len(found),
        themes=_vocabulary(THEMES, lang),
        audiences=_vocabulary(AUDIENCES, lang),
        items=[item(s, lang) for s in found],
        elsewhere=[ElsewhereItem(about=p.about(lang), url=p.url, department=DepartmentOut(
            name=p.department(lang), abbr=p.abbr)) for p in elsewhere],
        search_elsewhere=GOVHK_SEARCH.format(query=quote(text, safe="")) if text else None,
    )


def _not_found(service_id: str) -> errors.NotFound:
    return errors.NotFound(en="No such service in the catalogue.",
                           tc="服務目錄中沒有此服務。", service=service_id[:MAX_ID_CHARS])


def get_service(service_id: str, lang: str) -> ServiceDetail:
    service = snapshot().get(service_id)
    if service is None:
        raise _not_found(service_id)
    return ServiceDetail(lang=lang, **item(service, lang).model_dump())  # type: ignore[arg-type]


# --- department-managed login links -----------------------------------------------------------

def _bad_url(en: str, tc: str) -> errors.InvalidInput:
    return errors.InvalidInput(en=f"login_url is not acceptable: {en}",
                               tc=f"login_url 不獲接受：{tc}", field="login_url")


def validate_login_url(url: str) -> str:
    """An absolute https URL, ≤ 2048 characters, no credentials, no fragment."""
    if len(url) > MAX_LOGIN_URL_CHARS:
        raise _bad_url(f"it is longer than {MAX_LOGIN_URL_CHARS} characters.",
                       f"長度超過 {MAX_LOGIN_URL_CHARS} 個字元。")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise _bad_url("it contains spaces or control characters.", "包含空格或控制字元。")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _bad_url("it is not a valid URL.", "這不是有效的網址。") from None
    if parts.scheme != "https":
        raise _bad_url("it must start with https://.", "必須以 https:// 開頭。")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise _bad_url("it must not contain a user name or password.", "不可包含用戶名稱或密碼。")
    if "#" in url:
        raise _bad_url("it must not contain a fragment (#...).", "不可包含片段（#…）。")
    host = parts.hostname or ""
    try:
        ascii_host = host.encode("idna").decode("ascii") if host else ""
    except UnicodeError:
        ascii_host = ""
    labels = ascii_host.strip("[]").split(".") if ascii_host else []
    valid = bool(labels) and all(
        0 < len(label) <= 63 and label.replace("-", "").replace(":", "").isalnum()
        for label in labels
    )
    if not valid or port == 0:
        raise _bad_url("it has no valid host name.", "沒有有效的主機名稱。")
    return url


def set_login_link(service_id: str, api_key_id: str | None,
                   body: LoginLinkBody) -> LoginLinkResult:
    """The owning department sets a service's one-click login link."""
    from iamsmart.catalogue import dal, departments

    department = departments.department_for_key(api_key_id)
    url = validate_login_url(body.login_url)
    if len(service_id) > MAX_ID_CHARS:
        raise _not_found(service_id)
    service = dal.get_service(service_id)
    if service is None:
        raise _not_found(service_id)
    if service.department.abbr.casefold() != department.casefold():
        count(Metric.CATALOGUE_LOGIN_LINK_REFUSED)
        raise errors.Forbidden(
            en="Only the department that provides this service can change its login link.",
            tc="只有提供此服務的部門才可更改其登入連結。",
        )
    updated = dal.set_login_url(service_id, login_url=url,
                                department_abbr=service.department.abbr)
    reset_cache()
    logger().info("catalogue login link set",
                  extra={"service": service_id, "department": service.department.abbr})
    count(Metric.CATALOGUE_LOGIN_LINK_SET)
    return LoginLinkResult(id=updated.id, login_url=updated.login_url or url)
