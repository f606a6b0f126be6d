"""Catalogue use cases against an in-memory store: validation, bilingual errors, language,
the warm snapshot cache, login-link rules, and the department resolution cache."""

from __future__ import annotations

import dataclasses

import pytest

from iamsmart import errors
from iamsmart.catalogue import dal, departments, logic
from iamsmart.catalogue.models import LoginLinkBody, ServiceQuery


class FakeStore:
    """The dal functions logic uses, in memory."""

    def __init__(self, services):
        self.services = {s.id: s for s in services}
        self.scans = 0
        self.fail_scans = False

    def all_services(self):
        self.scans += 1
        if self.fail_scans:
            raise errors.Unavailable()
        return sorted(self.services.values(), key=lambda s: s.order)

    def get_service(self, service_id):
        return self.services.get(service_id)

    def set_login_url(self, service_id, *, login_url, department_abbr, now=None):
        current = self.services.get(service_id)
        if current is None or current.department.abbr != department_abbr:
            raise errors.NotFound()
        self.services[service_id] = dataclasses.replace(current, login_url=login_url)
        return self.services[service_id]


@pytest.fixture
def store(monkeypatch, seed_services):
    fake = FakeStore(seed_services)
    for name in ("all_services", "get_service", "set_login_url"):
        monkeypatch.setattr(dal, name, getattr(fake, name))
    logic.reset_cache()
    departments.reset()
    yield fake
    logic.reset_cache()
    departments.reset()


@pytest.fixture
def keys(monkeypatch):
    """API key id -> department, as the API key registry answers; counts look-ups."""
    from iamsmart.apikeys import dal as apikeys_dal
    from iamsmart.apikeys.models import Principal

    table = {"key-td": Principal("key-td", "department", department="TD"),
             "key-immd": Principal("key-immd", "department", department="IMMD"),
             "key-off": Principal("key-off", "department", department="TD", enabled=False),
             "key-kiosk": Principal("key-kiosk", "site", channel="kiosk", site="kiosk-01")}
    calls = []

    def get(key_id):
        calls.append(key_id)
        return table.get(key_id)

    monkeypatch.setattr(apikeys_dal, "get", get)
    return calls


# --- listing --------------------------------------------------------------------------------

def test_list_in_both_languages(store):
    en = logic.list_services(ServiceQuery(q="driving", lang="en"))
    tc = logic.list_services(ServiceQuery(q="driving", lang="tc"))
    assert en.count == tc.count == 2  # the permit, then TD's e-licensing platform
    assert en.items[0].name == "Online Application for International Driving Permit"
    assert tc.items[0].name == "網上申請「國際駕駛許可證」"
    assert en.items[0].department.name == "Transport Department"
    assert tc.items[0].department.name == "運輸署"
    assert en.items[0].department.abbr == tc.items[0].department.abbr == "TD"
    assert en.items[0].url == "https://www.td.gov.hk" and en.items[0].login_url is None
    assert [t.name for t in en.themes][:2] == ["Education", "Transport"]
    assert [t.name for t in tc.themes][:2] == ["教育", "交通運輸"]
    assert len(en.themes) == 15 and len(en.audiences) == 6


@pytest.mark.parametrize("field,value", [("theme", "sports"), ("audience", "children")])
def test_unknown_vocabulary_is_a_bilingual_error(store, field, value):
    with pytest.raises(errors.InvalidInput) as exc:
        logic.list_services(ServiceQuery(**{field: value}))
    assert value in exc.value.en and value in exc.value.tc
    assert exc.value.en != exc.value.tc
    assert exc.value.details["field"] == field


def test_overlong_query_is_refused(store):
    with pytest.raises(errors.InvalidInput):
        logic.list_services(ServiceQuery(q="x" * 101))
    assert logic.list_services(ServiceQuery(q="x" * 100)).count == 0


def test_get_service_and_unknown_id(store):
    got = logic.get_service("iamsmart-2023-32", "tc")
    assert got.name == "城市售票網" and got.lang == "tc"
    with pytest.raises(errors.NotFound) as exc:
        logic.get_service("nope", "en")
    assert exc.value.tc != exc.value.en


# --- snapshot cache ---------------------------------------------------------------------------

def test_snapshot_is_reused_within_its_lifetime_and_refreshed_after(store):
    first = logic.snapshot(now=1000.0)
    assert logic.snapshot(now=1030.0) is first
    assert store.scans == 1
    refreshed = logic.snapshot(now=1061.0)  # default catalogue_cache_seconds = 60
    assert refreshed is not first and store.scans == 2


def test_stale_snapshot_serves_while_the_table_is_unavailable(store):
    first = logic.snapshot(now=0.0)
    store.fail_scans = True
    assert logic.snapshot(now=100.0) is first
    logic.reset_cache()
    with pytest.raises(errors.Unavailable):
        logic.snapshot(now=200.0)


# --- login links --------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "https://www.td.gov.hk/login",
    "https://eservices.td.gov.hk:8443/idp/initiate?next=%2Fhome&lang=tc",
    "https://例子.香港/登入",
    "https://[2001:db8::1]/login",
])
def test_acceptable_login_urls(url):
    assert logic.validate_login_url(url) == url


@pytest.mark.parametrize("url,why", [
    ("http://www.td.gov.hk/login", "https"),
    ("javascript:alert(1)", "https"),
    ("//www.td.gov.hk/login", "https"),
    ("https://user:pw@www.td.gov.hk/login", "password"),
    ("https://user@www.td.gov.hk/login", "password"),
    ("https://www.td.gov.hk/login#frag", "fragment"),
    ("https://www.td.gov.hk/login#", "fragment"),
    ("https://www.td.gov.hk/" + "a" * 2048, "2048"),
    ("https://www.td.gov.hk/lo gin", "spaces"),
    ("https://www.td.gov.hk/\nlogin", "spaces"),
    ("https://", "host"),
    ("https://bad_host!.hk/", "host"),
    ("https://a..b/", "host"),
    ("https://www.td.gov.hk:99999/", "valid URL"),
])
def test_refused_login_urls(url, why):
    with pytest.raises(errors.InvalidInput) as exc:
        logic.validate_login_url(url)
    assert why in exc.value.en
    assert exc.value.tc.startswith("login_url 不獲接受")


def test_department_sets_its_own_link_case_insensitively(store, keys):
    out = logic.set_login_link("iamsmart-2023-21", "key-immd",  # tag "IMMD", seed "ImmD"
                               LoginLinkBody(login_url="https://www.immd.gov.hk/login"))
    assert out.login_url == "https://www.immd.gov.hk/login"
    assert store.services["iamsmart-2023-21"].login_url == "https://www.immd.gov.hk/login"


def test_setting_a_link_refreshes_this_functions_snapshot(store, keys):
    before = logic.snapshot()
    assert before.get("iamsmart-2023-51").login_url is None
    logic.set_login_link("iamsmart-2023-51", "key-td",
                         LoginLinkBody(login_url="https://www.td.gov.hk/idp"))
    assert logic.get_service("iamsmart-2023-51", "en").login_url == "https://www.td.gov.hk/idp"


def test_other_departments_service_is_forbidden_and_unchanged(store, keys):
    with pytest.raises(errors.Forbidden) as exc:
        logic.set_login_link("iamsmart-2023-21", "key-td",
                             LoginLinkBody(login_url="https://evil.example/login"))
    assert exc.value.en != exc.value.tc
    assert store.services["iamsmart-2023-21"].login_url is None


@pytest.mark.parametrize("key_id", [None, ""])
def test_missing_key_is_forbidden(store, keys, key_id):
    with pytest.raises(errors.Forbidden):
        logic.set_login_link("iamsmart-2023-51", key_id,
                             LoginLinkBody(login_url="https://www.td.gov.hk/idp"))
    assert keys == []  # refused before any look-up


def test_key_without_department_is_forbidden(store, keys):
    with pytest.raises(errors.Forbidden):
        logic.set_login_link("iamsmart-2023-51", "key-other",
                             LoginLinkBody(login_url="https://www.td.gov.hk/idp"))


def test_unknown_service_is_not_found(store, keys):
    with pytest.raises(errors.NotFound):
        logic.set_login_link("iamsmart-2099-01", "key-td",
                             LoginLinkBody(login_url="https://www.td.gov.hk/idp"))


def test_department_answers_are_cached_for_a_few_seconds(keys):
    from iamsmart.settings import settings

    seconds = settings().apikey_cache_seconds
    departments.reset()
    assert departments.department_for_key("key-td", now=0.0) == "TD"
    assert departments.department_for_key("key-td", now=seconds - 1) == "TD"
    assert keys == ["key-td"]
    departments.department_for_key("key-td", now=seconds + 1)
    assert keys == ["key-td", "key-td"]
    departments.reset()


@pytest.mark.parametrize("key_id", ["key-off", "key-kiosk", "key-unknown"])
def test_disabled_unknown_or_non_department_keys_are_forbidden(keys, key_id):
    departments.reset()
    with pytest.raises(departments.NoDepartment):
        departments.department_for_key(key_id)
    assert keys == [key_id]
