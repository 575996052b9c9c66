"""Parsing rethink actions from text replies and native tool calls, and clipping notes."""

from __future__ import annotations

import pytest

from sleeptime.backends.base import ToolCall
from sleeptime.sleep.protocol import (
    FINISH,
    RETHINK,
    TOOLS,
    clip_notes,
    parse_text_reply,
    parse_tool_calls,
)

# text protocol -------------------------------------------------------------------------


def test_notes_tags_give_rethink() -> None:
    action = parse_text_reply("Sure!\n<notes>\nThe office opens at 9.\n</notes>\nBye", strict=False)
    assert action.kind == "rethink"
    assert action.memory == "The office opens at 9."
    assert not action.finish_after
    assert not action.untagged
    assert action.feedback is None


def test_finish_alone() -> None:
    action = parse_text_reply("My notes are complete. <finish/>", strict=True)
    assert action.kind == "finish"
    assert action.memory is None


@pytest.mark.parametrize("tag", ["<finish/>", "<finish />", "<FINISH>", "< finish / >"])
def test_finish_tag_variants(tag: str) -> None:
    assert parse_text_reply(tag, strict=True).kind == "finish"


def test_notes_and_finish_in_one_reply() -> None:
    action = parse_text_reply("<notes>Total cost: 12 dollars.</notes>\n<finish/>", strict=True)
    assert action.kind == "rethink"
    assert action.memory == "Total cost: 12 dollars."
    assert action.finish_after


def test_finish_inside_notes_is_not_kept_in_the_notes() -> None:
    action = parse_text_reply("<notes>Fact one.\n<finish/></notes>", strict=True)
    assert action.memory == "Fact one."
    assert action.finish_after


def test_tags_in_any_case() -> None:
    action = parse_text_reply("<NOTES>Upper case tags.</Notes>", strict=True)
    assert action.kind == "rethink"
    assert action.memory == "Upper case tags."


def test_unclosed_notes_tag_takes_the_rest() -> None:
    # A reply cut at max_tokens never gets its closing tag.
    action = parse_text_reply("<notes>The office opens at 9 and", strict=True)
    assert action.kind == "rethink"
    assert action.memory == "The office opens at 9 and"


def test_untagged_content_is_taken_as_notes_when_lenient() -> None:
    text = "The office opens at 9 and closes at 17."
    action = parse_text_reply(text, strict=False)
    assert action.kind == "rethink"
    assert action.memory == text
    assert action.untagged
    assert action.feedback is not None and "<notes>" in action.feedback


def test_untagged_content_is_malformed_when_strict() -> None:
    action = parse_text_reply("The office opens at 9 and closes at 17.", strict=True)
    assert action.kind == "malformed"
    assert action.memory is None
    assert action.feedback is not None and "<notes>" in action.feedback


@pytest.mark.parametrize("text", ["", "   \n ", "ok", "short reply", "<notes></notes>", "</notes>"])
def test_too_little_content_is_malformed_even_when_lenient(text: str) -> None:
    action = parse_text_reply(text, strict=False)
    assert action.kind == "malformed"
    assert action.feedback


def test_echoed_empty_placeholder_is_not_notes() -> None:
    assert parse_text_reply("<notes>[empty]</notes>", strict=False).kind == "malformed"
    assert parse_text_reply("[empty]\n[EMPTY]\n", strict=False).kind == "malformed"


def test_echoed_empty_lines_are_dropped_from_notes() -> None:
    action = parse_text_reply(
        "<notes>\n[empty]\nThe office opens at 9.\n  [Empty]  \n</notes>", strict=True
    )
    assert action.memory == "The office opens at 9."


def test_empty_notes_with_finish_is_finish() -> None:
    action = parse_text_reply("<notes>  </notes><finish/>", strict=True)
    assert action.kind == "finish"


def test_duplicate_paragraphs_are_removed_keeping_the_first() -> None:
    text = (
        "<notes>Rooms: 3.\n\nHours: 9 to 17.\n\nRooms: 3.\n\n"
        "  rooms:   3.  \n\nHours: 9 to 17.\n\nPrice: 5 dollars.</notes>"
    )
    action = parse_text_reply(text, strict=True)
    assert action.memory == "Rooms: 3.\n\nHours: 9 to 17.\n\nPrice: 5 dollars."


def test_repeated_lines_inside_one_paragraph_are_kept() -> None:
    # Only whole paragraphs are deduplicated; a list with equal lines is left alone.
    action = parse_text_reply("<notes>- a\n- a\n- b</notes>", strict=True)
    assert action.memory == "- a\n- a\n- b"


# native tool calls ---------------------------------------------------------------------


def test_tools_are_the_papers_two() -> None:
    assert [t.name for t in TOOLS] == [RETHINK, FINISH]
    assert TOOLS[0].parameters["required"] == ["new_memory"]


def test_rethink_call() -> None:
    action = parse_tool_calls((ToolCall(RETHINK, {"new_memory": "Rooms: 3."}),))
    assert action.kind == "rethink"
    assert action.memory == "Rooms: 3."
    assert not action.finish_after
    assert action.feedback is None


def test_finish_call() -> None:
    action = parse_tool_calls((ToolCall(FINISH, {}),))
    assert action.kind == "finish"
    assert action.feedback is None


def test_rethink_then_finish_in_one_reply() -> None:
    action = parse_tool_calls(
        (ToolCall(RETHINK, {"new_memory": "Rooms: 3."}), ToolCall(FINISH, {}))
    )
    assert action.kind == "rethink"
    assert action.memory == "Rooms: 3."
    assert action.finish_after


def test_last_rethink_wins() -> None:
    action = parse_tool_calls(
        (ToolCall(RETHINK, {"new_memory": "first"}), ToolCall(RETHINK, {"new_memory": "second"}))
    )
    assert action.memory == "second"


def test_rethink_memory_is_cleaned() -> None:
    action = parse_tool_calls((ToolCall(RETHINK, {"new_memory": "<notes>A.\n\nA.\n\nB.</notes>"}),))
    assert action.memory == "A.\n\nB."


def test_unknown_tool_is_malformed_with_feedback_naming_the_tools() -> None:
    action = parse_tool_calls((ToolCall("search_web", {"q": "x"}),))
    assert action.kind == "malformed"
    assert action.feedback is not None
    assert "'search_web'" in action.feedback
    assert RETHINK in action.feedback and FINISH in action.feedback


def test_unknown_tool_next_to_a_valid_one_keeps_the_valid_one_and_reports() -> None:
    action = parse_tool_calls(
        (ToolCall("oops", {}), ToolCall(RETHINK, {"new_memory": "Rooms: 3."}))
    )
    assert action.kind == "rethink"
    assert action.memory == "Rooms: 3."
    assert action.feedback is not None and "'oops'" in action.feedback


def test_finish_with_an_unknown_tool_is_finish_with_feedback() -> None:
    action = parse_tool_calls((ToolCall("oops", {}), ToolCall(FINISH, {})))
    assert action.kind == "finish"
    assert action.feedback is not None and "'oops'" in action.feedback


@pytest.mark.parametrize(
    "arguments",
    [
        {},
        {"new_memory": ""},
        {"new_memory": "   "},
        {"new_memory": 42},
        {"new_memory": None},
        {"memory": "wrong name"},
        {"new_memory": "[empty]"},
    ],
)
def test_missing_or_invalid_new_memory_is_malformed(arguments: dict[str, object]) -> None:
    action = parse_tool_calls((ToolCall(RETHINK, arguments),))
    assert action.kind == "malformed"
    assert action.feedback is not None and "new_memory" in action.feedback


def test_malformed_raw_arguments_are_quoted_back() -> None:
    raw = '{"new_memory": "unterminated'
    action = parse_tool_calls((ToolCall(RETHINK, {}, raw=raw),))
    assert action.kind == "malformed"
    assert action.feedback is not None and repr(raw) in action.feedback


def test_long_raw_arguments_are_shortened_in_feedback() -> None:
    raw = "{" + "x" * 500
    action = parse_tool_calls((ToolCall(RETHINK, {}, raw=raw),))
    assert action.feedback is not None
    assert repr(raw[:80]) in action.feedback
    assert raw[:81] not in action.feedback


def test_no_tool_calls_is_malformed() -> None:
    action = parse_tool_calls(())
    assert action.kind == "malformed"
    assert action.feedback


# clipping ------------------------------------------------------------------------------


def test_short_notes_are_not_clipped() -> None:
    assert clip_notes("abc", 3) == ("abc", False)


def test_clip_at_a_line_end() -> None:
    notes = "line one is here\nline two is here\nline three"
    clipped, was = clip_notes(notes, 40)
    assert was
    assert clipped == "line one is here\nline two is here"
    assert len(clipped) <= 40


def test_clip_at_a_sentence_end() -> None:
    notes = "First sentence here. Second sentence here. Third sentence."
    clipped, was = clip_notes(notes, 50)
    assert was
    assert clipped == "First sentence here. Second sentence here."


def test_clip_mid_word_when_no_late_boundary() -> None:
    # The only boundary is in the first half, so cutting there would lose too much.
    notes = "Hi. " + "x" * 100
    clipped, was = clip_notes(notes, 50)
    assert was
    assert clipped == notes[:50]


def test_clipped_notes_never_exceed_the_limit() -> None:
    notes = ("word " * 50 + "\n") * 20
    for limit in (10, 99, 250, 1000):
        clipped, was = clip_notes(notes, limit)
        assert was
        assert 0 < len(clipped) <= limit
        assert notes.startswith(clipped)


def test_repeated_long_lines_are_dropped_but_short_ones_kept() -> None:
    long_line = "The garden has twenty-four raised beds in four rows."
    text = f"<notes>{long_line}\nA: 24\nintro\n\n{long_line}\nA: 24\nmore</notes>"
    action = parse_text_reply(text, strict=False)
    assert action.memory is not None
    assert action.memory.count(long_line) == 1
    assert action.memory.count("A: 24") == 2


def test_untagged_notes_then_finish_keep_the_notes_before_the_tag() -> None:
    reply = (
        "The ferry leaves at 9 and returns at 5. A ticket costs 12 dollars.\n<finish/>\n"
        "This is a short summary; add more if needed."
    )
    action = parse_text_reply(reply, strict=False)
    assert action.kind == "rethink" and action.finish_after and action.untagged
    assert action.memory is not None and "12 dollars" in action.memory
    assert "summary" not in action.memory
    assert parse_text_reply(reply, strict=True).kind == "finish"
    assert parse_text_reply("ok <finish/>", strict=False).kind == "finish"  # too short
