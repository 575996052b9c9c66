"""Hostile input over HTTP: every refusal is a 4xx whose message says what to change.

Names with control, invisible or bidirectional characters, huge names, NUL in text,
undecodable bytes in the body and the path, JSON that is not an object, and deeply
nested JSON. Nothing of it is stored, and the service keeps serving.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from helpers.service_server import LiveService, error_of

HIDDEN_NAMES = {
    "a\nb": "U+000A newline",
    "a\tb": "U+0009 tab",
    "a\x00b": "U+0000 NUL",
    "a\x1b[31mb": "U+001B",
    "a\u202eb": "U+202E RIGHT-TO-LEFT OVERRIDE",
    "a\u200bb": "U+200B ZERO WIDTH SPACE",
    "a\u2028b": "U+2028 LINE SEPARATOR",
}
CHAT = {"messages": [{"role": "user", "content": "How much?"}], "mode": "baseline"}


@pytest.fixture
def client(service: LiveService) -> Iterator[httpx.Client]:
    c = service.client(service.key("acme"))
    assert c.post("/v1/contexts", json={"name": "doc", "text": "A ticket costs 12."}).is_success
    yield c
    # Whatever was thrown at it, the service still answers and stored nothing else.
    assert service.client().get("/healthz").status_code == 200
    assert [s["name"] for s in c.get("/v1/contexts").json()] == ["doc"]
    assert [r["seq"] for r in c.get("/v1/contexts/doc/revisions").json()] == [1]


def _refused(response: httpx.Response, status: int, *phrases: str) -> str:
    assert response.status_code == status, response.text
    message = error_of(response)
    for phrase in phrases:
        assert phrase in message, (phrase, message)
    return message


def _raw(client: httpx.Client, method: str, path: str, body: bytes) -> httpx.Response:
    return client.request(method, path, content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize("name", list(HIDDEN_NAMES))
def test_names_with_hidden_characters_are_refused_escaped(client: httpx.Client, name: str) -> None:
    escaped = f"a\\u{ord(name[1]):04x}"  # how the message shows it: 'a\u202eb'
    for response in (
        client.post("/v1/contexts", json={"name": name, "text": "t"}),
        client.put("/v1/contexts/" + _quoted(name), json={"text": "t"}),
        client.post("/v1/contexts/" + _quoted(name) + "/append", json={"text": "t"}),
    ):
        message = _refused(
            response, 400, HIDDEN_NAMES[name], "use a one-line name of visible characters"
        )
        assert name not in message and escaped in message


def _quoted(name: str) -> str:
    """``name`` percent-encoded as one path segment."""
    return quote(name, safe="")


@pytest.mark.parametrize("name", ["lead", "trail"])
def test_names_with_surrounding_whitespace_are_refused(client: httpx.Client, name: str) -> None:
    padded = f" {name}" if name == "lead" else f"{name} "
    response = client.post("/v1/contexts", json={"name": padded, "text": "t"})
    _refused(response, 400, "starts or ends with whitespace; remove it")


@pytest.mark.parametrize("name", list(HIDDEN_NAMES))
def test_reading_a_name_with_hidden_characters_finds_nothing(
    client: httpx.Client, name: str
) -> None:
    for method, path, body in (
        ("GET", "/v1/contexts/{}", None),
        ("GET", "/v1/contexts/{}/notes", None),
        ("POST", "/v1/contexts/{}/ask", {"question": "q?", "mode": "baseline"}),
        ("POST", "/v1/contexts/{}/sleep", None),
        ("DELETE", "/v1/contexts/{}", None),
    ):
        response = client.request(method, path.format(_quoted(name)), json=body)
        message = _refused(response, 404, "no context named", "list the contexts")
        assert message.startswith(f"no context named {name!r}")  # the name shown escaped
    chat = client.post("/v1/chat/completions", json={**CHAT, "model": f"sleeptime/{name}"})
    _refused(chat, 404, f"no context named {name!r}")


def test_a_not_found_message_never_carries_a_hidden_character(client: httpx.Client) -> None:
    message = error_of(client.get("/v1/contexts/" + _quoted("a\u202eb")))
    assert "\u202e" not in message


def test_huge_names_are_refused_with_the_limit(client: httpx.Client) -> None:
    _refused(client.post("/v1/contexts", json={"name": "n" * 201, "text": "t"}), 400,
             "name: String should have at most 200 characters")  # fmt: skip
    for response in (
        client.put("/v1/contexts/" + "n" * 5000, json={"text": "t"}),
        client.post("/v1/contexts/" + "n" * 5000 + "/append", json={"text": "t"}),
    ):
        _refused(response, 400, "context name is 5000 characters long; use at most 200")
    read = client.get("/v1/contexts/" + "n" * 5000)
    _refused(read, 404, "no context named")
    chat = client.post("/v1/chat/completions", json={**CHAT, "model": "sleeptime/" + "n" * 300})
    _refused(chat, 400, "model: String should have at most")
    job = client.get("/v1/jobs/" + "a" * 5000)
    _refused(job, 400, "a run id is 32 hexadecimal characters")


def test_nul_and_control_characters_in_text_and_questions(client: httpx.Client) -> None:
    for response in (
        client.post("/v1/contexts", json={"name": "bin", "text": "a\x00b"}),
        client.put("/v1/contexts/doc", json={"text": "a\x00b"}),
        client.post("/v1/contexts/doc/append", json={"text": "a\x00b"}),
    ):
        _refused(response, 400, "context text contains NUL bytes; is this a binary file?")
    for question, what in (("a\x00b", "U+0000 NUL"), ("a\x1b[2Jb", "U+001B")):
        asked = client.post("/v1/contexts/doc/ask", json={"question": question, "mode": "baseline"})
        message = _refused(asked, 400, what, "remove it")
        assert question not in message
        chat = client.post("/v1/chat/completions", json={
            **CHAT, "model": "sleeptime/doc",
            "messages": [{"role": "user", "content": question}],
        })  # fmt: skip
        _refused(chat, 400, what, "remove it")
    # A raw NUL byte is not even JSON: the position is named.
    raw = _raw(client, "POST", "/v1/contexts", b'{"name": "x", "text": "a\x00b"}')
    _refused(raw, 400, "body (character 24): JSON decode error", "/docs")


def test_undecodable_bytes_in_the_body_and_the_path(client: httpx.Client) -> None:
    for body in (b'{"name": "x", "text": "\xff\xfe"}', b'{"name": "\xc3\x28", "text": "t"}'):
        _refused(_raw(client, "POST", "/v1/contexts", body), 400,
                 "could not be read as JSON in UTF-8; send a JSON object")  # fmt: skip
    surrogate = _raw(client, "POST", "/v1/contexts", b'{"name": "x", "text": "\\ud800"}')
    _refused(surrogate, 400, "text: Input should be a valid string")
    latin1 = client.post(
        "/v1/contexts", content='{"name": "caf\xe9", "text": "t"}'.encode("latin-1"),
        headers={"content-type": "application/json; charset=latin-1"},
    )  # fmt: skip
    _refused(latin1, 400, "UTF-8")
    for method, path in (("PUT", "/v1/contexts/%FF%FE"), ("GET", "/v1/contexts/a%C3%28"),
                         ("POST", "/v1/contexts/%80/append"), ("GET", "/v1/jobs/%FF")):  # fmt: skip
        response = client.request(method, path, json={"text": "t"} if method != "GET" else None)
        _refused(response, 400, "not valid UTF-8", "percent-encode names as UTF-8")


@pytest.mark.parametrize("body", [b"[]", b'"doc"', b"5", b"null", b"true", b"[{}]"])
def test_json_that_is_not_an_object_is_refused(client: httpx.Client, body: bytes) -> None:
    for path in ("/v1/contexts", "/v1/contexts/doc/ask", "/v1/chat/completions"):
        response = _raw(client, "POST", path, body)
        _refused(response, 400, "Input should be a valid dictionary", "/docs")


def test_empty_and_truncated_and_form_bodies(client: httpx.Client) -> None:
    _refused(_raw(client, "POST", "/v1/contexts", b""), 400, "body: Field required")
    _refused(_raw(client, "POST", "/v1/contexts", b'{"name": "x", "text": "t"'), 400,
             "JSON decode error")  # fmt: skip
    form = client.post("/v1/contexts", data={"name": "x", "text": "t"})
    _refused(form, 400, "Input should be a valid dictionary")


@pytest.mark.parametrize("depth", [50, 500, 100_000])
def test_deeply_nested_json_is_refused(client: httpx.Client, depth: int) -> None:
    nested = b"[" * depth + b"]" * depth
    for path, body in (
        ("/v1/contexts", b'{"name": "x", "text": ' + nested + b"}"),
        ("/v1/contexts/doc/ask", b'{"question": ' + nested + b', "mode": "baseline"}'),
        ("/v1/chat/completions",
         b'{"model": "sleeptime/doc", "messages": [{"role": "user", "content": '
         + b"[" * depth + b"{}" + b"]" * depth + b"}]}"),
    ):  # fmt: skip
        response = _raw(client, "POST", path, body)
        assert response.status_code == 400, (path, depth, response.text[:300])
        message = error_of(response)
        assert "Input should be a valid" in message or "could not be read as JSON" in message


def test_numbers_out_of_any_range(client: httpx.Client) -> None:
    cases: list[tuple[bytes, str]] = [
        (b'{"question": "q?", "budget": 1e309}', "budget"),
        (b'{"question": "q?", "budget": NaN}', "budget: Input should be a finite number"),
        (b'{"question": "q?", "budget": 1.5}', "budget: Input should be a valid integer"),
        (b'{"question": "q?", "budget": -1}', "budget: Input should be greater than or equal"),
        (b'{"question": "q?", "budget": 1' + b"0" * 5000 + b"}", "JSON"),
    ]
    for body, phrase in cases:
        _refused(_raw(client, "POST", "/v1/contexts/doc/ask", body), 400, phrase)
    params: dict[str, Any] = {"rounds": "9" * 30}
    _refused(client.post("/v1/contexts/doc/sleep", params=params), 400, "rounds")
    huge_id = client.get("/v1/contexts/doc/notes/" + "9" * 30)
    _refused(huge_id, 404, "has no notes with id")
