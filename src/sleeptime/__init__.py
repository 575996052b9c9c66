"""sleeptime: sleep-time compute for LLM applications.

Think about a context ``c`` while nobody is asking (``S(c) -> c'``), then answer each
question from ``c'`` with a fraction of the test-time compute. Start with ``Sleeptime``.

Names are imported lazily so the command line starts fast; ``from sleeptime import X``
works as usual.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "AskResult": "sleeptime.app",
    "ContextStats": "sleeptime.app",
    "Sleeptime": "sleeptime.app",
    "Backend": "sleeptime.backends",
    "ChatRequest": "sleeptime.backends",
    "ChatResult": "sleeptime.backends",
    "FunctionBackend": "sleeptime.backends",
    "Message": "sleeptime.backends",
    "ScriptedBackend": "sleeptime.backends",
    "create_backend": "sleeptime.backends",
    "BackendError": "sleeptime.errors",
    "BackendUnavailableError": "sleeptime.errors",
    "BudgetExceededError": "sleeptime.errors",
    "ConfigError": "sleeptime.errors",
    "ContextTooLargeError": "sleeptime.errors",
    "InputError": "sleeptime.errors",
    "NotFoundError": "sleeptime.errors",
    "SleeptimeError": "sleeptime.errors",
    "StoreError": "sleeptime.errors",
    "Settings": "sleeptime.settings",
    "Recipe": "sleeptime.sleep",
    "SleepBudget": "sleeptime.sleep",
    "parse_recipe": "sleeptime.sleep",
    "AnswerMode": "sleeptime.values",
    "RunStatus": "sleeptime.values",
    "Usage": "sleeptime.values",
}

__all__ = [
    "AnswerMode",
    "AskResult",
    "Backend",
    "BackendError",
    "BackendUnavailableError",
    "BudgetExceededError",
    "ChatRequest",
    "ChatResult",
    "ConfigError",
    "ContextStats",
    "ContextTooLargeError",
    "FunctionBackend",
    "InputError",
    "Message",
    "NotFoundError",
    "Recipe",
    "RunStatus",
    "ScriptedBackend",
    "Settings",
    "SleepBudget",
    "Sleeptime",
    "SleeptimeError",
    "StoreError",
    "Usage",
    "__version__",
    "create_backend",
    "parse_recipe",
]

if TYPE_CHECKING:
    from sleeptime.app import AskResult, ContextStats, Sleeptime
    from sleeptime.backends import (
        Backend,
        ChatRequest,
        ChatResult,
        FunctionBackend,
        Message,
        ScriptedBackend,
        create_backend,
    )
    from sleeptime.errors import (
        BackendError,
        BackendUnavailableError,
        BudgetExceededError,
        ConfigError,
        ContextTooLargeError,
        InputError,
        NotFoundError,
        SleeptimeError,
        StoreError,
    )
    from sleeptime.settings import Settings
    from sleeptime.sleep import Recipe, SleepBudget, parse_recipe
    from sleeptime.values import AnswerMode, RunStatus, Usage


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sleeptime' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
