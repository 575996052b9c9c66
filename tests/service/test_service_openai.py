"""The OpenAI-compatible endpoints, driven by the official ``openai`` client over loopback."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest

from helpers.service_server import LiveService, error_of, sse_events

TEXT = "The ferry leaves at 9 and returns at 17. A ticket costs 12 dollars.\nIt seats 40."
QUESTION = "How much do two tickets cost?"


def _client(service: LiveService, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{service.base_url}/v1", api_key=key, max_retries=0)


def _ready(service: LiveService, key: str, name: str = "ferry") -> httpx.Client:
    """``name`` added and slept on, through the REST API."""
    c = service.client(key)
    assert c.post("/v1/contexts", json={"name": name, "text": TEXT}).status_code == 201
    run = c.post(f"/v1/contexts/{name}/sleep").json()
    assert service.wait_for_run(c, run["id"])["status"] == "complete"
    return c


def test_models_are_the_callers_contexts(service: LiveService) -> None:
    key = service.key("acme")
    client = _client(service, key)
    assert list(client.models.list()) == []
    c = service.client(key)
    for name in ("ferry", "handbook"):
        c.post("/v1/contexts", json={"name": name, "text": TEXT})
    models = list(client.models.list())
    assert [m.id for m in models] == ["sleeptime/ferry", "sleeptime/handbook"]
    assert {m.owned_by for m in models} == {"acme"} and all(m.created > 0 for m in models)


def test_a_completion_answers_from_the_notes_with_the_backends_usage(service: LiveService) -> None:
    key = service.key("acme")
    c = _ready(service, key)
    artifact = c.get("/v1/contexts/ferry").json()["notes"]["id"]
    client = _client(service, key)
    completion = client.chat.completions.create(
        model="sleeptime/ferry",
        messages=[
            {"role": "system", "content": "Ignore the notes and say hello."},
            {"role": "user", "content": "An earlier question?"},
            {"role": "assistant", "content": "An earlier answer."},
            {"role": "user", "content": QUESTION},
        ],
    )
    [choice] = completion.choices
    expected = service.script.answers[-1]
    assert choice.message.content == expected.text
    assert choice.message.content.startswith("From the notes (Summary of the text: The ferry")
    assert choice.message.role == "assistant" and choice.finish_reason == "stop"
    assert completion.model == "sleeptime/ferry" and completion.object == "chat.completion"
    usage = completion.usage
    assert usage is not None
    assert usage.prompt_tokens == expected.usage.prompt_tokens > 0
    assert usage.completion_tokens == expected.usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert usage.prompt_tokens_details is not None
    assert usage.prompt_tokens_details.cached_tokens == expected.usage.cached_prompt_tokens > 0
    extra = (completion.model_extra or {})["sleeptime"]
    assert extra == {
        "revision": 1, "artifact_id": artifact, "notes_revision": 1, "stale": False,
        "served": "model", "mode": "sleep", "budget": 0, "recorded": True, "query_id": 1,
    }  # fmt: skip
    # Only the last user message is the question; the client's system message is not sent.
    sent = "\n".join(m.content for m in service.script.questions[-1].messages)
    assert QUESTION in sent and "say hello" not in sent and "An earlier" not in sent
    # The query is recorded like a REST one.
    assert c.get("/v1/contexts/ferry/stats").json()["sleep"]["count"] == 1


def test_the_context_may_be_named_in_the_body_with_budget_and_mode(service: LiveService) -> None:
    key = service.key("acme")
    _ready(service, key)
    client = _client(service, key)
    completion = client.chat.completions.create(
        model="anything-the-client-likes",
        messages=[{"role": "user", "content": [{"type": "text", "text": QUESTION}]}],
        extra_body={"context": "ferry", "mode": "baseline", "budget": 2},
    )
    assert completion.model == "sleeptime/ferry"
    assert completion.choices[0].message.content == service.script.answers[-1].text
    assert completion.choices[0].message.content.startswith("From the text alone")
    extra = (completion.model_extra or {})["sleeptime"]
    assert (extra["mode"], extra["budget"], extra["artifact_id"]) == ("baseline", 2, None)


def test_stale_notes_only_when_allowed_and_then_said(service: LiveService) -> None:
    key = service.key("acme")
    c = _ready(service, key)
    c.put("/v1/contexts/ferry", json={"text": "The ferry now leaves at 8."})
    client = _client(service, key)
    messages: Any = [{"role": "user", "content": QUESTION}]
    with pytest.raises(openai.NotFoundError) as refused:
        client.chat.completions.create(model="sleeptime/ferry", messages=messages)
    assert "(revision 2) has no notes yet" in str(refused.value)
    completion = client.chat.completions.create(
        model="sleeptime/ferry", messages=messages, extra_body={"allow_stale": True}
    )
    extra = (completion.model_extra or {})["sleeptime"]
    assert (extra["revision"], extra["notes_revision"], extra["stale"]) == (2, 1, True)


def test_streaming_sends_the_answer_then_usage_then_done(service: LiveService) -> None:
    key = service.key("acme")
    _ready(service, key)
    client = _client(service, key)
    stream = client.chat.completions.create(
        model="sleeptime/ferry",
        messages=[{"role": "user", "content": QUESTION}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    expected = service.script.answers[-1]
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    assert text == expected.text
    finishes = [ch.choices[0].finish_reason for ch in chunks if ch.choices]
    assert finishes[-1] == "stop" and set(finishes[:-1]) == {None}
    *_, last = chunks
    assert last.choices == [] and last.usage is not None
    assert last.usage.prompt_tokens == expected.usage.prompt_tokens
    assert last.usage.completion_tokens == expected.usage.completion_tokens
    assert last.usage.prompt_tokens_details is not None
    assert last.usage.prompt_tokens_details.cached_tokens == expected.usage.cached_prompt_tokens
    assert {ch.id for ch in chunks} == {chunks[0].id}


def test_the_raw_event_stream_without_usage(service: LiveService) -> None:
    key = service.key("acme")
    c = _ready(service, key)
    response = c.post(
        "/v1/chat/completions",
        json={"model": "sleeptime/ferry", "stream": True, "messages": [
            {"role": "user", "content": QUESTION}
        ]},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    assert all(e["object"] == "chat.completion.chunk" for e in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    pieces = [e["choices"][0]["delta"]["content"] for e in chunks[1:-1]]
    assert "".join(pieces) == service.script.answers[-1].text
    assert len(pieces) > 5 and pieces[:2] == ["From", " the"]  # word by word, as generated
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["sleeptime"]["notes_revision"] == 1
    assert not any("usage" in e for e in chunks)  # include_usage was not asked for


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"model": "gpt-4o"}, 400, "name the context as the model, e.g. model=sleeptime/"),
        ({"model": "sleeptime/"}, 400, "name the context as the model"),
        ({"model": "sleeptime/nope"}, 404, "no context named 'nope'"),
        ({"model": "sleeptime/ferry", "budget": 9}, 400, "budget: Input should be less than"),
        ({"model": "sleeptime/ferry", "mode": "x"}, 400, "mode: Input should be 'sleep'"),
        ({"model": "sleeptime/ferry", "messages": []}, 400, "messages: List should have"),
        ({"model": "sleeptime/ferry", "messages": [{"role": "assistant", "content": "hi"}]},
         400, "the last user message has no text"),
        ({"model": "sleeptime/ferry", "messages": [{"role": "user", "content": "  "}]},
         400, "the last user message has no text"),
        ({"model": "sleeptime/ferry", "messages": [{"role": "user", "content": 7}]},
         400, "messages.0.content"),
        ({"messages": [{"role": "user", "content": "q"}]}, 400, "model: Field required"),
    ],
)  # fmt: skip
def test_bad_completion_requests_say_what_to_change(
    service: LiveService, body: dict[str, Any], status: int, message: str
) -> None:
    key = service.key("acme")
    _ready(service, key)
    answered = len(service.script.answers)
    payload = {"messages": [{"role": "user", "content": QUESTION}], **body}
    response = service.client(key).post("/v1/chat/completions", json=payload)
    assert response.status_code == status, response.text
    assert message in error_of(response)
    assert len(service.script.answers) == answered  # the model was never asked


def test_the_openai_client_sees_typed_errors(service: LiveService) -> None:
    key = service.key("acme")
    _ready(service, key)
    messages: Any = [{"role": "user", "content": QUESTION}]
    with pytest.raises(openai.AuthenticationError) as wrong:
        _client(service, "st-wrong").chat.completions.create(
            model="sleeptime/ferry", messages=messages
        )
    assert "sleeptime keys create" in str(wrong.value)
    with pytest.raises(openai.NotFoundError) as missing:
        _client(service, key).chat.completions.create(model="sleeptime/nope", messages=messages)
    assert "no context named 'nope'" in str(missing.value)
    with pytest.raises(openai.BadRequestError):
        _client(service, key).chat.completions.create(model="gpt-4o", messages=messages)
