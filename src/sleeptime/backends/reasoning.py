"""Reasoning models: effort levels, thinking budgets, and which wire dialect a model speaks.

OpenAI-compatible servers disagree on how a reasoning model is asked to think and how its
thinking comes back. o-series and gpt-5 models refuse ``max_tokens`` and ``temperature``
and take ``max_completion_tokens`` and ``reasoning_effort``; DeepSeek-R1-style servers
return the thinking in ``reasoning_content`` (or inline between ``<think>`` tags); Claude
behind its OpenAI-compatible layer takes a ``thinking`` budget. The dialect is guessed
from the model id and can be set with ``SLEEPTIME_OPENAI_REASONING``.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from sleeptime.backends.base import ChatRequest, Effort
from sleeptime.errors import InputError

Dialect = Literal["openai", "deepseek", "claude", "chat", "none"]
"""``chat``: plain chat completions, reasoning parameters passed on only when asked;
``none``: never any reasoning parameter (asking for one is an error)."""
ReasoningMode = Literal["auto", "openai", "deepseek", "claude", "none"]
REASONING_MODES: tuple[str, ...] = get_args(ReasoningMode)

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"

REMOTE_THINKING_ROOM: dict[Effort, int] = {"low": 4096, "medium": 16384, "high": 32768}
"""Tokens added to a remote reasoning model's cap for thinking when no budget is given.

o-series models count their hidden reasoning against ``max_completion_tokens`` and return
an empty answer when it runs out; OpenAI advises leaving about 25,000 tokens. A model that
always reasons and was given no effort gets the ``medium`` room.
"""

LOCAL_THINKING_BUDGET: dict[Effort, int] = {"low": 256, "medium": 1024, "high": 4096}
"""Thinking budget the embedded backend forces for an effort level without a budget."""

CLAUDE_THINKING_BUDGET: dict[Effort, int] = {"low": 2048, "medium": 8192, "high": 24576}
"""Claude's ``thinking.budget_tokens`` for an effort level without a budget (minimum 1024)."""
CLAUDE_MIN_BUDGET = 1024

_OPENAI = re.compile(r"^(o[1-9](?:-|$)|gpt-5(?!.*chat)|codex-mini)")
_OPENAI_NO_SYSTEM = re.compile(r"^o1-(mini|preview)")
_OPENAI_NO_STOP = re.compile(r"^(o3(?!-mini)|o4|gpt-5)")
_DEEPSEEK = re.compile(r"deepseek-(r1|reasoner)|r1-distill|^qwq|-thinking")
_CLAUDE = re.compile(r"^claude")


def _bare(model: str) -> str:
    """The model id without a provider prefix (``openai/o3-mini`` -> ``o3-mini``)."""
    return model.rsplit("/", 1)[-1].strip().lower()


def detect_dialect(model: str) -> Dialect:
    """Guess the wire dialect from a model id; unknown ids are plain chat."""
    bare = _bare(model)
    if _OPENAI.search(bare):
        return "openai"
    if _DEEPSEEK.search(bare):
        return "deepseek"
    if _CLAUDE.search(bare):
        return "claude"
    return "chat"


def resolve_dialect(model: str, mode: str) -> Dialect:
    """The dialect for ``model`` under ``SLEEPTIME_OPENAI_REASONING`` (``auto`` detects)."""
    if mode == "auto":
        return detect_dialect(model)
    if mode not in REASONING_MODES:
        raise InputError(
            f"reasoning dialect {mode!r} is unknown; use one of {', '.join(REASONING_MODES)}"
        )
    return mode  # type: ignore[return-value]


def always_reasons(dialect: Dialect) -> bool:
    """Whether models of this dialect think on every request, asked or not."""
    return dialect in ("openai", "deepseek")


def thinking_room(request: ChatRequest, dialect: Dialect) -> int:
    """Tokens to add to the reply cap so thinking cannot starve the answer."""
    if request.thinking_tokens is not None:
        return request.thinking_tokens
    if request.reasoning_effort is not None:
        return REMOTE_THINKING_ROOM[request.reasoning_effort]
    return REMOTE_THINKING_ROOM["medium"] if always_reasons(dialect) else 0


def refuses_system(model: str) -> bool:
    """o1-mini and o1-preview accept no system message."""
    return bool(_OPENAI_NO_SYSTEM.search(_bare(model)))


def refuses_stop(model: str) -> bool:
    """o3, o4-mini and gpt-5 accept no ``stop`` sequences (o1 and o3-mini do)."""
    return bool(_OPENAI_NO_STOP.search(_bare(model)))


def local_thinking_budget(request: ChatRequest) -> int | None:
    """The thinking budget the embedded backend forces, or None for no thinking span."""
    if request.thinking_tokens is not None:
        return request.thinking_tokens
    if request.reasoning_effort is not None:
        return LOCAL_THINKING_BUDGET[request.reasoning_effort]
    return None


def split_thinking(text: str, *, opened: bool = False) -> tuple[str, str]:
    """Split a reply into (thinking, answer) when it carries a ``<think>`` span.

    ``opened`` says the prompt already opened the span (templates of R1 distills end with
    ``<think>``), so the reply starts inside it. A span that never closes is all thinking:
    the model ran out of tokens before it answered.
    """
    body = text
    if not opened:
        stripped = text.lstrip()
        if not stripped.startswith(THINK_OPEN):
            return "", text
        body = stripped[len(THINK_OPEN) :]
    end = body.find(THINK_CLOSE)
    if end < 0:
        return body.strip(), ""
    return body[:end].strip(), body[end + len(THINK_CLOSE) :].lstrip()


def parse_effort(text: str) -> tuple[Effort | None, int | None]:
    """Read an effort axis value: ``low``/``medium``/``high``, or a thinking budget ``N``.

    ``none`` (or ``-``) means no reasoning parameter at all.
    """
    value = text.strip().lower()
    if value in ("none", "-", ""):
        return None, None
    if value in ("low", "medium", "high"):
        return value, None  # type: ignore[return-value]
    if value.isdigit() and 1 <= int(value) <= 131072:
        return None, int(value)
    raise InputError(
        f"effort {text!r} is not low, medium, high, none or a thinking budget in tokens "
        "(1-131072), e.g. low,medium,high or 256,1024,4096"
    )


def effort_label(effort: Effort | None, thinking_tokens: int | None) -> str | None:
    """The label an effort axis value is shown with (None when no reasoning was asked)."""
    if thinking_tokens is not None:
        return f"{effort}+{thinking_tokens}" if effort else str(thinking_tokens)
    return effort


def check_thinking(thinking_tokens: int | None, min_thinking_tokens: int = 0) -> None:
    """Refuse budgets no backend can honour, with the fix in the message."""
    if thinking_tokens is not None and not 1 <= thinking_tokens <= 131072:
        raise InputError(f"thinking tokens must be between 1 and 131072; got {thinking_tokens}")
    if min_thinking_tokens < 0:
        raise InputError("min thinking tokens must not be negative")
    if thinking_tokens is not None and min_thinking_tokens > thinking_tokens:
        raise InputError(
            f"min thinking tokens ({min_thinking_tokens}) is above the thinking budget "
            f"({thinking_tokens}); lower it or raise the thinking budget"
        )
