"""OpenAI-compatible endpoints: ``/v1/chat/completions`` answers from ``c'``, ``/v1/models``.

The official ``openai`` client works unchanged: point ``base_url`` at the service, use a
sleeptime API key, and name the context as the model — ``model="sleeptime/<context>"`` —
or pass ``extra_body={"context": "<context>"}``. The question is the last user message;
system messages and earlier turns are not passed to the model (the service's own
prompts frame the answer, so a client cannot change them). Extra body fields ``budget``
(0-4), ``mode`` (``sleep``/``baseline``) and ``allow_stale`` work as in the REST API.
Usage in the response is the answer's real token counts, cached prompt tokens included;
the ``sleeptime`` field says which revision and notes were used.

Streaming sends the answer as server-sent events in the OpenAI chunk format as the model
generates it (``openai_stream.py``), then a chunk with the finish reason and the
``sleeptime`` field, a usage chunk when ``stream_options.include_usage`` is set, and
``[DONE]``. An anticipated answer (no model call) comes in one piece.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Coroutine
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from sleeptime.app import AnswerNotRecordedError, AskResult
from sleeptime.backends.streaming import TextSink
from sleeptime.errors import InputError
from sleeptime.names import MAX_NAME_CHARS
from sleeptime.service.auth import TenantApp
from sleeptime.service.openai_stream import StreamHead, stream_answer
from sleeptime.service.routes import answer_out, answer_out_unrecorded
from sleeptime.service.schemas import AnswerOut

MODEL_PREFIX = "sleeptime/"
router = APIRouter(prefix="/v1", tags=["openai"])


class ChatMessage(BaseModel):
    """One message; content is text or a list of parts (only text parts are read)."""

    model_config = ConfigDict(extra="allow")
    role: str = Field(max_length=50)
    content: str | list[dict[str, Any]] | None = None


class ChatIn(BaseModel):
    """The fields sleeptime reads; other OpenAI fields are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(max_length=MAX_NAME_CHARS + len(MODEL_PREFIX))
    messages: list[ChatMessage] = Field(min_length=1, max_length=1000)
    stream: bool = False
    stream_options: dict[str, Any] | None = None
    context: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    budget: int = Field(default=0, ge=0, le=4)
    mode: Literal["sleep", "baseline"] = "sleep"
    allow_stale: bool = False


def _context_name(body: ChatIn) -> str:
    if body.context:
        return body.context
    if body.model.startswith(MODEL_PREFIX) and len(body.model) > len(MODEL_PREFIX):
        return body.model[len(MODEL_PREFIX) :]
    raise InputError(
        f"name the context as the model, e.g. model={MODEL_PREFIX}handbook, or pass "
        '"context" in the request body; GET /v1/models lists them'
    )


def _text_of(message: ChatMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    parts = [
        str(p.get("text", ""))
        for p in message.content or []
        if isinstance(p, dict) and p.get("type") == "text"
    ]
    return "\n".join(parts)


def _question(body: ChatIn) -> str:
    for message in reversed(body.messages):
        if message.role == "user":
            text = _text_of(message).strip()
            if text:
                return text
            break
    raise InputError("the last user message has no text; put the question there")


@router.post("/chat/completions", response_model=None)
async def chat_completions(body: ChatIn, app: TenantApp) -> dict[str, Any] | StreamingResponse:
    """Answer the last user message about the named context (OpenAI chat format)."""
    name = _context_name(body)
    question = _question(body)
    model = f"{MODEL_PREFIX}{name}"
    completion_id = f"chatcmpl-st{uuid.uuid4().hex[:24]}"

    def ask(on_text: TextSink | None = None) -> Coroutine[Any, Any, AskResult]:
        return app.ask(
            name,
            question,
            budget=body.budget,
            mode=body.mode,
            allow_stale=body.allow_stale,
            on_text=on_text,
        )

    if body.stream:
        include = bool((body.stream_options or {}).get("include_usage"))
        head = StreamHead(completion_id, model, include_usage=include)
        return await stream_answer(ask, head, _finish_fields)
    try:
        result = answer_out(await ask())
    except AnswerNotRecordedError as exc:
        result = answer_out_unrecorded(exc)
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": result.answer},
                "finish_reason": _finish(result),
                "logprobs": None,
            }
        ],
        "usage": _usage(result),
        "sleeptime": _extra(result),
    }


def _finish_fields(result: AnswerOut) -> tuple[str, dict[str, Any], dict[str, Any]]:
    return _finish(result), _extra(result), _usage(result)


def _usage(result: AnswerOut) -> dict[str, Any]:
    u = result.usage
    return {
        "prompt_tokens": u.prompt_tokens,
        "completion_tokens": u.completion_tokens,
        "total_tokens": u.prompt_tokens + u.completion_tokens,
        "prompt_tokens_details": {"cached_tokens": u.cached_prompt_tokens},
    }


def _finish(result: AnswerOut) -> str:
    return "length" if result.details.get("finish_reason") == "length" else "stop"


def _extra(result: AnswerOut) -> dict[str, Any]:
    return {
        "revision": result.revision,
        "artifact_id": result.artifact_id,
        "notes_revision": result.notes_revision,
        "stale": result.stale,
        "served": result.served,
        "mode": result.mode,
        "budget": result.budget,
        "recorded": result.recorded,
        "query_id": result.details.get("query_id"),
    }


@router.get("/models")
async def list_models(app: TenantApp) -> dict[str, Any]:
    """The caller's contexts as models, ``sleeptime/<context>``."""
    contexts = await app.db.call(app.contexts)
    return {
        "object": "list",
        "data": [
            {
                "id": f"{MODEL_PREFIX}{c.name}",
                "object": "model",
                "created": int(c.created_at.timestamp()),
                "owned_by": app.tenant,
            }
            for c in contexts
        ],
    }
