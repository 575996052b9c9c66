"""The sleep priority formula and the ranking it produces."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from sleeptime.cli.main import cli
from sleeptime.errors import InputError
from sleeptime.scheduling import (
    PriorityInputs,
    decayed_rate,
    gather_inputs,
    predictability_from_logprob,
    priority_of,
    rank,
)
from sleeptime.store import Store
from sleeptime.values import Usage


def _inputs(
    name: str = "c",
    *,
    ages: tuple[float, ...] = (1.0,),
    saved: float = 1000.0,
    predictability: float | None = 0.5,
    cost: float = 5000.0,
    up_to_date: bool = False,
) -> PriorityInputs:
    return PriorityInputs(
        name=name,
        query_ages_h=ages,
        saved_tokens_per_query=saved,
        predictability=predictability,
        sleep_cost_tokens=cost,
        up_to_date=up_to_date,
    )


def test_formula_by_hand() -> None:
    p = priority_of(
        _inputs(ages=(0.0,), saved=100, predictability=0.5, cost=1000),
        horizon_h=10,
        half_life_h=math.log(2),
        t=10,
    )
    # rate = 1 / lifetime (= 1 h) = 1 query/h; benefit = 1 * 10 h * 100 * 10 * (0.5 + 0.5)
    assert p.rate_per_h == pytest.approx(1.0)
    assert p.benefit == pytest.approx(10_000)
    assert p.priority == pytest.approx(10.0)


def test_steady_stream_rate_is_close_to_its_true_rate() -> None:
    ages = [i / 4 for i in range(4 * 24 * 30)]  # 4 queries per hour for 30 days
    assert decayed_rate(ages, half_life_h=24) == pytest.approx(4.0, rel=0.05)


def test_never_queried_contexts_come_last() -> None:
    ranked = rank([_inputs("idle", ages=()), _inputs("busy", ages=(0.5, 1.0))])
    assert [p.name for p in ranked] == ["busy", "idle"]
    assert ranked[1].priority == 0


def test_up_to_date_contexts_need_nothing() -> None:
    assert priority_of(_inputs(up_to_date=True)).priority == 0


def test_recent_queries_outweigh_old_ones() -> None:
    ranked = rank([_inputs("old", ages=(200.0,) * 3), _inputs("recent", ages=(1.0,))])
    assert ranked[0].name == "recent"


def test_predictable_and_cheap_contexts_rank_higher() -> None:
    ranked = rank([_inputs("vague", predictability=0.05), _inputs("clear", predictability=0.9)])
    assert ranked[0].name == "clear"
    ranked = rank([_inputs("costly", cost=50_000), _inputs("cheap", cost=2_000)])
    assert ranked[0].name == "cheap"


def test_unknown_predictability_uses_the_default() -> None:
    assert priority_of(_inputs(predictability=None)).predictability == 0.5


def test_negative_savings_give_no_benefit() -> None:
    assert priority_of(_inputs(saved=-50)).priority == 0


def test_predictability_from_logprob() -> None:
    assert predictability_from_logprob(-10 * math.log(2), 10) == pytest.approx(0.5)
    assert predictability_from_logprob(-3.0, 0) == 0.5


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(InputError):
        decayed_rate([1.0], half_life_h=0)
    with pytest.raises(InputError):
        priority_of(_inputs(), horizon_h=0)


def _query(store: Store, context_id: int, revision_id: int, mode: str, tokens: int) -> None:
    store.record_query(
        context_id=context_id,
        revision_id=revision_id,
        artifact_id=None,
        text="q?",
        mode=mode,
        budget=1,
        layout=None,
        max_tokens=10,
        answer="a",
        backend="scripted",
        model="m",
        prompt_version="v",
        usage=Usage(prompt_tokens=tokens, completion_tokens=10),
        latency_s=0.1,
    )


def test_gather_from_a_real_store(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        busy, rev_busy, _ = store.add_context("t", "busy", "word " * 2000)
        store.add_context("t", "idle", "word " * 2000)
        for _ in range(3):
            _query(store, busy.id, rev_busy.id, "baseline", 2000)
        inputs = {i.name: i for i in gather_inputs(store, "t")}
        assert len(inputs["busy"].query_ages_h) == 3 and inputs["idle"].query_ages_h == ()
        assert inputs["busy"].saved_tokens_per_query > 0
        assert not inputs["busy"].up_to_date
        assert [p.name for p in rank(inputs.values())] == ["busy", "idle"]
    finally:
        store.close()


def test_priorities_command_lists_contexts(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLEEPTIME_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    source = tmp_path / "doc.txt"
    source.write_text("The shop opens at nine. " * 50, encoding="utf-8")
    assert runner.invoke(cli, ["context", "add", "shop", str(source)]).exit_code == 0
    result = runner.invoke(cli, ["priorities", "--run", "1"])
    assert result.exit_code == 0, result.output
    assert "shop" in result.output and "needs sleep" in result.output
    assert "nothing to do" in result.output  # never queried: not slept on
