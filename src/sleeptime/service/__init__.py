"""The HTTP service: a REST API over contexts, sleep and answers, and OpenAI-compatible
chat completions that answer from ``c'``; API keys per tenant; an in-process worker."""

from sleeptime.service.app import create_app

__all__ = ["create_app"]
