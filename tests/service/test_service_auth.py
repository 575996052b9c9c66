"""Who may call: API keys (missing, wrong, revoked), the rate limit, the body size limit."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from helpers.service_server import LiveService, Serve, error_of

# (method, path, JSON body) for every route that needs a key, with valid arguments.
KEYED: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/v1/contexts", None),
    ("POST", "/v1/contexts", {"name": "doc", "text": "text"}),
    ("GET", "/v1/contexts/doc", None),
    ("PUT", "/v1/contexts/doc", {"text": "text"}),
    ("DELETE", "/v1/contexts/doc", None),
    ("POST", "/v1/contexts/doc/append", {"text": "more"}),
    ("GET", "/v1/contexts/doc/revisions", None),
    ("GET", "/v1/contexts/doc/notes", None),
    ("GET", "/v1/contexts/doc/notes/1", None),
    ("GET", "/v1/contexts/doc/notes-diff?from=1&to=2", None),
    ("POST", "/v1/contexts/doc/sleep", None),
    ("GET", "/v1/jobs", None),
    ("GET", "/v1/jobs/" + "a" * 32, None),
    ("POST", "/v1/jobs/" + "a" * 32 + "/cancel", None),
    ("POST", "/v1/contexts/doc/ask", {"question": "q?"}),
    ("GET", "/v1/contexts/doc/stats", None),
    ("POST", "/v1/chat/completions",
     {"model": "sleeptime/doc", "messages": [{"role": "user", "content": "q?"}]}),
    ("GET", "/v1/models", None),
]  # fmt: skip


def test_the_list_above_is_every_route_that_needs_a_key(service: LiveService) -> None:
    spec = service.client().get("/openapi.json").json()
    documented = {
        (method.upper(), path) for path, ops in spec["paths"].items() for method in ops
    } - {("GET", "/healthz")}
    listed = {(m, p.split("?")[0]) for m, p, _ in KEYED}
    templated = {
        (m, p.replace("{name}", "doc").replace("{artifact_id}", "1").replace(
            "{run_id}", "a" * 32))
        for m, p in documented
    }  # fmt: skip
    assert templated == listed


def _requests(client: httpx.Client) -> Iterator[tuple[str, httpx.Response]]:
    for method, path, body in KEYED:
        yield f"{method} {path}", client.request(method, path, json=body)


def test_no_key_is_401_on_every_route_with_how_to_get_one(service: LiveService) -> None:
    service.key("acme")  # a key exists; the request just does not send it
    for headers in ({}, {"Authorization": "Basic dXNlcjpwdw=="}, {"Authorization": "Bearer"}):
        for route, response in _requests(service.client(**headers)):
            assert response.status_code == 401, (route, headers, response.text)
            assert response.headers["www-authenticate"] == "Bearer"
            message = error_of(response)
            assert message.startswith("missing API key") and "sleeptime keys create" in message
            assert response.json()["error"]["type"] == "authentication_error"
    assert service.runtime.store.list_contexts("acme") == []


def test_a_wrong_or_revoked_key_is_401_on_every_route(service: LiveService) -> None:
    key = service.key("acme")
    good = service.client(key)
    assert good.post("/v1/contexts", json={"name": "doc", "text": "text"}).status_code == 201
    [record] = service.runtime.store.list_api_keys("acme")
    service.runtime.store.revoke_api_key(record.id, tenant="acme")
    for secret in (key, key[:-1] + ("A" if key[-1] != "A" else "B"), "st-" + "x" * 300, "nope"):
        for route, response in _requests(service.client(secret)):
            assert response.status_code == 401, (route, response.text)
            assert error_of(response).startswith("invalid or revoked API key")
    # Revoking did nothing to the tenant's data; a new key sees it.
    fresh = service.client(service.key("acme"))
    assert [c["name"] for c in fresh.get("/v1/contexts").json()] == ["doc"]


def test_the_rate_limit_is_per_key_with_retry_after(serve: Serve) -> None:
    service = serve(service_rate_per_minute=60, service_burst=3)
    first, second = service.client(service.key("acme")), service.client(service.key("acme"))
    assert [first.get("/v1/contexts").status_code for _ in range(3)] == [200, 200, 200]
    limited = first.get("/v1/contexts")
    assert limited.status_code == 429
    assert limited.json()["error"]["type"] == "rate_limit_exceeded"
    assert "too many requests for this API key; retry in" in error_of(limited)
    wait = int(limited.headers["retry-after"])
    assert 1 <= wait <= 2
    assert second.get("/v1/contexts").status_code == 200  # another key has its own bucket
    assert service.client().get("/healthz").status_code == 200  # health is not limited
    time.sleep(wait)
    assert first.get("/v1/contexts").status_code == 200


@pytest.mark.parametrize(("scope", "allowed"), [("database", 3), ("process", 6)])
def test_service_processes_share_the_rate_in_the_database(
    serve: Serve, scope: str, allowed: int
) -> None:
    """Two services on one database: with the shared scope a key's burst of 3 is spent
    across both; counted per process, each allows its own 3."""
    settings = {"service_rate_per_minute": 6, "service_burst": 3, "service_rate_scope": scope}
    one = serve(**settings)
    two = serve(worker=False, **settings)
    key = one.key("acme")
    clients = [one.client(key), two.client(key)]
    codes = [clients[i % 2].get("/v1/contexts").status_code for i in range(8)]
    assert codes.count(200) == allowed
    assert set(codes) == {200, 429}
    refused = clients[0].get("/v1/contexts")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 5


def _too_large(response: httpx.Response, limit: int) -> None:
    assert response.status_code == 413, response.text
    assert response.json()["error"]["type"] == "request_too_large"
    message = error_of(response)
    assert f"over the limit of {limit} bytes" in message
    assert "SLEEPTIME_SERVICE_MAX_BODY_BYTES" in message


@pytest.mark.parametrize("path", ["/v1/contexts", "/v1/chat/completions"])
def test_a_body_over_the_limit_is_413_declared_or_streamed(serve: Serve, path: str) -> None:
    limit = 2048
    service = serve(service_max_body_bytes=limit)
    c = service.client(service.key("acme"))
    text = "a" * 3000
    body = (
        f'{{"name": "big", "text": "{text}"}}'
        if path == "/v1/contexts"
        else f'{{"model": "sleeptime/big", "messages": [{{"role": "user", "content": "{text}"}}]}}'
    ).encode()
    headers = {"content-type": "application/json"}
    declared = c.post(path, content=body, headers=headers)
    _too_large(declared, limit)
    assert declared.headers["connection"] == "close"

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 256):
            yield body[start : start + 256]

    streamed = c.post(path, content=chunks(), headers=headers)
    assert streamed.request.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in streamed.request.headers
    _too_large(streamed, limit)
    # Nothing was stored, and a body just under the limit goes through.
    assert service.runtime.store.list_contexts("acme") == []
    fits = c.post("/v1/contexts", json={"name": "big", "text": "a" * (limit - 100)})
    assert fits.status_code == 201, fits.text


def test_the_body_limit_holds_without_a_key(serve: Serve) -> None:
    service = serve(service_max_body_bytes=1024)
    response = service.client().post("/v1/contexts", content=b"x" * 5000)
    _too_large(response, 1024)
