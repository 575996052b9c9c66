"""Saved KV states of answer prefixes on the real embedded model."""

from __future__ import annotations

from pathlib import Path

import pytest

from sleeptime.backends import ChatRequest, Message
from sleeptime.backends.llama import LlamaBackend
from sleeptime.backends.model_files import default_model_path

pytestmark = pytest.mark.integration

SYSTEM = "You answer questions about a context."
PREFIX = "Notes prepared in advance:\n" + (
    "The ferry leaves at 8:15 and 14:30. A return ticket costs 24 pounds. "
    "The crossing takes 90 minutes. " * 12
)


def _request(question: str) -> ChatRequest:
    content = f"{PREFIX}\n\nQuestion: {question}\n\nAnswer in one sentence."
    return ChatRequest(
        messages=(Message("system", SYSTEM), Message("user", content)), max_tokens=16
    )


@pytest.fixture
def backend(tmp_path: Path) -> LlamaBackend:
    return LlamaBackend(default_model_path(), n_ctx=4096, n_threads=2, kv_cache_dir=tmp_path / "kv")


async def test_restored_state_gives_the_same_greedy_answer(backend: LlamaBackend) -> None:
    saved = await backend.warm_prefix(SYSTEM, PREFIX, label="ferry")
    assert saved > 100
    backend.drop_live_cache()
    restored = await backend.chat(_request("How long is the crossing?"))
    assert restored.usage.cached_prompt_tokens == saved

    states, backend._states = backend._states, None
    backend.drop_live_cache()
    fresh = await backend.chat(_request("How long is the crossing?"))
    backend._states = states
    assert fresh.usage.cached_prompt_tokens == 0
    assert restored.text == fresh.text


async def test_a_different_model_configuration_does_not_see_the_state(tmp_path: Path) -> None:
    first = LlamaBackend(
        default_model_path(), n_ctx=4096, n_threads=2, kv_cache_dir=tmp_path / "kv"
    )
    await first.warm_prefix(SYSTEM, PREFIX)
    other = LlamaBackend(
        default_model_path(), n_ctx=2048, n_threads=2, kv_cache_dir=tmp_path / "kv"
    )
    assert other.state_key() != first.state_key()
    other.drop_live_cache()
    result = await other.chat(_request("When does the ferry leave?"))
    assert result.usage.cached_prompt_tokens == 0
    assert result.text


async def test_a_corrupt_state_file_falls_back_to_prefill(backend: LlamaBackend) -> None:
    await backend.warm_prefix(SYSTEM, PREFIX)
    store = backend.prefix_states
    assert store is not None
    entry = store.entries()[0]
    store.path(entry.digest).write_bytes(b"garbage")
    backend.drop_live_cache()
    result = await backend.chat(_request("How much is a ticket?"))
    assert result.usage.cached_prompt_tokens == 0
    assert result.text
    assert store.entries() == []  # the unusable state was forgotten


async def test_a_different_prefix_is_not_restored(backend: LlamaBackend) -> None:
    await backend.warm_prefix(SYSTEM, PREFIX.replace("90 minutes", "75 minutes"))
    backend.drop_live_cache()
    result = await backend.chat(_request("How long is the crossing?"))
    # Only the shared head of the two prefixes could match; the saved state is longer
    # than that common part, so it must not be used.
    assert result.usage.cached_prompt_tokens == 0
