"""The refresh-feeds workflow, executed by moto's Step Functions from the real ASL with the
real task handlers (infra/local), fetching the feed fixtures over HTTP on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamsmart.feeds import dal, logic, sources
from infra.local import provision

ALL = sorted(sources.FEEDS)


@pytest.fixture
def platform(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> provision.Platform:
    """The conftest's platform without sandbox seeding (other contexts' data is not needed
    here, and their seeding failures should not fail the feeds workflow's tests)."""
    monkeypatch.setattr(provision, "seed", lambda: None)
    return provision.provision(aws, fast=True)


@pytest.fixture(autouse=True)
def _fresh_dal():
    dal.reset()  # the PynamoDB model caches its connection; each test has its own moto
    yield
    dal.reset()


def _run(platform) -> dict:
    execution = platform.run("refresh-feeds", timeout=90)
    assert execution["status"] == "SUCCEEDED", execution
    return {r["feed"]: r for r in json.loads(execution["output"])["results"]}


def test_refresh_stores_every_feed(platform):
    results = _run(platform)
    assert sorted(results) == ALL
    assert {r["status"] for r in results.values()} == {"stored"}
    assert results["hko-fnd-en"]["items"] == 9
    states = dal.get_states(ALL)
    assert sorted(states) == ALL
    for feed, state in states.items():
        assert state.ok and state.document is not None, feed
        assert state.document.item_count == results[feed]["items"]
        assert state.fetched_at is not None
        assert state.fetched_at.isoformat() == results[feed]["fetched_at"]
    # The read side sees it all.
    assert logic.weather("tc").current is not None
    assert len(logic.traffic("en").items) == 6


def test_failing_feeds_keep_their_last_good_data(platform, upstream_dir: Path):
    first = _run(platform)
    before = dal.get_states(ALL)

    news = upstream_dir / "traffic_news_en.xml"  # td-news-en: truncated XML
    news.write_bytes(news.read_bytes()[:600])
    (upstream_dir / "press_releases_tc.xml").write_bytes(b" " * (10 * 1024 * 1024))  # 10 MB
    (upstream_dir / "weather_warnsum_tc.json").unlink()  # HTTP 404, retried, then recorded

    second = _run(platform)
    failed = {"td-news-en": "MalformedFeed", "gia-press-tc": "FeedTooLarge",
              "hko-warnsum-tc": "UpstreamError"}
    assert {f: r["error"] for f, r in second.items() if r["status"] == "failed"} == failed
    after = dal.get_states(ALL)
    for feed in ALL:
        if feed in failed:
            assert after[feed].document == before[feed].document, feed  # last good payload
            assert after[feed].fetched_at == before[feed].fetched_at
            assert after[feed].last_error == failed[feed]
            assert after[feed].failures == 1
            assert not after[feed].ok
        else:
            assert second[feed]["status"] == "stored"
            assert after[feed].fetched_at > before[feed].fetched_at, feed  # refreshed
            assert after[feed].ok and after[feed].last_error is None
    assert first["td-news-en"]["status"] == "stored"

    # Readers still get the old news, flagged as not refreshed.
    traffic = logic.traffic("en")
    assert {s.feed: s.ok for s in traffic.sources} == {"td-news-en": False,
                                                       "td-incidents-en": True}
    assert sum(1 for i in traffic.items if i.source == "v1") == 3
