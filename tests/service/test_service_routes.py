"""Every REST route over real HTTP: the happy path and the errors the API documents."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

from helpers.service_server import LiveService, ModelScript, Serve, error_of

TEXT = "The ferry leaves at 9 and returns at 17. A ticket costs 12 dollars.\nIt seats 40."
TEXT2 = "The ferry now leaves at 8. A ticket costs 15 dollars.\nIt seats 40."


def _add(client: httpx.Client, name: str, text: str = TEXT) -> dict[str, Any]:
    response = client.post("/v1/contexts", json={"name": name, "text": text})
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def _slept(service: LiveService, client: httpx.Client, name: str) -> dict[str, Any]:
    """Trigger sleep on ``name`` (202) and wait for the in-process worker to complete it."""
    queued = client.post(f"/v1/contexts/{name}/sleep")
    assert queued.status_code == 202, queued.text
    assert queued.json()["status"] == "queued" and queued.json()["origin"] == "worker"
    run: dict[str, Any] = service.wait_for_run(client, queued.json()["id"])
    assert run["status"] == "complete", run
    return run


def test_contexts_are_created_replaced_appended_listed_and_deleted(service: LiveService) -> None:
    c = service.client(service.key("acme"))
    assert c.get("/v1/contexts").json() == []

    created = c.post("/v1/contexts", json={"name": "ferry", "text": TEXT})
    assert created.status_code == 201
    assert created.json()["created"] is True and created.json()["revision"]["seq"] == 1
    assert created.json()["revision"]["n_chars"] == len(TEXT)
    same = c.post("/v1/contexts", json={"name": "ferry", "text": TEXT})
    assert same.status_code == 200 and same.json()["created"] is False
    assert same.json()["revision"]["seq"] == 1

    replaced = c.put("/v1/contexts/ferry", json={"text": TEXT2})
    assert replaced.status_code == 200 and replaced.json()["revision"]["seq"] == 2
    appended = c.post("/v1/contexts/ferry/append", json={"text": "A dog rides free."})
    assert appended.status_code == 200 and appended.json()["revision"]["seq"] == 3
    shown = c.get("/v1/contexts/ferry").json()
    assert shown["text"] == TEXT2 + "\nA dog rides free."
    assert [r["seq"] for r in shown["revisions"]] == [1, 2, 3] and shown["notes"] is None

    # Appending to (or replacing) a name that does not exist creates it.
    fresh = c.post("/v1/contexts/log/append", json={"text": "first line"})
    assert fresh.status_code == 200 and fresh.json()["revision"]["seq"] == 1
    listed = c.get("/v1/contexts").json()
    assert [(s["name"], s["current_revision"], s["has_notes"]) for s in listed] == [
        ("ferry", 3, False),
        ("log", 1, False),
    ]

    assert c.delete("/v1/contexts/log").status_code == 204
    gone = c.get("/v1/contexts/log")
    assert gone.status_code == 404 and "no context named 'log'" in error_of(gone)
    again = c.delete("/v1/contexts/log")
    assert again.status_code == 404 and "no context named 'log'" in error_of(again)
    assert [s["name"] for s in c.get("/v1/contexts").json()] == ["ferry"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"name": "x"}, "text: Field required"),
        ({"name": "x", "text": ""}, "text: String should have at least 1 character"),
        ({"name": "", "text": "t"}, "name: String should have at least 1 character"),
        ({"name": "x", "text": 5}, "text: Input should be a valid string"),
        ({"name": "x", "text": "t", "txet": "typo"}, "txet: Extra inputs are not permitted"),
    ],
)
def test_a_malformed_context_is_refused_with_the_field(
    service: LiveService, body: dict[str, Any], where: str
) -> None:
    c = service.client(service.key("acme"))
    response = c.post("/v1/contexts", json=body)
    assert response.status_code == 400
    message = error_of(response)
    assert where in message and "/docs" in message
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert c.get("/v1/contexts").json() == []


def test_sleep_is_triggered_and_its_notes_shown_listed_and_diffed(service: LiveService) -> None:
    c = service.client(service.key("acme"))
    _add(c, "ferry")
    first = _slept(service, c, "ferry")
    assert first["rounds"] >= 1 and first["prompt_tokens"] > 0 and first["completion_tokens"] > 0
    assert first["attempt"] == 1 and first["finished_at"] is not None

    shown = c.get("/v1/contexts/ferry").json()
    notes = shown["notes"]
    assert notes["run_id"] == first["id"] and notes["revision"] == 1
    assert "Summary of the text: The ferry leaves at 9" in notes["text"]
    assert [r["id"] for r in shown["runs"]] == [first["id"]]
    assert c.get("/v1/contexts/ferry", params={"notes": "false"}).json()["notes"]["text"] is None

    c.put("/v1/contexts/ferry", json={"text": TEXT2})
    assert c.get("/v1/contexts/ferry").json()["notes"] is None  # old notes are not current
    second = _slept(service, c, "ferry")
    revisions = c.get("/v1/contexts/ferry/revisions").json()
    assert [(r["seq"], r["n_chars"]) for r in revisions] == [(1, len(TEXT)), (2, len(TEXT2))]

    history = c.get("/v1/contexts/ferry/notes").json()
    assert [(a["revision"], a["run_id"], a["text"]) for a in history] == [
        (2, second["id"], None),
        (1, first["id"], None),
    ]
    new_id, old_id = history[0]["id"], history[1]["id"]
    one = c.get(f"/v1/contexts/ferry/notes/{old_id}").json()
    assert one["id"] == old_id and "leaves at 9" in one["text"]

    diff = c.get("/v1/contexts/ferry/notes-diff", params={"from": old_id, "to": new_id})
    assert diff.status_code == 200
    body = diff.json()
    assert (body["from_artifact"], body["to_artifact"]) == (old_id, new_id)
    assert f"--- notes {old_id}" in body["diff"] and f"+++ notes {new_id}" in body["diff"]
    assert "-Summary of the text: The ferry leaves at 9" in body["diff"]
    assert "+Summary of the text: The ferry now leaves at 8" in body["diff"]
    same = c.get("/v1/contexts/ferry/notes-diff", params={"from": new_id, "to": new_id})
    assert same.json()["diff"] == ""

    missing = c.get(f"/v1/contexts/ferry/notes/{new_id + 100}")
    assert missing.status_code == 404
    assert error_of(missing) == f"context 'ferry' has no notes with id {new_id + 100}"
    bad_diff = c.get("/v1/contexts/ferry/notes-diff", params={"from": old_id, "to": 999})
    assert bad_diff.status_code == 404 and "no notes with id 999" in error_of(bad_diff)
    no_to = c.get("/v1/contexts/ferry/notes-diff", params={"from": old_id})
    assert no_to.status_code == 400 and "to: Field required" in error_of(no_to)
    not_int = c.get("/v1/contexts/ferry/notes/latest")
    assert not_int.status_code == 400 and "artifact_id" in error_of(not_int)
    assert c.get("/v1/contexts/nope/notes").status_code == 404


def test_triggering_sleep_refuses_bad_requests(service: LiveService) -> None:
    c = service.client(service.key("acme"))
    _add(c, "ferry")
    unknown = c.post("/v1/contexts/nope/sleep")
    assert unknown.status_code == 404 and "no context named 'nope'" in error_of(unknown)
    recipe = c.post("/v1/contexts/ferry/sleep", params={"recipe": "dream"})
    assert recipe.status_code == 400 and "dream" in error_of(recipe)
    rounds = c.post("/v1/contexts/ferry/sleep", params={"rounds": 0})
    assert rounds.status_code == 400 and "rounds" in error_of(rounds)
    assert c.get("/v1/jobs").json() == []  # nothing was queued by the refused requests


def test_jobs_are_listed_shown_and_cancelled(serve: Serve) -> None:
    service = serve(worker=False)  # no worker: the run stays queued
    c = service.client(service.key("acme"))
    _add(c, "ferry")
    queued = c.post("/v1/contexts/ferry/sleep", params={"recipe": "parallel:2", "rounds": 3})
    assert queued.status_code == 202
    run = queued.json()
    assert (run["status"], run["recipe"], run["attempt"]) == ("queued", "parallel:2", 0)

    assert [j["id"] for j in c.get("/v1/jobs").json()] == [run["id"]]
    assert [j["id"] for j in c.get("/v1/jobs", params={"status": "queued"}).json()] == [run["id"]]
    assert c.get("/v1/jobs", params={"status": ["complete", "failed"]}).json() == []
    bad_status = c.get("/v1/jobs", params={"status": "sleeping"})
    assert bad_status.status_code == 400 and "status" in error_of(bad_status)
    assert c.get("/v1/jobs", params={"limit": 0}).status_code == 400

    assert c.get(f"/v1/jobs/{run['id']}").json()["id"] == run["id"]
    assert c.get(f"/v1/jobs/{run['id'][:8]}").json()["id"] == run["id"]  # a prefix
    unknown = c.get("/v1/jobs/" + "0" * 32)
    assert unknown.status_code == 404 and "no sleep run" in error_of(unknown)
    too_long = c.get("/v1/jobs/" + "a" * 65)
    assert too_long.status_code == 400 and "32 hexadecimal" in error_of(too_long)

    cancelled = c.post(f"/v1/jobs/{run['id']}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "failed"
    assert "cancelled" in (cancelled.json()["error"] or "")
    again = c.post(f"/v1/jobs/{run['id']}/cancel")
    assert again.status_code == 409 and "already ended (failed)" in error_of(again)
    assert again.json()["error"]["type"] == "conflict"
    assert c.post("/v1/jobs/" + "0" * 32 + "/cancel").status_code == 404


def test_cancelling_a_running_job_stops_it(serve: Serve) -> None:
    script = ModelScript(gate=threading.Event())
    service = serve(script)
    c = service.client(service.key("acme"))
    _add(c, "ferry")
    run = c.post("/v1/contexts/ferry/sleep").json()
    deadline = time.monotonic() + 10
    while c.get(f"/v1/jobs/{run['id']}").json()["status"] != "running":
        assert time.monotonic() < deadline, "the worker did not start the run"
        time.sleep(0.05)
    asked = c.post(f"/v1/jobs/{run['id']}/cancel")
    assert asked.status_code == 200 and asked.json()["status"] == "running"  # asked to stop
    ended = service.wait_for_run(c, run["id"], timeout_s=5)
    script.gate.set()  # type: ignore[union-attr]
    assert ended["status"] == "failed" and "cancelled" in (ended["error"] or "")
    assert c.get("/v1/contexts/ferry").json()["notes"] is None


def test_ask_in_sleep_and_baseline_mode_says_what_it_used(service: LiveService) -> None:
    c = service.client(service.key("acme"))
    _add(c, "ferry")
    early = c.post("/v1/contexts/ferry/ask", json={"question": "How much are two tickets?"})
    assert early.status_code == 404
    assert "has no notes yet" in error_of(early) and "baseline" in error_of(early)

    baseline = c.post(
        "/v1/contexts/ferry/ask", json={"question": "How much are two tickets?", "mode": "baseline"}
    )
    assert baseline.status_code == 200, baseline.text
    b = baseline.json()
    assert b["answer"].startswith("From the text alone") and b["final"] == "24"
    assert (b["mode"], b["artifact_id"], b["notes_revision"], b["stale"]) == (
        "baseline", None, None, False,
    )  # fmt: skip
    _check_usage(b, service.script)

    _slept(service, c, "ferry")
    asked = c.post("/v1/contexts/ferry/ask", json={"question": "How much are two tickets?"})
    a = asked.json()
    assert a["answer"].startswith("From the notes (Summary of the text: The ferry leaves at 9")
    assert (a["mode"], a["revision"], a["notes_revision"], a["stale"]) == ("sleep", 1, 1, False)
    assert a["artifact_id"] == c.get("/v1/contexts/ferry").json()["notes"]["id"]
    assert a["served"] == "model" and a["recorded"] is True
    _check_usage(a, service.script)

    # A new revision: its notes do not exist yet, older ones only when allowed, and then said.
    c.put("/v1/contexts/ferry", json={"text": TEXT2})
    refused = c.post("/v1/contexts/ferry/ask", json={"question": "How much?"})
    assert refused.status_code == 404 and "(revision 2) has no notes yet" in error_of(refused)
    stale = c.post("/v1/contexts/ferry/ask", json={"question": "How much?", "allow_stale": True})
    s = stale.json()
    assert (s["revision"], s["notes_revision"], s["stale"]) == (2, 1, True)
    assert s["artifact_id"] == a["artifact_id"] and s["details"]["stale_notes_of_revision"] == 1
    assert "leaves at 9" in s["answer"]  # the old notes were really in the prompt


def _check_usage(answer: dict[str, Any], script: ModelScript) -> None:
    """The API's usage is the backend's, for the call that made this answer."""
    used = script.answers[-1].usage
    assert answer["answer"] == script.answers[-1].text
    assert answer["usage"]["prompt_tokens"] == used.prompt_tokens > 0
    assert answer["usage"]["cached_prompt_tokens"] == used.cached_prompt_tokens > 0
    assert answer["usage"]["completion_tokens"] == used.completion_tokens > 0


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"question": "q?", "budget": 5}, "budget: Input should be less than or equal to 4"),
        ({"question": "q?", "mode": "dream"}, "mode: Input should be 'sleep' or 'baseline'"),
        ({"question": ""}, "question: String should have at least 1 character"),
        ({"question": "q?", "allow_stale": "maybe"}, "allow_stale: Input should be a valid"),
        ({"q": "typo"}, "question: Field required"),
    ],
)
def test_a_malformed_question_is_refused_before_the_model(
    service: LiveService, body: dict[str, Any], where: str
) -> None:
    c = service.client(service.key("acme"))
    _add(c, "ferry")
    response = c.post("/v1/contexts/ferry/ask", json=body)
    assert response.status_code == 400 and where in error_of(response)
    assert service.script.answers == []


def test_stats_count_sleep_and_queries_and_the_tokens_saved(service: LiveService) -> None:
    c = service.client(service.key("acme"))
    _add(c, "ferry")
    empty = c.get("/v1/contexts/ferry/stats").json()
    assert (empty["sleep_runs"], empty["sleep"], empty["baseline"]) == (0, None, None)
    assert "tokens_saved_per_query" not in empty

    run = _slept(service, c, "ferry")
    for mode in ("sleep", "sleep", "baseline"):
        asked = c.post("/v1/contexts/ferry/ask", json={"question": "How much?", "mode": mode})
        assert asked.status_code == 200
    stats = c.get("/v1/contexts/ferry/stats").json()
    assert (stats["name"], stats["revision_seq"], stats["sleep_runs"]) == ("ferry", 1, 1)
    assert stats["sleep_total"] == run["prompt_tokens"] + run["completion_tokens"] > 0
    assert stats["sleep"]["count"] == 2 and stats["baseline"]["count"] == 1
    saved = stats["baseline"]["mean_total"] - stats["sleep"]["mean_total"]
    assert stats["tokens_saved_per_query"] == pytest.approx(saved)
    assert [cost["n_queries"] for cost in stats["costs"]] == [1, 2, 5, 10]
    missing = c.get("/v1/contexts/nope/stats")
    assert missing.status_code == 404 and "no context named 'nope'" in error_of(missing)


def test_health_and_the_api_reference_need_no_key(service: LiveService) -> None:
    c = service.client()
    health = c.get("/healthz")
    assert health.json() == {"status": "ok", "worker": True, "database": "sqlite"}
    spec = c.get("/openapi.json").json()
    assert "/v1/chat/completions" in spec["paths"] and "/v1/contexts/{name}/ask" in spec["paths"]
    assert c.get("/docs").status_code == 200


def test_unknown_routes_and_methods_answer_in_the_error_shape(service: LiveService) -> None:
    c = service.client(service.key("acme"))
    route = c.get("/v1/nothing")
    assert route.status_code == 404 and "the API reference is at /docs" in error_of(route)
    method = c.patch("/v1/contexts")
    assert method.status_code == 405 and method.json()["error"]["type"] == "method_not_allowed"
