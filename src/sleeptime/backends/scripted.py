"""Backends that ship in the package for tests and demos: scripted replies, or a function.

They fill in synthetic usage (token estimates) so cost accounting runs end to end offline.
They are for unit tests of logic and demos of control flow, never a stand-in for a model
in an integration test.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sleeptime.backends.base import (
    BackendInfo,
    ChatRequest,
    ChatResult,
    Stopwatch,
    ToolCall,
    Usage,
)
from sleeptime.backends.streaming import TextStream
from sleeptime.backends.tokens import estimate_tokens
from sleeptime.errors import BackendError, ConfigError, InputError
from sleeptime.settings import Settings

Reply = str | ChatResult | ToolCall | BaseException
ReplyFn = Callable[[ChatRequest], "ChatResult | str | Awaitable[ChatResult | str]"]


def _prompt_tokens(request: ChatRequest) -> int:
    return sum(estimate_tokens(m.content) + 4 for m in request.messages)


def _result_from_text(text: str, request: ChatRequest, model: str) -> ChatResult:
    tokens = estimate_tokens(text)
    finish = "stop"
    if tokens > request.max_tokens:
        # Mimic a real model hitting max_tokens: keep a prefix of the words.
        words = text.split()
        text = " ".join(words[: request.max_tokens])
        tokens = request.max_tokens
        finish = "length"
    usage = Usage(prompt_tokens=_prompt_tokens(request), completion_tokens=tokens, calls=1)
    return ChatResult(text=text, usage=usage, finish_reason=finish, model=model)


class ScriptedBackend:
    """Answers each chat call with the next reply from a queue.

    A reply is text, a ``ToolCall`` (returned as a native tool call), a full ``ChatResult``,
    or an exception to raise. ``requests`` keeps every request for assertions on what was sent.
    """

    def __init__(
        self,
        replies: Iterable[Reply] = (),
        *,
        model: str = "scripted",
        native_tools: bool = False,
        context_window: int | None = None,
        default_reply: str | None = None,
        source: str | None = None,
    ) -> None:
        self.replies: deque[Reply] = deque(replies)
        self.source = source
        """The replies file given with ``--model``, named when the replies run out."""
        self._given = len(self.replies)
        self.requests: list[ChatRequest] = []
        self.default_reply = default_reply
        self._info = BackendInfo(
            backend="scripted",
            model=model,
            context_window=context_window,
            native_tools=native_tools,
        )

    @property
    def info(self) -> BackendInfo:
        """Describe the backend for records."""
        return self._info

    def push(self, *replies: Reply) -> None:
        """Queue more replies."""
        self.replies.extend(replies)
        self._given += len(replies)

    async def prepare(self) -> None:
        """Nothing to load."""

    async def chat(self, request: ChatRequest) -> ChatResult:
        """Return the next scripted reply, with synthetic usage."""
        watch = Stopwatch()
        self.requests.append(request)
        if self.replies:
            reply = self.replies.popleft()
        elif self.default_reply is not None:
            reply = self.default_reply
        else:
            raise BackendError(self._exhausted())
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, ChatResult):
            result = reply
        elif isinstance(reply, ToolCall):
            usage = Usage(
                prompt_tokens=_prompt_tokens(request),
                completion_tokens=estimate_tokens(json.dumps(reply.arguments)) + 3,
                calls=1,
            )
            result = ChatResult(
                text="",
                usage=usage,
                tool_calls=(reply,),
                finish_reason="tool_calls",
                model=self._info.model,
            )
        else:
            result = _result_from_text(reply, request, self._info.model)
        result.usage.wall_time_s = watch.elapsed()
        _play(request, result.text)
        return result

    def _exhausted(self) -> str:
        """Say the replies ran out, in the terms of whoever supplied them."""
        given = f"{self._given} repl{'y' if self._given == 1 else 'ies'}"
        if self.source is not None:
            return (
                f"the scripted backend ran out of replies: {self.source} holds {given} and "
                f"call {len(self.requests)} needed one more; add replies to the JSON list "
                "in that file"
            )
        return (
            f"the scripted backend ran out of replies ({given} queued, call "
            f"{len(self.requests)} needed one more); queue more with push() or give "
            "default_reply"
        )

    async def count_tokens(self, text: str) -> int:
        """Estimate tokens with the package's word-piece heuristic."""
        return estimate_tokens(text)

    async def logprob(self, prefix: str, continuation: str) -> float:
        """A deterministic stand-in score: minus one nat per estimated token."""
        return -float(estimate_tokens(continuation))

    async def aclose(self) -> None:
        """Nothing to release."""


class FunctionBackend(ScriptedBackend):
    """Answers each chat call by calling ``fn(request)``, sync or async."""

    def __init__(
        self,
        fn: ReplyFn,
        *,
        model: str = "function",
        native_tools: bool = False,
        context_window: int | None = None,
    ) -> None:
        super().__init__(model=model, native_tools=native_tools, context_window=context_window)
        self.fn = fn
        self._info = BackendInfo(
            backend="function",
            model=model,
            context_window=context_window,
            native_tools=native_tools,
        )

    async def chat(self, request: ChatRequest) -> ChatResult:
        """Call the function and wrap a text reply with synthetic usage."""
        watch = Stopwatch()
        self.requests.append(request)
        streamed = False
        if request.on_text is not None:  # a function may stream itself, like a model
            sink = request.on_text

            def relay(piece: str) -> None:
                nonlocal streamed
                streamed = True
                sink(piece)

            request = replace(request, on_text=relay)
        out = self.fn(request)
        if not isinstance(out, ChatResult | str):
            out = await out
        result = (
            out
            if isinstance(out, ChatResult)
            else _result_from_text(out, request, self._info.model)
        )
        result.usage.wall_time_s = watch.elapsed()
        if not streamed:
            _play(request, result.text)
        return result


def _play(request: ChatRequest, text: str) -> None:
    """Stream a scripted reply word by word to a request that asked for it, as a model
    generating it would (through the same ``TextStream`` the real backends use)."""
    if request.on_text is None or not text:
        return
    stream = TextStream(request.on_text, stops=request.stop)
    for piece in re.findall(r"\s*\S+", text):
        stream.feed(piece)


def from_settings(settings: Settings, model: str | None, **options: Any) -> ScriptedBackend:
    """Build a scripted backend; ``model`` may name a JSON file holding a list of replies."""
    replies: list[Reply] = list(options.pop("replies", []))
    name = "scripted"
    if model:
        path = Path(model)
        if not path.is_file():
            raise ConfigError(
                f"scripted backend: {model!r} is not a file; give a JSON file with a list "
                "of reply strings"
            )
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"scripted backend: cannot read replies from {path}: {exc}") from exc
        if not isinstance(loaded, list) or not all(isinstance(r, str) for r in loaded):
            raise InputError(f"scripted backend: {path} must hold a JSON list of strings")
        replies.extend(loaded)
        name = path.name
    source = model if model else None
    return ScriptedBackend(replies, model=name, source=source, **options)
