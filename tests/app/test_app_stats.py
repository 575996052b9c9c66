"""``Sleeptime.stats``: means and amortized costs from recorded runs and queries."""

from __future__ import annotations

from statistics import fmean

import pytest

from sleeptime.app import Sleeptime
from sleeptime.backends import ChatResult, ScriptedBackend, Usage
from sleeptime.errors import BackendUnavailableError, InputError

TEXT = "The office opens at 9 and closes at 17. It has 3 rooms with 8 seats each."


def _result(text: str, prompt: int, generated: int) -> ChatResult:
    return ChatResult(
        text=text, usage=Usage(prompt_tokens=prompt, completion_tokens=generated, calls=1)
    )


async def _ask(app: Sleeptime, mode: str, prompt: int, generated: int) -> None:
    backend = ScriptedBackend([_result("The answer is 24.", prompt, generated)])
    await app.ask("office", "How many seats?", mode=mode, backend=backend)


@pytest.fixture
async def recorded(app: Sleeptime) -> Sleeptime:
    """A failed run, then a complete one of 500 prompt + 80 generated tokens, four queries."""
    app.add_context("office", TEXT)
    with pytest.raises(BackendUnavailableError):
        await app.sleep("office", backend=ScriptedBackend([BackendUnavailableError("down")]))
    sleeper = ScriptedBackend([_result("<notes>Seats: 24.</notes><finish/>", 500, 80)])
    await app.sleep("office", backend=sleeper)
    await _ask(app, "baseline", 100, 30)
    await _ask(app, "baseline", 120, 50)
    await _ask(app, "sleep", 40, 10)
    await _ask(app, "sleep", 60, 20)
    return app


async def test_means_per_mode(recorded: Sleeptime) -> None:
    stats = recorded.stats("office")
    assert (stats.name, stats.revision_seq, stats.t) == ("office", 1, 10.0)
    assert stats.sleep_runs == 2
    assert (stats.sleep_generated, stats.sleep_total) == (80, 580)

    assert stats.sleep is not None and stats.baseline is not None
    assert stats.sleep.count == 2
    assert stats.sleep.mean_generated == pytest.approx(15)
    assert stats.sleep.mean_prompt == pytest.approx(50)
    assert stats.sleep.mean_total == pytest.approx(65)
    assert stats.baseline.count == 2
    assert stats.baseline.mean_generated == pytest.approx(40)
    assert stats.baseline.mean_prompt == pytest.approx(110)
    assert stats.baseline.mean_total == pytest.approx(150)

    _, revision = recorded.context("office")
    queries = recorded.store.list_queries(revision_id=revision.id)
    assert stats.sleep.mean_latency_s == pytest.approx(
        fmean(q.latency_s for q in queries if q.mode == "sleep")
    )


async def test_cost_table_by_hand(recorded: Sleeptime) -> None:
    stats = recorded.stats("office", ns=(1, 4, 10))
    by_n = {c.n_queries: c for c in stats.costs}
    assert sorted(by_n) == [1, 4, 10]
    # sleep: t * mean + run / N; baseline: t * mean (no run to amortize)
    assert by_n[1].sleep_generated == pytest.approx(10 * 15 + 80)
    assert by_n[4].sleep_generated == pytest.approx(10 * 15 + 80 / 4)
    assert by_n[10].sleep_generated == pytest.approx(10 * 15 + 8)
    assert by_n[10].sleep_total == pytest.approx(10 * 65 + 58)
    assert by_n[1].sleep_total == pytest.approx(10 * 65 + 580)
    for c in stats.costs:
        assert c.baseline_generated == pytest.approx(400)
        assert c.baseline_total == pytest.approx(1500)
    assert by_n[4].ratio_generated == pytest.approx(400 / 170)
    assert by_n[4].ratio_total == pytest.approx(1500 / 795)


async def test_default_ns_and_custom_t(recorded: Sleeptime) -> None:
    stats = recorded.stats("office", t=2)
    assert [c.n_queries for c in stats.costs] == [1, 2, 5, 10]
    assert stats.costs[0].sleep_generated == pytest.approx(2 * 15 + 80)
    assert stats.costs[0].baseline_total == pytest.approx(2 * 150)


@pytest.mark.parametrize("t", [0, -1])
async def test_non_positive_t(recorded: Sleeptime, t: float) -> None:
    with pytest.raises(InputError, match="positive"):
        recorded.stats("office", t=t)


async def test_one_mode_only_has_no_cost_table(app: Sleeptime) -> None:
    app.add_context("office", TEXT)
    await _ask(app, "baseline", 100, 30)
    stats = app.stats("office")
    assert stats.sleep is None
    assert stats.baseline is not None and stats.baseline.count == 1
    assert (stats.sleep_runs, stats.sleep_generated, stats.sleep_total) == (0, 0, 0)
    assert stats.costs == []


async def test_stats_cover_the_current_revision_only(recorded: Sleeptime) -> None:
    recorded.add_context("office", TEXT + " Changed.")
    stats = recorded.stats("office")
    assert stats.revision_seq == 2
    assert stats.sleep is None and stats.baseline is None
    assert stats.sleep_runs == 0
    assert stats.costs == []


def test_stats_unknown_context(app: Sleeptime) -> None:
    from sleeptime.errors import NotFoundError

    with pytest.raises(NotFoundError):
        app.stats("missing")
