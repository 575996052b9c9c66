"""Model backends: one async contract, one module per wire format, endpoints as settings."""

from sleeptime.backends.base import (
    Backend,
    BackendInfo,
    ChatRequest,
    ChatResult,
    Message,
    ToolCall,
    ToolSpec,
    Usage,
)
from sleeptime.backends.registry import backend_names, create_backend
from sleeptime.backends.scripted import FunctionBackend, ScriptedBackend

__all__ = [
    "Backend",
    "BackendInfo",
    "ChatRequest",
    "ChatResult",
    "FunctionBackend",
    "Message",
    "ScriptedBackend",
    "ToolCall",
    "ToolSpec",
    "Usage",
    "backend_names",
    "create_backend",
]
