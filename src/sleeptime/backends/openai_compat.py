"""The backend for any OpenAI-compatible HTTP server (llama.cpp, vLLM, OpenAI, ...).

Servers differ only in configuration: base URL, key and model id come from options, then
``Settings`` (``SLEEPTIME_OPENAI_BASE_URL`` / ``SLEEPTIME_OPENAI_API_KEY``), then the
standard ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY``. The SDK's own retries are off so that
``with_retries`` applies one policy (``Settings.max_retries``) to every backend, and every
SDK error is turned into a ``SleeptimeError`` whose message says what to do.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlparse

import openai
from openai import AsyncOpenAI
from pydantic import BaseModel, ConfigDict, ValidationError

from sleeptime.backends._openai_wire import (
    LOGPROB_UNSUPPORTED,
    ChatAccumulator,
    chat_body,
    continuation_logprob,
)
from sleeptime.backends.base import BackendInfo, ChatRequest, ChatResult, Stopwatch
from sleeptime.backends.reasoning import REASONING_MODES, Dialect, resolve_dialect
from sleeptime.backends.retry import (
    StalledError,
    describe,
    server_message,
    status_code_of,
    with_retries,
)
from sleeptime.backends.streaming import TextStream
from sleeptime.backends.tokens import estimate_tokens
from sleeptime.errors import (
    BackendError,
    BackendUnavailableError,
    ConfigError,
    ContextTooLargeError,
    SleeptimeError,
)
from sleeptime.settings import Settings

T = TypeVar("T")

DEFAULT_BASE_URL = "https://api.openai.com/v1"
NO_KEY = "sk-no-key-required"
"""Sent when no key is configured: llama.cpp and vLLM servers accept any key by default."""

_CONTEXT_ERROR = re.compile(
    r"context[ _-]?(length|size|window)|maximum context|maximum model length"
    r"|too many tokens|exceeds? the (available )?context",
    re.IGNORECASE,
)


class OpenAICompatOptions(BaseModel):
    """Backend options (``create_backend("openai", **options)``); unknown names are errors."""

    model_config = ConfigDict(extra="forbid")

    base_url: str | None = None
    """API root, e.g. ``http://127.0.0.1:8000/v1``; overrides the settings and environment."""
    api_key: str | None = None
    """API key; overrides the settings and environment."""
    native_tools: bool | None = None
    """Send tools as OpenAI function tools and parse returned tool calls."""
    stream: bool = True
    """Stream responses, which measures time to first token; off for servers that stumble."""
    timeout_s: float | None = None
    """Seconds without progress before an attempt fails; default ``Settings.request_timeout_s``."""
    first_token_timeout_s: float | None = None
    """Seconds to the first token; default ``Settings.first_token_timeout_s``."""
    deadline_s: float | None = None
    """Seconds for a whole request, retries included; default ``Settings.request_deadline_s``."""
    max_retries: int | None = None
    """Retries after the first attempt; default ``Settings.max_retries``."""
    retry_base_delay_s: float = 0.5
    """First backoff delay; it doubles per retry (with jitter)."""
    retry_max_delay_s: float = 20.0
    """Longest single wait, also the cap on a server's ``Retry-After``."""
    reasoning: str | None = None
    """Reasoning dialect: auto, openai, deepseek, claude, none; default from the settings."""


_REJECTED = re.compile(
    r"unsupported (parameter|value)|unrecognized request argument|not supported with this "
    r"model|extra (inputs|fields) (are )?not permitted|unknown (field|parameter)",
    re.IGNORECASE,
)
_REASONING_PARAMS = ("max_completion_tokens", "reasoning_effort", "thinking")
_CHAT_PARAMS = ("max_tokens", "temperature", "stop")


def _rejected_parameter(exc: BaseException, text: str) -> str | None:
    """The request parameter a 400/422 refused, from the error's ``param`` or its text."""
    if not _REJECTED.search(text):
        return None
    param = getattr(exc, "param", None)
    names = _REASONING_PARAMS + _CHAT_PARAMS
    if isinstance(param, str) and param in names:
        return param
    quoted = re.findall(r"'([a-z_]+)'", text)
    return next((name for name in quoted if name in names), None)


def _error_code(exc: BaseException) -> str:
    code = getattr(exc, "code", None)
    return code if isinstance(code, str) else ""


class OpenAICompatBackend:
    """A model behind an OpenAI-compatible ``/v1`` API, reached with the official SDK.

    Usage comes from the server when it reports it (streams ask for it with
    ``include_usage``); otherwise it is estimated and ``info.details["usage"]`` says so.
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        model: str | None = None,
        native_tools: bool = True,
        stream: bool = True,
        timeout_s: float = 120.0,
        max_retries: int = 3,
        retry_base_delay_s: float = 0.5,
        retry_max_delay_s: float = 20.0,
        first_token_timeout_s: float | None = None,
        deadline_s: float | None = None,
        reasoning: str = "auto",
    ) -> None:
        if reasoning not in REASONING_MODES:
            raise ConfigError(
                f"SLEEPTIME_OPENAI_REASONING={reasoning!r} is not allowed: use one of "
                f"{', '.join(REASONING_MODES)}"
            )
        self._reasoning = reasoning
        self.base_url = base_url.rstrip("/")
        # Three limits, because a server that sends SSE keep-alive comments and never a
        # token keeps every byte-level timeout happy: time to the first token, time
        # between tokens (``timeout_s``), and one deadline for the request as a whole.
        self._first_token_timeout_s = first_token_timeout_s or timeout_s
        self._first_token_setting = (
            "SLEEPTIME_FIRST_TOKEN_TIMEOUT_S"
            if first_token_timeout_s
            else "SLEEPTIME_FIRST_TOKEN_TIMEOUT_S, unset so SLEEPTIME_REQUEST_TIMEOUT_S"
        )
        self._deadline_s = deadline_s
        self._model = model
        self._native_tools = native_tools
        self._stream = stream
        self._attempts = max(0, max_retries) + 1
        self._base_delay_s = retry_base_delay_s
        self._max_delay_s = retry_max_delay_s
        self._context_window: int | None = None
        self._usage_source = "unknown"
        self._api_key = api_key
        self._timeout_s = timeout_s
        self._clients: dict[asyncio.AbstractEventLoop, AsyncOpenAI] = {}

    @property
    def _client(self) -> AsyncOpenAI:
        """The client for the running event loop.

        Pooled connections belong to the loop that opened them, so a backend used from
        several ``asyncio.run`` calls (a sync wrapper) needs one client per loop.
        """
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            for old in [lp for lp in self._clients if lp.is_closed()]:
                del self._clients[old]  # its connections died with its loop
            client = AsyncOpenAI(
                base_url=self.base_url,
                api_key=self._api_key,
                max_retries=0,
                timeout=self._timeout_s,
            )
            self._clients[loop] = client
        return client

    @property
    def client(self) -> AsyncOpenAI:
        """The SDK client for the running loop, for wrappers that speak other endpoints."""
        return self._client

    @property
    def info(self) -> BackendInfo:
        """Describe the backend; the model id is filled in once it is known."""
        return BackendInfo(
            backend="openai",
            model=self._model or "",
            context_window=self._context_window,
            native_tools=self._native_tools,
            details={
                "base_url": self.base_url,
                "stream": self._stream,
                "usage": self._usage_source,
                "reasoning": self.dialect(self._model or ""),
            },
        )

    def dialect(self, model: str) -> Dialect:
        """What ``model`` accepts for reasoning (``SLEEPTIME_OPENAI_REASONING``, else its id)."""
        return resolve_dialect(model, self._reasoning)

    async def chat(self, request: ChatRequest) -> ChatResult:
        """Run one chat completion, retrying transient failures."""
        watch = Stopwatch()
        model = await self.model_id()
        dialect = self.dialect(model)
        kwargs = self._chat_kwargs(request, model)
        # R1-style servers may send thinking inline in the content: not streamed.
        text_stream = (
            TextStream(request.on_text, stops=request.stop)
            if request.on_text is not None and dialect != "deepseek"
            else None
        )

        async def attempt() -> ChatResult:
            if self._stream:
                if text_stream is not None:
                    text_stream.restart()
                acc = await self._streamed(kwargs, watch, dialect, text_stream)
            else:
                acc = await self._plain(kwargs, dialect)
            result, from_server = acc.result(request, watch.elapsed())
            self._usage_source = "server" if from_server else "estimated"
            return result

        result = await self._call(attempt, model=model)
        result.model = result.model or model
        return result

    async def _plain(self, kwargs: dict[str, Any], dialect: Dialect = "chat") -> ChatAccumulator:
        acc = ChatAccumulator(dialect=dialect)
        acc.add_completion(await self._client.chat.completions.create(**kwargs))
        return acc

    async def _streamed(
        self,
        kwargs: dict[str, Any],
        watch: Stopwatch,
        dialect: Dialect,
        text_stream: TextStream | None = None,
    ) -> ChatAccumulator:
        acc = ChatAccumulator(dialect=dialect)
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._first_token_timeout_s) as limit:
                stream = await self._client.chat.completions.create(
                    **kwargs, stream=True, stream_options={"include_usage": True}
                )
                try:
                    async for chunk in stream:
                        seen = len(acc.text)
                        acc.add_chunk(chunk, watch.elapsed())
                        if text_stream is not None:
                            for piece in acc.text[seen:]:
                                text_stream.feed(piece)
                        if acc.first_token_s is not None:  # tokens flow: now the idle limit
                            limit.reschedule(loop.time() + self._timeout_s)
                except openai.APIConnectionError:
                    if acc.chunks:
                        raise  # died midway: transient, so the whole request is retried
                finally:
                    await stream.close()
        except TimeoutError:
            if not limit.expired():
                raise
            raise StalledError(self._stall_reason(acc)) from None
        if acc.chunks:
            return acc
        # llama_cpp.server answers a streamed request that fails before the first chunk
        # (e.g. a prompt too long) with an empty or broken 200 stream, then drops the
        # connection. Asked again without streaming, on a fresh connection if the pooled
        # one was dropped, it gives the real error or answer.
        try:
            return await self._plain(kwargs, dialect)
        except openai.APIConnectionError:
            return await self._plain(kwargs, dialect)

    def _stall_reason(self, acc: ChatAccumulator) -> str:
        if acc.first_token_s is None:
            return (
                f"no token within {self._first_token_timeout_s:g} s of sending the request "
                f"({self._first_token_setting})"
            )
        return (
            f"no new token for {self._timeout_s:g} s after {len(acc.text)} pieces of the "
            "reply (SLEEPTIME_REQUEST_TIMEOUT_S)"
        )

    def _chat_kwargs(self, request: ChatRequest, model: str) -> dict[str, Any]:
        body = chat_body(
            request, model, native_tools=self._native_tools, dialect=self.dialect(model)
        )
        # The SDK takes known parameters as arguments and passes the rest in the body.
        extra = {k: body.pop(k) for k in ("thinking",) if k in body}
        return {**body, "extra_body": extra} if extra else body

    async def count_tokens(self, text: str) -> int:
        """Estimate tokens locally; the OpenAI API has no tokenizer endpoint, so this is rough."""
        return estimate_tokens(text)

    async def logprob(self, prefix: str, continuation: str) -> float:
        """Score ``continuation`` after ``prefix`` with the completions endpoint's echo.

        Needs a server that returns prompt log-probabilities (``echo`` with ``logprobs``);
        others raise ``BackendError``. Tokens are split where the server tokenizes
        ``prefix + continuation``; one straddling the boundary counts for the prefix.
        """
        if not continuation:
            return 0.0
        model = await self.model_id()
        full = prefix + continuation

        async def attempt() -> float:
            try:
                completion = await self._client.completions.create(
                    model=model,
                    prompt=full,
                    max_tokens=1,
                    echo=True,
                    logprobs=1,
                    temperature=0.0,
                )
            except openai.APIStatusError as exc:
                # A server that cannot produce logprobs may say so with a 500 that would
                # otherwise be retried as if it were transient.
                if re.search(r"logprob|logits", server_message(exc), re.IGNORECASE):
                    raise BackendError(f"{self._server()} {LOGPROB_UNSUPPORTED}") from exc
                raise
            return continuation_logprob(completion, len(prefix), len(full), server=self._server())

        return await self._call(attempt, model=model, scoring=True)

    async def aclose(self) -> None:
        """Close the HTTP connections (those of other, finished loops are already gone)."""
        loop = asyncio.get_running_loop()
        client = self._clients.pop(loop, None)
        if client is not None:
            await client.close()
        self._clients.clear()

    async def prepare(self) -> None:
        """Resolve the model id (asking the server if none was configured)."""
        await self.model_id()

    async def model_id(self) -> str:
        """The configured model, or the first one the server lists at ``GET /models``."""
        if not self._model:
            # Concurrent first calls may each ask; that is harmless, and having no lock
            # keeps the backend usable from several event loops.
            models = await self._call(self._fetch_models, model=None)
            if not models:
                raise BackendError(
                    f"{self._server()} lists no models at GET /models; "
                    "give a model id with --model or SLEEPTIME_MODEL"
                )
            self._model = self._model or models[0]
        return self._model

    async def list_models(self) -> list[str]:
        """Model ids the server offers (``GET /models``), in its order."""
        return await self._call(self._fetch_models, model=None)

    async def _fetch_models(self) -> list[str]:
        page = await self._client.models.list()
        ids: list[str] = []
        for entry in page.data:
            ids.append(entry.id)
            # vLLM reports the window it serves with; others say nothing.
            window = (entry.model_extra or {}).get("max_model_len")
            if isinstance(window, int) and (self._model in (None, entry.id)):
                self._context_window = window
        return ids

    def _server(self) -> str:
        return f"the OpenAI-compatible server at {self.base_url}"

    async def _call(
        self, fn: Callable[[], Awaitable[T]], *, model: str | None, scoring: bool = False
    ) -> T:
        """Run ``fn`` with retries and turn whatever escapes into a ``SleeptimeError``."""
        try:
            async with asyncio.timeout(self._deadline_s) as deadline:
                return await with_retries(
                    fn,
                    attempts=self._attempts,
                    base_delay_s=self._base_delay_s,
                    max_delay_s=self._max_delay_s,
                    what=self._server(),
                    hint="Start the server or fix SLEEPTIME_OPENAI_BASE_URL.",
                    deadline_s=self._deadline_s,
                )
        except SleeptimeError:
            raise
        except TimeoutError as exc:
            if not deadline.expired():
                raise await self._map_error(exc, model=model, scoring=scoring) from exc
            raise BackendUnavailableError(
                f"{self._server()} gave no complete answer within {self._deadline_s:g} s "
                "(SLEEPTIME_REQUEST_DEADLINE_S, retries included); raise it for long "
                "answers from a slow model, or check the server"
            ) from None
        except Exception as exc:
            raise await self._map_error(exc, model=model, scoring=scoring) from exc

    async def _map_error(
        self, exc: Exception, *, model: str | None, scoring: bool
    ) -> SleeptimeError:
        """Explain a final (non-transient) failure in terms the user can act on."""
        server = self._server()
        status = status_code_of(exc)
        text = server_message(exc)
        code = _error_code(exc)
        if status in (401, 403):
            return BackendError(
                f"{server} rejected the API key (HTTP {status}: {text}); check "
                "SLEEPTIME_OPENAI_API_KEY or OPENAI_API_KEY"
            )
        if status in (400, 413, 422) and (
            code == "context_length_exceeded" or _CONTEXT_ERROR.search(text)
        ):
            return ContextTooLargeError(
                f"the prompt does not fit the model's context window ({text}); shorten the "
                "context or use a model with a larger window"
            )
        if status == 404 or code == "model_not_found":
            return await self._not_found(text, model=model, scoring=scoring)
        param = _rejected_parameter(exc, text) if status in (400, 422) else None
        if param is not None and not scoring:
            return BackendError(self._rejected(param, model or "", status, text))
        if scoring and status in (400, 405, 422, 501):
            return BackendError(f"{server} {LOGPROB_UNSUPPORTED} (HTTP {status}: {text})")
        if status is not None:
            return BackendError(f"{server} refused the request (HTTP {status}: {text})")
        if isinstance(exc, openai.APIError):
            return BackendError(f"{server} reported an error: {text}")
        return BackendError(
            f"unexpected response from {server} ({type(exc).__name__}: {describe(exc)}); "
            "is SLEEPTIME_OPENAI_BASE_URL an OpenAI-compatible API root (usually ending in /v1)?"
        )

    def _rejected(self, param: str, model: str, status: int | None, text: str) -> str:
        """Say which reasoning dialect fixes a refused parameter, and how to set it."""
        server = self._server()
        dialect = self.dialect(model)
        said = f"{server} refused {param!r} for model {model!r} (HTTP {status}: {text})"
        if param in _CHAT_PARAMS and dialect != "openai":
            return (
                f"{said}; it looks like an o-series reasoning model, which takes "
                "max_completion_tokens and no temperature: set SLEEPTIME_OPENAI_REASONING=openai"
            )
        if param == "thinking":
            return (
                f"{said}; this server takes no thinking budget: ask without a thinking budget, or "
                "set SLEEPTIME_OPENAI_REASONING to the model's family (openai, deepseek) or none"
            )
        if param in _REASONING_PARAMS:
            setting = (
                f"SLEEPTIME_OPENAI_REASONING is {self._reasoning!r} (read as {dialect!r}); "
                if self._reasoning != "auto" or dialect == "openai"
                else ""
            )
            return (
                f"{said}; {setting}for a model without reasoning parameters ask without an effort "
                "or a thinking budget and set SLEEPTIME_OPENAI_REASONING=none (or auto)"
            )
        return f"{said}; check SLEEPTIME_OPENAI_REASONING (auto, openai, deepseek, claude, none)"

    async def _not_found(self, text: str, *, model: str | None, scoring: bool) -> BackendError:
        server = self._server()
        try:
            models: list[str] | None = await self._fetch_models()
        except Exception:
            models = None
        if models and model and model not in models:
            return BackendError(
                f"{server} has no model {model!r} (it has: {', '.join(models)}); "
                "choose one with --model or SLEEPTIME_MODEL"
            )
        if models and scoring:
            return BackendError(f"{server} {LOGPROB_UNSUPPORTED} (HTTP 404: {text})")
        return BackendError(
            f"{server} answered 404 Not Found ({text}); check that SLEEPTIME_OPENAI_BASE_URL "
            "is the API root (usually ending in /v1)"
        )


def _resolve(option: str | None, setting: str | None, env_name: str) -> str | None:
    return option or setting or os.environ.get(env_name) or None


def from_settings(settings: Settings, model: str | None, **options: Any) -> OpenAICompatBackend:
    """Build the backend from options, then settings, then the standard OpenAI variables."""
    try:
        opts = OpenAICompatOptions(**options)
    except ValidationError as exc:
        raise ConfigError(f"openai backend: invalid options: {exc}") from exc
    base_url = _resolve(opts.base_url, settings.openai_base_url, "OPENAI_BASE_URL")
    api_key = _resolve(opts.api_key, settings.openai_api_key, "OPENAI_API_KEY")
    if not base_url and not api_key:
        raise ConfigError(
            "the openai backend needs a server: set SLEEPTIME_OPENAI_BASE_URL (e.g. "
            "http://127.0.0.1:8000/v1 for `python -m llama_cpp.server`) or OPENAI_API_KEY "
            "for api.openai.com"
        )
    base_url = base_url or DEFAULT_BASE_URL
    parsed = urlparse(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(
            f"openai backend: base URL {base_url!r} is not an http(s) URL; set "
            "SLEEPTIME_OPENAI_BASE_URL like http://127.0.0.1:8000/v1"
        )
    return OpenAICompatBackend(
        base_url=base_url,
        # Self-hosted servers usually ignore the key; a wrong guess shows up as a clear 401.
        api_key=api_key or NO_KEY,
        model=model,
        native_tools=(
            opts.native_tools if opts.native_tools is not None else settings.openai_native_tools
        ),
        stream=opts.stream,
        timeout_s=opts.timeout_s if opts.timeout_s is not None else settings.request_timeout_s,
        first_token_timeout_s=(
            opts.first_token_timeout_s
            if opts.first_token_timeout_s is not None
            else settings.first_token_timeout_s
        ),
        deadline_s=opts.deadline_s if opts.deadline_s is not None else settings.request_deadline_s,
        max_retries=opts.max_retries if opts.max_retries is not None else settings.max_retries,
        retry_base_delay_s=opts.retry_base_delay_s,
        retry_max_delay_s=opts.retry_max_delay_s,
        reasoning=opts.reasoning or settings.openai_reasoning,
    )


__all__ = ["OpenAICompatBackend", "OpenAICompatOptions", "from_settings"]
