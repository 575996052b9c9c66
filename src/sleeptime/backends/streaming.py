"""Visible text as it is generated: the deltas a streaming caller may show at once.

A backend knows its raw output token by token, but what the caller finally gets is that
output cleaned: stripped of surrounding whitespace, cut at a stop string, with a
``<think>`` span taken out. Streaming the raw pieces would show a client text the final
answer does not contain. ``TextStream`` only lets through what can no longer change:

- leading whitespace is dropped and trailing whitespace held until more text follows
  (the answer is ``text.strip()``);
- the tail that could still grow into a stop string is held back, and nothing after a
  stop string is sent;
- a reply that opens a ``<think>`` span is not streamed at all (its answer comes after
  the thinking, whole, from the caller's final result);
- a retried attempt (the backend lost the connection midway and asked again) resends
  nothing already sent; if the new attempt's text disagrees with what was sent, the
  stream stops rather than send a contradiction.

So what was sent is always a prefix of the final answer, and the caller completes it from
the final result (``remainder``). The sink is called from whatever thread generates (the
embedded backend generates in a worker thread): it must be cheap and thread-safe, e.g.
``loop.call_soon_threadsafe``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sleeptime.backends.reasoning import THINK_OPEN

TextSink = Callable[[str], None]


class TextStream:
    """Feeds a sink the deltas of the visible answer, never anything it may take back."""

    def __init__(self, sink: TextSink, *, stops: Sequence[str] = ()) -> None:
        self._sink = sink
        self._stops = tuple(s for s in stops if s)
        self._raw: list[str] = []
        self._sent = ""
        self._closed = False

    @property
    def sent(self) -> str:
        """Everything sent so far (a prefix of the final answer)."""
        return self._sent

    def feed(self, piece: str) -> None:
        """Append raw generated text and send whatever part of it is now settled."""
        if self._closed or not piece:
            return
        self._raw.append(piece)
        settled = self._settled("".join(self._raw))
        if settled is None:
            return
        if not settled.startswith(self._sent):
            if not self._sent.startswith(settled):
                self._closed = True  # a retry went another way: never contradict
            return
        delta = settled[len(self._sent) :]
        if delta:
            self._sent = settled
            self._sink(delta)

    def restart(self) -> None:
        """A new attempt of the same request begins; its text is fed from the start."""
        self._raw.clear()

    def _settled(self, raw: str) -> str | None:
        """The part of ``raw`` that will be in the answer whatever comes next, or None."""
        text = raw.lstrip()
        if THINK_OPEN.startswith(text):
            return ""  # maybe the start of a thinking span: wait
        if text.startswith(THINK_OPEN):
            self._closed = True
            return None
        hits = [text.find(s) for s in self._stops if s in text]
        if hits:
            self._closed = True
            return text[: min(hits)].rstrip()
        return _without_stop_prefix(text, self._stops).rstrip()


def _without_stop_prefix(text: str, stops: tuple[str, ...]) -> str:
    """``text`` minus its longest suffix that is the start of a stop string."""
    held = 0
    for stop in stops:
        for n in range(min(len(stop) - 1, len(text)), held, -1):
            if text.endswith(stop[:n]):
                held = n
                break
    return text[: len(text) - held]


def remainder(sent: str, final: str) -> str | None:
    """What to send after ``sent`` so the client has ``final``; None if it cannot be done."""
    return final[len(sent) :] if final.startswith(sent) else None
