from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC

import pytest

from sleeptime.errors import InputError, NotFoundError
from sleeptime.store import RunRecord, Store
from sleeptime.values import Usage

Start = Callable[..., RunRecord]


def test_add_creates_context_and_first_revision(store: Store) -> None:
    ctx, rev, created = store.add_context("default", "handbook", "héllo ✓")
    assert created
    assert (ctx.tenant, ctx.name) == ("default", "handbook")
    assert (rev.context_id, rev.seq, rev.text, rev.n_chars) == (ctx.id, 1, "héllo ✓", 7)
    assert rev.sha256 == hashlib.sha256("héllo ✓".encode()).hexdigest()
    assert ctx.created_at.tzinfo is not None and ctx.created_at.utcoffset() == UTC.utcoffset(None)
    assert store.get_context("default", "handbook") == ctx


def test_same_text_as_current_revision_is_a_no_op(store: Store) -> None:
    _, first, _ = store.add_context("default", "c", "text one")
    ctx, again, created = store.add_context("default", "c", "text one")
    assert not created
    assert again == first
    assert len(store.list_revisions(ctx.id)) == 1


def test_text_of_an_older_revision_becomes_the_newest(store: Store) -> None:
    store.add_context("default", "c", "A")
    store.add_context("default", "c", "B")
    ctx, rev, created = store.add_context("default", "c", "A")
    assert created and rev.seq == 3
    assert [r.text for r in store.list_revisions(ctx.id)] == ["A", "B", "A"]
    assert store.current_revision(ctx.id) == rev
    assert store.get_revision(rev.id) == rev


def test_tenants_do_not_share_names(store: Store) -> None:
    a, _, _ = store.add_context("alice", "notes", "x")
    b, _, created = store.add_context("bob", "notes", "x")
    assert created and a.id != b.id
    with pytest.raises(NotFoundError):
        store.get_context("carol", "notes")


def test_large_unicode_text_round_trips(store: Store) -> None:
    text = ("日本語 🙂 ÄÖÜ \t mixed line\n" * 80_000)[:2_000_000]
    ctx, rev, _ = store.add_context("default", "big", text)
    assert store.current_revision(ctx.id).text == text
    assert rev.n_chars == len(text)


def test_get_context_not_found_says_how_to_add(store: Store) -> None:
    with pytest.raises(NotFoundError) as info:
        store.get_context("default", "nope")
    message = str(info.value)
    assert "no context named 'nope' in tenant 'default'" in message
    assert "list the contexts, or add one" in message
    assert "`sleeptime context add nope FILE`" in (info.value.cli_hint or "")


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("two\nlines", r"'two\\u000alines' contains a newline, control or invisible"),
        ("bell\x07", "newline, control or invisible character"),
        ("zero\u200bwidth", r"'zero\\u200bwidth'.*U\+200B ZERO WIDTH SPACE"),
        ("evil\u202etxt.exe", r"'evil\\u202etxt.exe'.*U\+202E RIGHT-TO-LEFT OVERRIDE"),
        ("bad\udcffbyte", r"'bad\\udcffbyte' contains a byte 0xff that is not valid UTF-8"),
        ("x" * 201, "at most 200"),
        (" padded", "whitespace"),
    ],
)
def test_bad_names_are_rejected(store: Store, name: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        store.add_context("default", name, "text")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("", "empty"), (" \n\t ", "empty"), ("bin\x00ary", "NUL bytes; is this a binary file")],
)
def test_bad_texts_are_rejected(store: Store, text: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        store.add_context("default", "c", text)
    assert store.list_contexts("default") == []


def test_list_contexts_summarises_current_revision(
    store: Store, start: Start, usage: Usage
) -> None:
    assert store.list_contexts("default") == []
    a, a1, _ = store.add_context("default", "alpha", "old")
    run = start(a1.id)
    store.complete_run(run.id, artifact_text="notes on old", usage=usage, rounds=1, details={})
    _, a2, _ = store.add_context("default", "alpha", "newer text")
    b, b1, _ = store.add_context("default", "beta", "bbb")
    run = start(b1.id)
    art = store.complete_run(run.id, artifact_text="notes", usage=usage, rounds=1, details={})
    for _ in range(2):
        store.record_query(
            context_id=b.id, revision_id=b1.id, artifact_id=art.id, text="q?", mode="sleep",
            budget=1, layout=None, max_tokens=None, answer="a", backend="scripted", model="m",
            prompt_version="1", usage=usage, latency_s=0.1,
        )  # fmt: skip
    store.add_context("other", "gamma", "g")

    alpha, beta = store.list_contexts("default")
    assert (alpha.name, alpha.n_revisions, alpha.current_seq) == ("alpha", 2, 2)
    assert alpha.current_n_chars == len("newer text")
    # The artifact belongs to the old revision, so the current one still needs sleep.
    assert not alpha.has_artifact and alpha.n_queries == 0
    assert (beta.name, beta.n_revisions, beta.current_seq, beta.current_n_chars) == (
        "beta", 1, 1, 3,
    )  # fmt: skip
    assert beta.current_artifact_id == art.id and beta.has_artifact
    assert beta.n_queries == 2
    assert beta.created_at == b.created_at
    assert a2.context_id == alpha.id == a.id


def test_delete_context_cascades(store: Store, start: Start, usage: Usage) -> None:
    ctx, rev, _ = store.add_context("default", "doomed", "text")
    run = start(rev.id)
    art = store.complete_run(run.id, artifact_text="notes", usage=usage, rounds=1, details={})
    store.record_query(
        context_id=ctx.id, revision_id=rev.id, artifact_id=art.id, text="q?", mode="sleep",
        budget=0, layout=None, max_tokens=None, answer="a", backend="b", model="m",
        prompt_version="1", usage=usage, latency_s=0.1,
    )  # fmt: skip
    keep, keep_rev, _ = store.add_context("default", "kept", "other")
    start(keep_rev.id)

    store.delete_context("default", "doomed")

    with pytest.raises(NotFoundError):
        store.get_context("default", "doomed")
    with pytest.raises(NotFoundError):
        store.get_revision(rev.id)
    with pytest.raises(NotFoundError):
        store.get_run(run.id)
    with pytest.raises(NotFoundError):
        store.get_artifact(art.id)
    with pytest.raises(NotFoundError):
        store.current_revision(ctx.id)
    assert store.list_queries() == []
    assert [c.name for c in store.list_contexts("default")] == ["kept"]
    assert len(store.list_runs(context_id=keep.id)) == 1
    with pytest.raises(NotFoundError):
        store.delete_context("default", "doomed")
