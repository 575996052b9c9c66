"""Every failure of the service as an HTTP status and an OpenAI-style error body.

Clients that speak the OpenAI API read ``{"error": {"message", "type", "code"}}``, so the
REST routes use the same shape. Library errors map by kind (a bad input is 400, a missing
context 404, a model server that is down 503); validation errors of a request become one
readable 400 line, and no request can produce a 500 by its content.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sleeptime.errors import (
    BackendError,
    BackendUnavailableError,
    BudgetExceededError,
    ConfigError,
    ContextTooLargeError,
    InputError,
    NotFoundError,
    RunEndedError,
    SleeptimeError,
    StoreError,
)

log = logging.getLogger("sleeptime.service")


PUBLIC_MESSAGES = {
    "database_unavailable": "the service's database is unavailable right now; retry in a "
    "few seconds (the operator finds the cause in the service log)",
    "model_unavailable": "the model server is unavailable right now; retry in a few seconds",
    "model_error": "the model server failed on this request; retry, or ask the operator "
    "(the service log has the details)",
    "service_misconfigured": "the service is misconfigured; the operator finds what to fix "
    "in the service log",
}
"""What callers are told of faults on the service's side."""


def error_body(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    """The OpenAI error shape."""
    return {"error": {"message": message, "type": kind, "code": code, "param": None}}


def status_of(exc: SleeptimeError) -> tuple[int, str]:
    """HTTP status and error type for a library error."""
    if isinstance(exc, ContextTooLargeError):
        return 413, "context_too_large"
    if isinstance(exc, InputError):
        return 400, "invalid_request_error"
    if isinstance(exc, NotFoundError):
        return 404, "not_found"
    if isinstance(exc, RunEndedError):
        return 409, "conflict"
    if isinstance(exc, BudgetExceededError):
        return 429, "budget_exceeded"
    if isinstance(exc, BackendUnavailableError):
        return 503, "model_unavailable"
    if isinstance(exc, BackendError):
        return 502, "model_error"
    if isinstance(exc, StoreError):
        return 503, "database_unavailable"
    if isinstance(exc, ConfigError):
        return 503, "service_misconfigured"
    return 500, "server_error"


def public_error(exc: SleeptimeError) -> tuple[int, dict[str, Any], dict[str, str] | None]:
    """Status, body and headers a caller gets for ``exc``.

    Server-side faults (5xx) tell the caller nothing of the deployment (database URL,
    operator advice, who may not even hold a valid key): the details go to the log.
    """
    status, kind = status_of(exc)
    if status < 500:
        return status, error_body(str(exc), kind), None
    log.warning("%s: %s", kind, exc)
    message = PUBLIC_MESSAGES.get(kind, "the service failed; retry later")
    return status, error_body(message, kind), {"Retry-After": "5"} if status == 503 else None


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        loc = [str(p) for p in error.get("loc", ()) if p != "body"]
        if error.get("type") == "json_invalid":
            loc = [f"body (character {loc[0]})"] if loc else ["body"]
        where = ".".join(loc) or "body"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request is not valid"


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(SleeptimeError)
    async def _library(_: Request, exc: SleeptimeError) -> JSONResponse:
        status, body, headers = public_error(exc)
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            error_body(
                f"invalid request: {_validation_message(exc)}; see the API reference at /docs",
                "invalid_request_error",
            ),
            status_code=400,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = {
            401: "authentication_error",
            404: "not_found",
            405: "method_not_allowed",
            413: "request_too_large",
            429: "rate_limit_exceeded",
        }.get(exc.status_code, "invalid_request_error")
        message = str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = "no such route; the API reference is at /docs"
        elif message == "There was an error parsing the body":
            message = "the body could not be read as JSON in UTF-8; send a JSON object"
        return JSONResponse(
            error_body(message, kind), status_code=exc.status_code, headers=exc.headers
        )
