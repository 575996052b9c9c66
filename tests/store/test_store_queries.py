from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sleeptime.errors import InputError, NotFoundError
from sleeptime.store import RunRecord, Store
from sleeptime.values import Usage

Start = Callable[..., RunRecord]


def _query(store: Store, **overrides: Any) -> Any:
    args: dict[str, Any] = {
        "artifact_id": None,
        "text": "When does it open?",
        "mode": "baseline",
        "budget": 0,
        "layout": None,
        "max_tokens": None,
        "answer": "At 9.",
        "backend": "scripted",
        "model": "m",
        "prompt_version": "1",
        "usage": Usage(prompt_tokens=3, completion_tokens=4, first_token_s=0.05, calls=1),
        "latency_s": 0.2,
    }
    args.update(overrides)
    return store.record_query(**args)


def test_record_query_round_trips(store: Store, start: Start, usage: Usage) -> None:
    ctx, rev, _ = store.add_context("default", "c", "text")
    art = store.complete_run(
        start(rev.id).id, artifact_text="notes", usage=usage, rounds=1, details={}
    )
    q = _query(
        store, context_id=ctx.id, revision_id=rev.id, artifact_id=art.id, mode="sleep",
        budget=4, layout="artifact-first", max_tokens=64, usage=usage, details={"k": [1, 2]},
    )  # fmt: skip
    assert (q.context_id, q.revision_id, q.artifact_id, q.mode, q.budget) == (
        ctx.id, rev.id, art.id, "sleep", 4,
    )  # fmt: skip
    assert (q.layout, q.max_tokens, q.answer) == ("artifact-first", 64, "At 9.")
    assert q.details == {"calls": 2, "k": [1, 2]}
    assert q.usage.prompt_tokens == 10 and q.usage.wall_time_s == 0.2
    assert q.created_at.tzinfo is not None
    assert store.list_queries() == [q]


def test_list_queries_newest_first_with_filters(store: Store) -> None:
    a, a1, _ = store.add_context("default", "a", "one")
    _, a2, _ = store.add_context("default", "a", "two")
    b, b1, _ = store.add_context("default", "b", "bee")
    q1 = _query(store, context_id=a.id, revision_id=a1.id)
    q2 = _query(store, context_id=a.id, revision_id=a2.id, mode="baseline")
    q3 = _query(store, context_id=b.id, revision_id=b1.id)
    assert store.list_queries() == [q3, q2, q1]
    assert store.list_queries(context_id=a.id) == [q2, q1]
    assert store.list_queries(revision_id=a1.id) == [q1]
    assert store.list_queries(limit=2) == [q3, q2]
    assert q2.usage.first_token_s == 0.05


@pytest.mark.parametrize(
    ("overrides", "error", "fragment"),
    [
        ({"mode": "dream"}, InputError, "unknown query mode"),
        ({"budget": 5}, InputError, "between 0 and 4"),
        ({"budget": -1}, InputError, "between 0 and 4"),
        ({"text": "  "}, InputError, "empty"),
        ({"text": "a\x00b"}, InputError, "NUL"),
        ({"max_tokens": 0}, InputError, "max_tokens"),
        ({"artifact_id": 12345}, NotFoundError, "no artifact"),
    ],
)
def test_bad_queries_are_rejected(
    store: Store, overrides: dict[str, Any], error: type[Exception], fragment: str
) -> None:
    ctx, rev, _ = store.add_context("default", "c", "text")
    with pytest.raises(error, match=fragment):
        _query(store, context_id=ctx.id, revision_id=rev.id, **overrides)
    assert store.list_queries() == []


def test_query_revision_must_belong_to_its_context(store: Store) -> None:
    a, _, _ = store.add_context("default", "a", "one")
    _, b_rev, _ = store.add_context("default", "b", "two")
    with pytest.raises(NotFoundError, match="no revision"):
        _query(store, context_id=a.id, revision_id=b_rev.id)
