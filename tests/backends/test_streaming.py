"""``TextStream``: a streaming client only ever gets a prefix of the final answer."""

from __future__ import annotations

import pytest

from sleeptime.backends.streaming import TextStream, remainder


def _fed(pieces: list[str], stops: tuple[str, ...] = ()) -> tuple[list[str], TextStream]:
    out: list[str] = []
    stream = TextStream(out.append, stops=stops)
    for piece in pieces:
        stream.feed(piece)
    return out, stream


def test_pieces_come_through_with_the_surrounding_whitespace_of_the_answer_dropped() -> None:
    out, stream = _fed(["\n ", " The", " answer", " is", " 24", ".", "\n", "\n"])
    assert out == ["The", " answer", " is", " 24", "."]
    assert stream.sent == "The answer is 24."


def test_whitespace_inside_the_answer_is_sent_once_more_text_follows() -> None:
    out, _ = _fed(["Line one.", "\n\n", "Line", " two"])
    assert "".join(out) == "Line one.\n\nLine two"
    assert out[1] == "\n\nLine"  # held until it was known not to be the end


@pytest.mark.parametrize("split", [1, 2, 3, 5])
def test_a_stop_string_is_never_sent_even_split_across_pieces(split: int) -> None:
    text = "It costs 24 dollars.<|im_end|>and then junk"
    pieces = [text[i : i + split] for i in range(0, len(text), split)]
    out, stream = _fed(pieces, stops=("<|im_end|>",))
    assert "".join(out) == "It costs 24 dollars."
    assert stream.sent == "It costs 24 dollars."


def test_a_text_that_only_looked_like_a_stop_is_sent_in_the_end() -> None:
    out, _ = _fed(["a <", "|im", " b"], stops=("<|im_end|>",))
    assert "".join(out) == "a <|im b"


def test_a_thinking_span_is_never_streamed() -> None:
    out, stream = _fed(["  <th", "ink>", "secret plan", "</think>", "Answer: 4"])
    assert out == [] and stream.sent == ""


def test_a_reply_that_only_starts_like_think_is_sent() -> None:
    out, _ = _fed(["<th", "ese> are the answers"])
    assert "".join(out) == "<these> are the answers"


def test_a_retry_that_reproduces_the_text_sends_nothing_twice() -> None:
    out, stream = _fed(["The", " answer"])
    stream.restart()
    for piece in ["The", " answer", " is", " 24"]:
        stream.feed(piece)
    assert "".join(out) == "The answer is 24"


def test_a_retry_that_goes_another_way_stops_the_stream_instead_of_contradicting() -> None:
    out, stream = _fed(["The", " answer", " is"])
    stream.restart()
    for piece in ["A", " different", " reply", " entirely"]:
        stream.feed(piece)
    assert "".join(out) == "The answer is" and stream.sent == "The answer is"
    assert remainder(stream.sent, "A different reply entirely") is None


def test_remainder_completes_what_was_sent() -> None:
    assert remainder("The ans", "The answer is 24.") == "wer is 24."
    assert remainder("", "whole") == "whole"
    assert remainder("The answer is 24.", "The answer is 24.") == ""
