"""The backend contract: one async chat call, token counting, continuation log-probability.

Every model, embedded or remote, is reached through ``Backend``. The sleep and answer
logic only ever sees these types, so a new wire format is one new module here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

# Value types shared by every layer live in ``sleeptime.values``; re-exported here because
# they are part of the contract (and code written against ``backends.base`` keeps working).
from sleeptime.values import EFFORTS, Effort, Stopwatch, Usage

__all__ = [
    "EFFORTS",
    "Backend",
    "BackendInfo",
    "ChatRequest",
    "ChatResult",
    "Effort",
    "Message",
    "PrefixWarmer",
    "Role",
    "Stopwatch",
    "ToolCall",
    "ToolSpec",
    "Usage",
]

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A request by the model to run one named tool with JSON arguments."""

    name: str
    arguments: dict[str, Any]
    id: str = ""
    raw: str = ""
    """The unparsed argument text, kept so malformed calls can be reported back."""


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message; ``tool_calls`` on assistant turns, ``tool_call_id`` on tool turns."""

    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool the model may call, described by a JSON schema for its arguments."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """Everything that determines one completion; temperature 0 by default (the paper's).

    ``max_tokens`` caps the visible reply. A request that asks for reasoning
    (``reasoning_effort`` or ``thinking_tokens``), or one sent to a model that always
    reasons, gets room for thinking on top of it: a reply must not starve because the
    model spent its cap thinking (``backends/reasoning.py`` has the allowances).
    """

    messages: tuple[Message, ...]
    max_tokens: int = 512
    temperature: float = 0.0
    tools: tuple[ToolSpec, ...] = ()
    stop: tuple[str, ...] = ()
    seed: int | None = None
    reasoning_effort: Effort | None = None
    """How hard a reasoning model thinks; None leaves the model's default."""
    thinking_tokens: int | None = None
    """A thinking budget: the embedded backend and Claude stop thinking there; elsewhere it
    sizes the room for thinking in the token cap."""
    min_thinking_tokens: int = 0
    """Embedded backend: an end of thinking before this many tokens becomes "Wait" (s1)."""
    background: bool = False
    """Sleep-time work nobody waits for: the embedded backend pauses it between tokens
    whenever an interactive request waits for the model. Changes no result (not part of
    a recorded call's key)."""
    on_text: Callable[[str], None] | None = field(default=None, compare=False, repr=False)
    """A sink for the visible reply as it is generated, for streaming it to a client.
    Backends that generate incrementally feed it through ``streaming.TextStream`` (so it
    only ever gets a prefix of the final ``text.strip()``); others never call it, and the
    caller sends the final text. Called from the generating thread. Changes no result."""

    @property
    def wants_reasoning(self) -> bool:
        """True when the request asks for an effort level or a thinking budget."""
        return self.reasoning_effort is not None or self.thinking_tokens is not None


@dataclass(slots=True)
class ChatResult:
    """The model's reply: text, any tool calls, why it stopped, and what it cost."""

    text: str
    usage: Usage
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str = "stop"
    """``stop``, ``length`` (hit max_tokens), or ``tool_calls``."""
    model: str = ""
    reasoning: str = ""
    """The model's thinking, when the backend returns it; never part of ``text``."""


@dataclass(frozen=True, slots=True)
class BackendInfo:
    """What a backend is, for records: name, model id, and facts that change outputs."""

    backend: str
    model: str
    context_window: int | None = None
    native_tools: bool = False
    details: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Backend(Protocol):
    """A model reachable through one async API.

    Implementations must be safe to call from many asyncio tasks at once (the embedded one
    serialises calls with a lock) and must raise only ``SleeptimeError`` subclasses.
    """

    @property
    def info(self) -> BackendInfo:
        """Describe the backend and model for the records it produces."""
        ...

    async def prepare(self) -> None:
        """Load the model or resolve the remote model id, so ``info`` is complete.

        Called before a run or query is recorded; cheap after the first call.
        """
        ...

    async def chat(self, request: ChatRequest) -> ChatResult:
        """Run one chat completion."""
        ...

    async def count_tokens(self, text: str) -> int:
        """Count the tokens ``text`` takes in this model (an estimate when remote)."""
        ...

    async def logprob(self, prefix: str, continuation: str) -> float:
        """Return log P(continuation | prefix) in nats under the model, as raw text."""
        ...

    async def aclose(self) -> None:
        """Release model memory or connections."""
        ...


@runtime_checkable
class PrefixWarmer(Protocol):
    """Optional capability: prefill a prompt prefix now and keep its KV state for later."""

    async def warm_prefix(
        self,
        system: str,
        user_prefix: str,
        label: str = "",
        tenant: str = "",
        background: bool = True,
    ) -> int:
        """Prefill system + user prefix; return the number of tokens kept (0 if not).
        ``background=False``: a user waits for it, so it goes before sleep work."""
        ...
