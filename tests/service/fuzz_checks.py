"""Schemathesis checks for the service fuzz test (loaded through ``SCHEMATHESIS_HOOKS``)."""

from __future__ import annotations

import json
from typing import Any

import schemathesis


@schemathesis.check
def error_says_what_is_wrong(ctx: Any, response: Any, case: Any) -> None:
    """Every 4xx is an OpenAI-style error body with a non-empty message."""
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"a {response.status_code} without a JSON body") from None
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if not isinstance(message, str) or len(message.strip()) < 10:
        raise AssertionError(f"a {response.status_code} without an error message: {body!r}")
    return None
