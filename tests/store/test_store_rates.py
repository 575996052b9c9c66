"""``Store.take_rate_token``: one token bucket per API key, shared through the database."""

from __future__ import annotations

import threading

import pytest

from sleeptime.store import Store

T0 = 1_000_000.0


@pytest.fixture(params=["sqlite", "postgresql"])
def both(request: pytest.FixtureRequest) -> Store:
    """The store on SQLite, then on a throwaway PostgreSQL."""
    name = "store" if request.param == "sqlite" else "pg_store"
    found: Store = request.getfixturevalue(name)
    return found


def test_a_burst_is_allowed_then_the_rate_refills_it(both: Store) -> None:
    take = lambda now: both.take_rate_token("k1", per_second=2.0, burst=3, now=now)  # noqa: E731
    assert [take(T0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert take(T0) == pytest.approx(0.5)  # one token comes back after half a second
    assert take(T0 + 0.25) == pytest.approx(0.25)
    assert take(T0 + 0.5) == 0.0
    assert take(T0 + 100) == 0.0  # refills to the burst, not beyond
    assert [take(T0 + 100) for _ in range(3)] == [0.0, 0.0, pytest.approx(0.5)]


def test_keys_have_their_own_buckets(both: Store) -> None:
    assert both.take_rate_token("a", per_second=1.0, burst=1, now=T0) == 0.0
    assert both.take_rate_token("a", per_second=1.0, burst=1, now=T0) > 0
    assert both.take_rate_token("b", per_second=1.0, burst=1, now=T0) == 0.0


def test_a_clock_behind_the_last_take_grants_nothing(both: Store) -> None:
    """Hosts' clocks differ a little: a take stamped earlier neither refills nor rewinds."""
    assert both.take_rate_token("k", per_second=1.0, burst=1, now=T0) == 0.0
    assert both.take_rate_token("k", per_second=1.0, burst=1, now=T0 - 30) > 0
    assert both.take_rate_token("k", per_second=1.0, burst=1, now=T0 + 1) == 0.0


def test_processes_on_one_database_share_the_bucket_and_never_overdraw_it(both: Store) -> None:
    """Eight threads, each with its own Store (its own connections), as service processes
    would be: a burst of 10 lets exactly 10 of 40 simultaneous requests through."""
    url = both.connect_url
    stores = [Store(url) for _ in range(8)]
    allowed: list[int] = []
    start = threading.Barrier(len(stores))

    def hammer(store: Store) -> None:
        start.wait()
        n = 0
        for _ in range(5):
            n += store.take_rate_token("shared", per_second=1e-6, burst=10, now=T0) == 0.0
        allowed.append(n)

    threads = [threading.Thread(target=hammer, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for s in stores:
        s.close()
    assert sum(allowed) == 10 and len(allowed) == 8
