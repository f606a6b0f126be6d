"""Fixtures of the catalogue unit tests: the packaged seed as a search snapshot."""

from __future__ import annotations

import pytest

from iamsmart.catalogue import search, source


@pytest.fixture(scope="session")
def seed_services():
    return source.seed_services()


@pytest.fixture(scope="session")
def snapshot(seed_services):
    return search.Snapshot(tuple(seed_services))


@pytest.fixture
def ids(snapshot):
    """Search, returning the matching service ids (best first)."""

    def run(q=None, **filters):
        return [s.id for s in search.search(snapshot, q, **filters)]

    return run
