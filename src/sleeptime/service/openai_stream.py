"""Server-sent events for ``/v1/chat/completions`` with ``stream: true``, token by token.

The answer runs as a task whose backend feeds a queue with the visible text as the model
generates it (``ChatRequest.on_text``; the embedded backend calls it from its worker
thread, hence ``call_soon_threadsafe``). The HTTP response starts only when the first
piece of text is there or the answer has ended: a question that fails early (unknown
context, no notes, a full model window) still gets its proper status and error body
instead of a 200 stream. After that, a failure is sent as one ``{"error": ...}`` event in
the OpenAI shape, which the official client raises as an ``APIError``.

Whatever was streamed is a prefix of the final answer; when the answer was not generated
here (an anticipated answer, a backend that does not stream) the rest is sent from the
final result in one piece. A client that disconnects cancels the answer, and the
embedded model stops within one token.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi.responses import StreamingResponse

from sleeptime.app import AnswerNotRecordedError, AskResult
from sleeptime.backends.streaming import TextSink, remainder
from sleeptime.errors import SleeptimeError
from sleeptime.service.errors import error_body, public_error
from sleeptime.service.routes import answer_out, answer_out_unrecorded
from sleeptime.service.schemas import AnswerOut

log = logging.getLogger("sleeptime.service")

AskWithSink = Callable[[TextSink], Coroutine[Any, Any, AskResult]]
Finisher = Callable[[AnswerOut], tuple[str, dict[str, Any], dict[str, Any]]]
"""From the final answer: finish reason, the ``sleeptime`` extra field, and usage."""


@dataclass(frozen=True, slots=True)
class StreamHead:
    """The fixed fields of every chunk of one completion."""

    completion_id: str
    model: str
    include_usage: bool

    def event(self, choices: list[dict[str, Any]], **extra: Any) -> str:
        """One ``data:`` event carrying a ``chat.completion.chunk``."""
        chunk = {
            "id": self.completion_id,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.model,
            "choices": choices,
            **extra,
        }
        return f"data: {json.dumps(chunk)}\n\n"

    def delta(self, text: str) -> str:
        """A chunk with one piece of the answer."""
        return self.event([{"index": 0, "delta": {"content": text}}])


async def stream_answer(ask: AskWithSink, head: StreamHead, finish: Finisher) -> StreamingResponse:
    """Start answering; respond once the first text is ready (or raise the early error)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()

    def sink(piece: str) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, piece)

    task = asyncio.create_task(ask(sink))
    first = asyncio.ensure_future(queue.get())
    try:
        await asyncio.wait({task, first}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:
        task.cancel()
        first.cancel()
        raise
    if task.done() and not first.done():
        first.cancel()
        error = task.exception()
        if error is not None and not isinstance(error, AnswerNotRecordedError):
            raise error  # before any byte was sent: the normal status and error body
    opening = first.result() if first.done() and not first.cancelled() else None
    return StreamingResponse(
        _events(task, queue, opening, head, finish), media_type="text/event-stream"
    )


async def _events(
    task: asyncio.Task[AskResult],
    queue: asyncio.Queue[str],
    opening: str | None,
    head: StreamHead,
    finish: Finisher,
) -> AsyncIterator[str]:
    sent: list[str] = []
    try:
        yield head.event([{"index": 0, "delta": {"role": "assistant", "content": ""}}])
        if opening is not None:
            sent.append(opening)
            yield head.delta(opening)
        while not task.done():
            get = asyncio.ensure_future(queue.get())
            await asyncio.wait({task, get}, return_when=asyncio.FIRST_COMPLETED)
            if not get.done():
                get.cancel()
                break
            sent.append(get.result())
            yield head.delta(sent[-1])
        while not queue.empty():  # pieces the generating thread queued before it ended
            sent.append(queue.get_nowait())
            yield head.delta(sent[-1])
        result = _final(task)
        if isinstance(result, str):
            yield result
            return
        rest = remainder("".join(sent), result.answer)
        if rest is None:
            log.warning("a streamed answer diverged from its final text (a retried call)")
        elif rest:
            yield head.delta(rest)
        reason, extra, usage = finish(result)
        yield head.event([{"index": 0, "delta": {}, "finish_reason": reason}], sleeptime=extra)
        if head.include_usage:
            yield head.event([], usage=usage)
        yield "data: [DONE]\n\n"
    finally:
        if not task.done():
            task.cancel()  # the client went away: stop generating


def _final(task: asyncio.Task[AskResult]) -> AnswerOut | str:
    """The answer, or an error event when it failed after the stream began."""
    if task.cancelled():
        body = error_body("the answer was cancelled (the service is stopping); retry", "cancelled")
        return f"data: {json.dumps(body)}\n\n"
    error = task.exception()
    if error is None:
        return answer_out(task.result())
    if isinstance(error, AnswerNotRecordedError):
        return answer_out_unrecorded(error)
    if isinstance(error, SleeptimeError):
        _, body, _ = public_error(error)
    else:
        log.error("answer failed while streaming", exc_info=error)
        body = error_body("the service failed; retry later", "server_error")
    return f"data: {json.dumps(body)}\n\n"
