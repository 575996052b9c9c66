"""Reading anticipated question/answer pairs from notes and from an extraction reply."""

from __future__ import annotations

from sleeptime.anticipate import (
    extract_anticipated,
    merge_pairs,
    parse_json_pairs,
    parse_qa_pairs,
)
from sleeptime.backends import ScriptedBackend
from sleeptime.errors import BackendError

NOTES = """Open 9-17 (8 hours). Rooms: 3, seats: 24 in total.

Q: How many seats are there in total?
A: 24 seats. The answer is 24.
- **Q1:** When does the office open?
- **A1:** At 9.
Question: How long is the office open
each day?
Answer: 8 hours.
Q: What is the cost of a room? A: 40 dollars.
Q: A question without an answer?

Q: Who runs it?
Some unrelated note.
"""


def test_qa_lines_in_several_styles() -> None:
    pairs = parse_qa_pairs(NOTES)
    assert [(p["question"], p["answer"]) for p in pairs] == [
        ("How many seats are there in total?", "24 seats. The answer is 24."),
        ("When does the office open?", "At 9."),
        ("How long is the office open each day?", "8 hours."),
        ("What is the cost of a room?", "40 dollars."),
    ]
    assert {p["source"] for p in pairs} == {"notes"}


def test_notes_without_pairs_give_an_empty_list() -> None:
    assert parse_qa_pairs("Rooms: 3. Seats: 24 in total.") == []
    assert parse_qa_pairs("") == []


def test_json_is_read_leniently() -> None:
    reply = (
        'Sure! Here they are:\n```json\n[{"question": "How many rooms?", "answer": 3},\n'
        ' {"Q": "When does it open?", "A": "At 9"}, {"question": "", "answer": "x"}, 7]\n```'
    )
    assert [(p["question"], p["answer"], p["source"]) for p in parse_json_pairs(reply)] == [
        ("How many rooms?", "3", "call"),
        ("When does it open?", "At 9", "call"),
    ]


def test_broken_json_falls_back_to_objects_then_lines() -> None:
    broken = '[{"question": "How many rooms?", "answer": "3"}, {"question": "Cut off'
    assert [p["question"] for p in parse_json_pairs(broken)] == ["How many rooms?"]
    assert [p["answer"] for p in parse_json_pairs("Q: How many rooms?\nA: 3")] == ["3"]
    assert parse_json_pairs("no pairs at all") == []


def test_merge_keeps_the_first_answer_per_question() -> None:
    first = [{"question": "How many rooms?", "answer": "3", "source": "notes"}]
    second = [{"question": "how many ROOMS", "answer": "4", "source": "call"}]
    assert merge_pairs(first, second) == first
    many = [{"question": f"Question {i}?", "answer": "a", "source": "notes"} for i in range(9)]
    assert len(merge_pairs(many, limit=5)) == 5


async def test_modes() -> None:
    backend = ScriptedBackend(['[{"question": "How many rooms?", "answer": "3"}]'])
    off = await extract_anticipated(NOTES, "off", backend)
    assert off.items == [] and not backend.requests
    notes = await extract_anticipated(NOTES, "notes", backend)
    assert len(notes.items) == 4 and notes.usage.total_tokens == 0 and not backend.requests
    called = await extract_anticipated(NOTES, "call", backend)
    assert len(backend.requests) == 1
    assert called.from_notes == 4 and called.from_call == 1
    assert called.items[-1] == {"question": "How many rooms?", "answer": "3", "source": "call"}
    assert called.usage.total_tokens > 0
    assert called.details()["prompt"] == "anticipate_extract@v1"


async def test_failed_extraction_call_keeps_the_notes_pairs() -> None:
    backend = ScriptedBackend([BackendError("server down")])
    extraction = await extract_anticipated(NOTES, "call", backend)
    assert len(extraction.items) == 4
    assert extraction.error == "server down"
