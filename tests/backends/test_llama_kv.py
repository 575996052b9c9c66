"""The on-disk index of saved prefix states: matching, LRU eviction, corruption."""

from __future__ import annotations

import time
from pathlib import Path

from sleeptime.backends.llama_kv import PrefixStateStore, tokens_digest


def _save(store: PrefixStateStore, tokens: list[int], size: int, label: str = "") -> str:
    digest = tokens_digest(tokens)
    store.path(digest).write_bytes(b"x" * size)
    store.record(digest, len(tokens), label)
    return digest


def test_longest_saved_prefix_wins(tmp_path: Path) -> None:
    store = PrefixStateStore(tmp_path, "model", max_bytes=10_000)
    _save(store, list(range(40)), 100)
    _save(store, list(range(80)), 100)
    prompt = [*range(80), 999, 998]
    match = store.best_match(prompt, min_tokens=0)
    assert match is not None and match.n_tokens == 80
    assert store.best_match(prompt, min_tokens=81) is None


def test_a_different_token_sequence_never_matches(tmp_path: Path) -> None:
    store = PrefixStateStore(tmp_path, "model", max_bytes=10_000)
    _save(store, list(range(50)), 100)
    changed = list(range(50))
    changed[10] = 12345
    assert store.best_match([*changed, 1, 2], min_tokens=0) is None
    assert store.best_match(list(range(30)), min_tokens=0) is None  # shorter than the state


def test_least_recently_used_states_are_evicted(tmp_path: Path) -> None:
    store = PrefixStateStore(tmp_path, "model", max_bytes=250)
    first = _save(store, [1] * 40, 100)
    time.sleep(0.01)
    second = _save(store, [2] * 40, 100)
    time.sleep(0.01)
    store.touch(first)  # first is now the most recently used
    time.sleep(0.01)
    third = _save(store, [3] * 40, 100)
    digests = {e.digest for e in store.entries()}
    assert digests == {first, third}
    assert not store.path(second).exists()
    assert store.total_bytes() <= 250


def test_index_survives_reopening_and_ignores_missing_files(tmp_path: Path) -> None:
    store = PrefixStateStore(tmp_path, "model", max_bytes=10_000)
    kept = _save(store, [1] * 40, 10)
    gone = _save(store, [2] * 40, 10)
    store.path(gone).unlink()
    reopened = PrefixStateStore(tmp_path, "model", max_bytes=10_000)
    assert [e.digest for e in reopened.entries()] == [kept]


def test_a_corrupt_index_starts_empty(tmp_path: Path) -> None:
    store = PrefixStateStore(tmp_path, "model", max_bytes=10_000)
    _save(store, [1] * 40, 10)
    (tmp_path / "model" / "index.json").write_text("{not json", encoding="utf-8")
    assert PrefixStateStore(tmp_path, "model", max_bytes=10_000).entries() == []


def test_clear_and_forget(tmp_path: Path) -> None:
    store = PrefixStateStore(tmp_path, "model", max_bytes=10_000)
    a = _save(store, [1] * 40, 10)
    _save(store, [2] * 40, 10)
    store.forget(a)
    assert not store.path(a).exists() and len(store.entries()) == 1
    assert store.clear() == 1
    assert store.entries() == []


def test_configurations_are_kept_apart(tmp_path: Path) -> None:
    one = PrefixStateStore(tmp_path, "model-a", max_bytes=10_000)
    _save(one, [1] * 40, 10)
    other = PrefixStateStore(tmp_path, "model-b", max_bytes=10_000)
    assert other.best_match([1] * 41, min_tokens=0) is None
