"""Translate between the backend contract's types and the OpenAI chat wire format.

Kept apart from the client code so the translation (messages out; text, tool calls, usage
and prompt log-probabilities in) is pure and can be read and tested without a server.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from openai.types import Completion
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.completion_usage import CompletionUsage

from sleeptime.backends.base import ChatRequest, ChatResult, Message, ToolCall, ToolSpec, Usage
from sleeptime.backends.reasoning import (
    CLAUDE_MIN_BUDGET,
    CLAUDE_THINKING_BUDGET,
    THINK_CLOSE,
    THINK_OPEN,
    Dialect,
    refuses_stop,
    refuses_system,
    split_thinking,
    thinking_room,
)
from sleeptime.backends.retry import TransientError
from sleeptime.backends.tokens import estimate_tokens
from sleeptime.errors import BackendError, ConfigError, InputError

LOGPROB_UNSUPPORTED = (
    "cannot score prompts: it did not return prompt log-probabilities for a completions "
    "request with echo=true and logprobs=1; use a server that does (vLLM, or "
    "llama_cpp.server started with --logits_all true)"
)


class WireFormatError(ValueError):
    """The server's answer does not have the OpenAI shape (a proxy page, another API)."""


def to_wire_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Convert messages to OpenAI dicts, inventing tool-call ids where the caller left none.

    Servers match a tool result to its call by id, so an assistant call without an id gets
    ``call_N`` and the next tool message without an id answers the oldest unanswered call.
    """
    wire: list[dict[str, Any]] = []
    unanswered: list[str] = []
    counter = 0
    for message in messages:
        item: dict[str, Any] = {"role": message.role, "content": message.content}
        if message.name:
            item["name"] = message.name
        if message.role == "assistant" and message.tool_calls:
            calls = []
            for call in message.tool_calls:
                counter += 1
                call_id = call.id or f"call_{counter}"
                unanswered.append(call_id)
                arguments = call.raw or json.dumps(call.arguments, ensure_ascii=False)
                calls.append(
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": arguments},
                    }
                )
            item["tool_calls"] = calls
        if message.role == "tool":
            call_id = message.tool_call_id or (unanswered[0] if unanswered else "call_0")
            if call_id in unanswered:
                unanswered.remove(call_id)
            item["tool_call_id"] = call_id
        wire.append(item)
    return wire


def to_wire_tools(tools: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    """Describe tools as OpenAI function tools."""
    return [
        {
            "type": "function",
            "function": {
                "name": tool.name,
                "description": tool.description,
                "parameters": tool.parameters,
            },
        }
        for tool in tools
    ]


def chat_body(
    request: ChatRequest, model: str, *, native_tools: bool, dialect: Dialect = "chat"
) -> dict[str, Any]:
    """The non-streaming ``/chat/completions`` body for ``request`` (also a batch line's body).

    ``dialect`` (``backends/reasoning.py``) says what the model accepts: o-series models get
    ``max_completion_tokens`` and ``reasoning_effort`` and no temperature, Claude a
    ``thinking`` budget, and every reasoning model room for thinking in its token cap.
    """
    if dialect == "none" and request.wants_reasoning:
        raise ConfigError(
            "SLEEPTIME_OPENAI_REASONING=none sends no reasoning parameters, but this request "
            "asks for a reasoning effort or thinking budget; drop --effort/--thinking-tokens "
            "or set SLEEPTIME_OPENAI_REASONING=auto"
        )
    messages = to_wire_messages(request.messages)
    body: dict[str, Any] = {"model": model, "messages": messages}
    effort = request.reasoning_effort
    if dialect == "openai":
        if refuses_system(model):
            body["messages"] = [
                {**m, "role": "user"} if m["role"] == "system" else m for m in messages
            ]
        body["max_completion_tokens"] = request.max_tokens + thinking_room(request, dialect)
        if effort is not None:
            body["reasoning_effort"] = effort
    elif dialect == "claude" and request.wants_reasoning:
        budget = request.thinking_tokens or CLAUDE_THINKING_BUDGET[effort or "medium"]
        budget = max(CLAUDE_MIN_BUDGET, budget)
        # Claude thinks only at its default temperature; the answer cap comes on top.
        body["max_tokens"] = request.max_tokens + budget
        body["thinking"] = {"type": "enabled", "budget_tokens": budget}
    else:
        body["max_tokens"] = request.max_tokens + (
            0 if dialect == "none" else thinking_room(request, dialect)
        )
        body["temperature"] = request.temperature
        if dialect == "chat" and effort is not None:
            body["reasoning_effort"] = effort
    if request.seed is not None:
        body["seed"] = request.seed
    if request.stop and not (dialect == "openai" and refuses_stop(model)):
        body["stop"] = list(request.stop)  # otherwise applied to the reply here
    if request.tools and native_tools:
        body["tools"] = to_wire_tools(request.tools)
    return body


def batch_line_error(entry: dict[str, Any]) -> str:
    """Why a Batch API output line failed: its ``error``, else the response's error body."""
    error = entry.get("error")
    if not error:
        body = (entry.get("response") or {}).get("body")
        error = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(error, dict):
        error = error.get("message") or error.get("code") or json.dumps(error)[:300]
    return str(error or "no error message")[:300]


def parse_tool_call(name: str, arguments: str, call_id: str) -> ToolCall:
    """Decode a tool call's JSON arguments; malformed ones keep their text in ``raw``.

    A malformed call is returned, not raised, so the caller can tell the model what went
    wrong. ``raw`` is set only in that case; an empty argument string means ``{}``.
    """
    text = arguments.strip()
    if not text:
        return ToolCall(name=name, arguments={}, id=call_id)
    try:
        decoded = json.loads(text)
    except ValueError:
        decoded = None
    if isinstance(decoded, dict):
        return ToolCall(name=name, arguments=decoded, id=call_id)
    return ToolCall(name=name, arguments={}, id=call_id, raw=arguments)


def estimate_prompt_tokens(request: ChatRequest) -> int:
    """Rough prompt size when the server reports none (4 tokens of framing per message)."""
    return sum(estimate_tokens(m.content) + 4 for m in request.messages)


@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


def _reasoning_of(part: Any) -> str:
    """Thinking text a server put beside the content (DeepSeek, vLLM, OpenRouter names)."""
    extra = getattr(part, "model_extra", None) or {}
    for name in ("reasoning_content", "reasoning"):
        value = extra.get(name)
        if isinstance(value, str) and value:
            return value
    return ""


def _cut_at_stop(text: str, stops: Sequence[str]) -> str:
    """Apply stop sequences the server was not sent (or did not honour)."""
    hits = [text.find(s) for s in stops if s and s in text]
    return text[: min(hits)] if hits else text


@dataclass
class ChatAccumulator:
    """Builds one ``ChatResult`` from stream chunks or from one whole completion."""

    dialect: Dialect = "chat"
    text: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    calls: dict[int, _PartialCall] = field(default_factory=dict)
    finish_reason: str | None = None
    usage: CompletionUsage | None = None
    model: str = ""
    first_token_s: float | None = None
    chunks: int = 0

    def add_chunk(self, chunk: ChatCompletionChunk, elapsed_s: float) -> None:
        """Fold one streamed chunk in; ``elapsed_s`` stamps the first content or tool token."""
        if not isinstance(chunk, ChatCompletionChunk):
            raise WireFormatError(f"unexpected stream event {str(chunk)[:200]!r}")
        self.chunks += 1
        self.model = chunk.model or self.model
        if chunk.usage is not None:
            self.usage = chunk.usage
        for choice in chunk.choices[:1] if chunk.choices else ():
            delta = choice.delta
            produced = False
            thought = _reasoning_of(delta)
            if thought:
                self.reasoning.append(thought)
                produced = True
            if delta.content:
                self.text.append(delta.content)
                produced = True
            for tool_delta in delta.tool_calls or ():
                index = tool_delta.index
                if not isinstance(index, int):  # some servers omit it: a new id, a new call
                    index = len(self.calls) - (0 if tool_delta.id or not self.calls else 1)
                partial = self.calls.setdefault(index, _PartialCall())
                partial.id = tool_delta.id or partial.id
                if tool_delta.function is not None:
                    # The name comes whole in one delta (some servers repeat it); the
                    # arguments come in pieces.
                    partial.name = partial.name or tool_delta.function.name or ""
                    partial.arguments.append(tool_delta.function.arguments or "")
                produced = True
            if produced and self.first_token_s is None:
                self.first_token_s = elapsed_s
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason

    def add_completion(self, completion: ChatCompletion) -> None:
        """Take a non-streamed completion."""
        if not isinstance(completion, ChatCompletion):
            raise WireFormatError(f"expected a chat completion, got {str(completion)[:200]!r}")
        if not completion.choices:
            raise WireFormatError("the chat completion has no choices")
        choice = completion.choices[0]
        self.chunks += 1
        self.model = completion.model or self.model
        self.usage = completion.usage
        self.text.append(choice.message.content or "")
        thought = _reasoning_of(choice.message)
        if thought:
            self.reasoning.append(thought)
        for index, call in enumerate(choice.message.tool_calls or ()):
            function = getattr(call, "function", None)
            if function is None:  # a non-function (custom) tool call: not ours
                continue
            self.calls[index] = _PartialCall(call.id, function.name, [function.arguments])
        self.finish_reason = choice.finish_reason or "stop"

    def result(self, request: ChatRequest, wall_time_s: float) -> tuple[ChatResult, bool]:
        """Return the result and whether its usage came from the server (else estimated).

        A stream that ended without a finish reason was cut off, which is worth a retry.
        """
        if self.finish_reason is None:
            raise TransientError("the response stream ended before the model finished")
        text, reasoning = self._answer_and_thinking()
        text = _cut_at_stop(text, request.stop)
        calls = tuple(
            parse_tool_call(p.name, "".join(p.arguments), p.id or f"call_{i}")
            for i, p in sorted(self.calls.items())
        )
        finish = self.finish_reason
        if calls:
            finish = "tool_calls"
        elif finish == "function_call":
            finish = "stop"
        usage = Usage(wall_time_s=wall_time_s, first_token_s=self.first_token_s, calls=1)
        from_server = self.usage is not None
        if self.usage is not None:
            usage.prompt_tokens = self.usage.prompt_tokens or 0
            usage.completion_tokens = self.usage.completion_tokens or 0
            details = self.usage.prompt_tokens_details
            if details is not None and details.cached_tokens:
                usage.cached_prompt_tokens = details.cached_tokens
            produced = self.usage.completion_tokens_details
            if produced is not None and produced.reasoning_tokens:
                usage.reasoning_tokens = produced.reasoning_tokens
            elif reasoning:  # the server returned thinking but did not count it
                usage.reasoning_tokens = min(estimate_tokens(reasoning), usage.completion_tokens)
        else:
            usage.prompt_tokens = estimate_prompt_tokens(request)
            generated = text + "".join("".join(p.arguments) for p in self.calls.values())
            usage.reasoning_tokens = estimate_tokens(reasoning) if reasoning else 0
            usage.completion_tokens = estimate_tokens(generated) + usage.reasoning_tokens
        result = ChatResult(
            text=text,
            usage=usage,
            tool_calls=calls,
            finish_reason=finish,
            model=self.model,
            reasoning=reasoning,
        )
        return result, from_server

    def _answer_and_thinking(self) -> tuple[str, str]:
        """The answer and the thinking, taking a ``<think>`` span out of the content.

        Servers without a reasoning parser (llama.cpp's, vLLM without ``--reasoning-parser``)
        send R1-style thinking inline; R1 templates open the span in the prompt, so the
        reply may hold only its end.
        """
        text = "".join(self.text)
        reasoning = "".join(self.reasoning)
        if reasoning:
            return text, reasoning
        stripped = text.lstrip()
        if stripped.startswith(THINK_OPEN):
            reasoning, text = split_thinking(text)
        elif self.dialect == "deepseek" and THINK_CLOSE in text:
            reasoning, text = split_thinking(text, opened=True)
        return text, reasoning


def continuation_logprob(
    completion: Completion, prefix_len: int, total_len: int, *, server: str
) -> float:
    """Sum the echoed log-probabilities of tokens that start inside the continuation.

    Tokens are located by ``text_offset`` (characters), or by adding up token lengths when
    the server omits offsets. A token straddling the prefix/continuation boundary belongs
    to the prefix. Tokens at or after ``total_len`` were generated, not echoed, and are
    skipped. Raises ``BackendError`` naming ``server`` when it did not echo scored prompt
    tokens.
    """
    unsupported = BackendError(f"{server} {LOGPROB_UNSUPPORTED}")
    if not isinstance(completion, Completion) or not completion.choices:
        raise unsupported
    logprobs = completion.choices[0].logprobs
    tokens = list(logprobs.tokens or []) if logprobs else []
    values: list[float | None] = list(logprobs.token_logprobs or []) if logprobs else []
    if not tokens or len(values) != len(tokens):
        raise unsupported
    offsets = list(logprobs.text_offset or []) if logprobs else []
    if len(offsets) != len(tokens):
        offsets, position = [], 0
        for token in tokens:
            offsets.append(position)
            position += len(token)
    if offsets[0] != 0:  # the prompt was not echoed: these are generated tokens only
        raise unsupported
    total = 0.0
    scored = 0
    for offset, value in zip(offsets, values, strict=True):
        if not prefix_len <= offset < total_len:
            continue
        if value is None:
            raise InputError(
                "cannot score a continuation with an empty prefix on an OpenAI-compatible "
                "server: the first prompt token has no log-probability; give a prefix"
            )
        total += float(value)
        scored += 1
    if scored == 0:
        raise unsupported
    return total
