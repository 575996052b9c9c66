"""The four ways the latency benchmark answers a question, measured the same way.

- ``cold``: the question with the full context ``c``, prefilled from scratch;
- ``cag``: the same prompt, restoring the saved KV state of instructions + ``c``
  (cache-augmented generation: what a user who only wants latency would build first);
- ``sleep``: the question with the notes ``c'``, restoring the saved state of
  instructions + ``c'``; anticipated answers off, so the model always answers;
- ``anticipated``: as a user gets it by default: a stored anticipated answer when the
  question matches one (no model call), else the ``sleep`` path.

Every query goes through ``Sleeptime.ask`` and starts from an empty live KV cache, as a
new request in a fresh process would; only the saved states on disk differ between paths.
"""

from __future__ import annotations

import ctypes
import statistics
import time
from typing import Any

from sleeptime.app import Sleeptime
from sleeptime.backends.llama import LlamaBackend
from sleeptime.benchmark.grading import grade_gsm

PATHS = ("cold", "cag", "sleep", "anticipated")


async def ask_path(
    app: Sleeptime,
    name: str,
    question: str,
    reference: int,
    path: str,
    *,
    cold: LlamaBackend,
    warm: LlamaBackend,
    level: int,
    max_tokens: int | None,
    layout: str,
) -> dict[str, Any]:
    """Answer once on ``path`` and return its timing, tokens and grade."""
    backend = cold if path == "cold" else warm
    backend.drop_live_cache()  # both objects share one model and so one live cache
    result = await app.ask(
        name,
        question,
        budget=level,
        max_tokens=max_tokens,
        mode="baseline" if path in ("cold", "cag") else "sleep",
        layout=layout,
        backend=backend,
        anticipated=path == "anticipated",
    )
    answer = result.answer
    u = answer.usage
    processed = u.prompt_tokens - u.cached_prompt_tokens
    return {
        "ttft_s": u.first_token_s if u.first_token_s is not None else answer.latency_s,
        "total_s": answer.latency_s,
        "prompt_tokens": u.prompt_tokens,
        "cached_prompt_tokens": u.cached_prompt_tokens,
        "processed_prompt_tokens": processed,
        "generated_tokens": u.completion_tokens,
        "test_time_tokens": processed + u.completion_tokens,
        "served_anticipated": answer.finish_reason == "anticipated",
        "correct": grade_gsm(answer.text, reference).correct,
        "answer": answer.text[:300],
    }


def restore_seconds(backend: LlamaBackend, digest: str, n_tokens: int, repeats: int) -> float:
    """Median seconds to load one saved prefix state from disk into the live KV cache.

    Benchmark-only: it reaches into the backend's llama.cpp context to time the restore
    alone, without the question's prefill that follows it in a real answer.
    """
    from llama_cpp import llama_cpp as lib

    store = backend.prefix_states
    if store is None:
        raise RuntimeError("the warm backend has no KV state folder")
    loaded = backend._loaded  # private on purpose: timing the restore needs the raw context
    times = []
    for _ in range(max(1, repeats)):
        backend.drop_live_cache()
        with loaded.lock:
            out = (lib.llama_token * n_tokens)()
            count = ctypes.c_size_t(0)
            started = time.perf_counter()
            ok = lib.llama_state_seq_load_file(
                loaded.llama._ctx.ctx,
                str(store.path(digest)).encode(),
                0,
                out,
                n_tokens,
                ctypes.byref(count),
            )
            times.append(time.perf_counter() - started)
        if not ok or count.value != n_tokens:
            raise RuntimeError(f"could not restore the saved state {digest[:12]}")
    backend.drop_live_cache()
    return float(statistics.median(times))


_MEDIAN_KEYS = (
    "ttft_s",
    "total_s",
    "prompt_tokens",
    "cached_prompt_tokens",
    "processed_prompt_tokens",
    "generated_tokens",
    "test_time_tokens",
)


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians of timing and tokens over every (question, repeat), plus accuracy."""
    out: dict[str, Any] = {k: float(statistics.median(r[k] for r in rows)) for k in _MEDIAN_KEYS}
    out["n"] = len(rows)
    out["accuracy"] = sum(r["correct"] for r in rows) / len(rows)
    hits = [r for r in rows if r["served_anticipated"]]
    out["hit_rate"] = len(hits) / len(rows)
    out["accuracy_on_hits"] = sum(r["correct"] for r in hits) / len(hits) if hits else None
    return out
