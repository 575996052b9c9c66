"""A second tenant reaches nothing of the first through any route, ids included.

Alice owns a context with two revisions and notes on each, answered queries in both
modes, and a queued job. Bob, with his own key, then calls every route of the app with
alice's names and ids. Each must answer exactly as it does for a name or id that does not
exist (status and body, the name aside), lists show nothing of alice's, and nothing of
alice's changes. The test enumerates the app's routes, so a new route without a check
here fails it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from helpers.service_server import LiveService, error_of
from sleeptime.service import create_app

SECRET_TEXT = "Alice's payroll: the bonus pool is 7311 euros.\nSalary band Q9."
SECRET_TEXT2 = "Alice's payroll: the bonus pool is 8422 euros.\nSalary band Q9."
SECRETS = ("payroll", "7311", "8422", "Q9", "bonus", "alice")
BOB_TEXT = "Bob's garden has 4 rows of 6 tulips."

# Routes that read no tenant data, so there is nothing to leak.
NO_TENANT_DATA = {
    ("GET", "/healthz"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
}
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?")


def served_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path) of every route the app serves, included routers flattened."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before included routers were kept as one node
        routes: Any = app.routes
    else:
        routes = iter_route_contexts(app.routes)
    for route in routes:
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                yield method, route.path


class Alice:
    """Alice's world, built through the API."""

    WRITTEN = ("payroll-append", "payroll-put", "payroll-post")
    """Names alice also owns, that bob then writes to in his own tenant."""

    def __init__(self, service: LiveService) -> None:
        self.c = service.client(service.key("alice"))
        for name in ("payroll", *self.WRITTEN):
            assert self.c.post("/v1/contexts", json={"name": name, "text": SECRET_TEXT}).is_success
        self.runs = [self._sleep(service)]
        self.c.put("/v1/contexts/payroll", json={"text": SECRET_TEXT2})
        self.runs.append(self._sleep(service))
        for mode in ("sleep", "baseline"):
            asked = self.c.post(
                "/v1/contexts/payroll/ask", json={"question": "How big is the pool?", "mode": mode}
            )
            assert asked.status_code == 200, asked.text
        self.artifacts = [a["id"] for a in self.c.get("/v1/contexts/payroll/notes").json()]
        # A queued job nobody runs yet (due in an hour), for bob to try to cancel.
        context = service.runtime.store.get_context("alice", "payroll")
        revision = service.runtime.store.current_revision(context.id)
        queued, _ = service.runtime.store.enqueue_run(
            revision.id, recipe="rethink", recipe_version="2", prompt_versions={},
            backend="function", model="default", settings={}, job_key="alice-job",
            delay_s=3600,
        )  # fmt: skip
        self.runs.append(queued.id)
        self.snapshot = self.state()

    def _sleep(self, service: LiveService) -> str:
        run = self.c.post("/v1/contexts/payroll/sleep").json()
        assert service.wait_for_run(self.c, run["id"])["status"] == "complete"
        return str(run["id"])

    def state(self) -> Any:
        """Everything alice can see, timestamps included: nothing bob does may change it."""
        return {
            "contexts": self.c.get("/v1/contexts").json(),
            "show": self.c.get("/v1/contexts/payroll").json(),
            "notes": self.c.get("/v1/contexts/payroll/notes").json(),
            "jobs": self.c.get("/v1/jobs").json(),
            "stats": self.c.get("/v1/contexts/payroll/stats").json(),
            "models": self.c.get("/v1/models").json()["data"],
        }


def _clean(response: httpx.Response, typed: str = "") -> None:
    """Nothing of alice's in bob's response, apart from what bob typed."""
    text = response.text.replace(typed, "<typed>") if typed else response.text
    for secret in SECRETS:
        assert secret not in text, (secret, text)


def _shape(response: httpx.Response, given: str) -> tuple[int, str]:
    text = response.text.replace(given, "<x>")
    return response.status_code, _TIMESTAMP.sub("<t>", text)


def _same(bob: httpx.Client, method: str, path: str, real: str, missing: str, **kw: Any) -> int:
    """Bob's request with alice's ``real`` name or id answers as with a ``missing`` one."""

    def fill(value: Any, by: str) -> Any:
        return json.loads(json.dumps(value).replace("{}", by)) if value is not None else None

    foreign = bob.request(method, path.replace("{}", real), json=fill(kw.get("json"), real),
                          params=fill(kw.get("params"), real))  # fmt: skip
    absent = bob.request(method, path.replace("{}", missing), json=fill(kw.get("json"), missing),
                         params=fill(kw.get("params"), missing))  # fmt: skip
    assert _shape(foreign, real) == _shape(absent, missing), (method, path)
    assert foreign.status_code >= 400 or method in ("POST", "PUT"), (path, foreign.text)
    _clean(foreign, typed=real)
    return foreign.status_code


def test_every_route_with_a_foreign_name_or_id_finds_nothing(service: LiveService) -> None:
    alice = Alice(service)
    bob = service.client(service.key("bob"))
    covered: set[tuple[str, str]] = set()

    def check(method: str, route: str, path: str, real: str, missing: str, **kw: Any) -> int:
        covered.add((method, route))
        return _same(bob, method, path, real, missing, **kw)

    # Lists first: bob has nothing, then only his own.
    for route, empty in (("/v1/contexts", []), ("/v1/jobs", []), ("/v1/models", None)):
        covered.add(("GET", route))
        listed = bob.get(route)
        assert listed.status_code == 200
        assert (listed.json() if empty is not None else listed.json()["data"]) == []
        _clean(listed)
    for job_status in ("queued", "complete"):
        assert bob.get("/v1/jobs", params={"status": job_status}).json() == []

    # Bob's own context, slept on, so his id lookups run through real data of his.
    assert bob.post("/v1/contexts", json={"name": "garden", "text": BOB_TEXT}).is_success
    run = bob.post("/v1/contexts/garden/sleep").json()
    assert service.wait_for_run(bob, run["id"])["status"] == "complete"
    [bob_artifact] = [a["id"] for a in bob.get("/v1/contexts/garden/notes").json()]

    by_name_404: list[tuple[str, str, str, dict[str, Any]]] = [
        ("GET", "/v1/contexts/{name}", "/v1/contexts/{}", {}),
        ("GET", "/v1/contexts/{name}", "/v1/contexts/{}", {"params": {"notes": "false"}}),
        ("DELETE", "/v1/contexts/{name}", "/v1/contexts/{}", {}),
        ("GET", "/v1/contexts/{name}/revisions", "/v1/contexts/{}/revisions", {}),
        ("GET", "/v1/contexts/{name}/notes", "/v1/contexts/{}/notes", {}),
        ("GET", "/v1/contexts/{name}/stats", "/v1/contexts/{}/stats", {}),
        ("POST", "/v1/contexts/{name}/sleep", "/v1/contexts/{}/sleep", {}),
    ]
    for mode, stale in (("sleep", False), ("sleep", True), ("baseline", False)):
        body = {"question": "How big is the pool?", "mode": mode, "allow_stale": stale}
        by_name_404.append(
            ("POST", "/v1/contexts/{name}/ask", "/v1/contexts/{}/ask", {"json": body})
        )
    for artifact in alice.artifacts:
        by_name_404.append(
            ("GET", "/v1/contexts/{name}/notes/{artifact_id}",
             f"/v1/contexts/{{}}/notes/{artifact}", {}),
        )  # fmt: skip
    by_name_404.append(
        ("GET", "/v1/contexts/{name}/notes-diff", "/v1/contexts/{}/notes-diff",
         {"params": {"from": alice.artifacts[1], "to": alice.artifacts[0]}}),
    )  # fmt: skip
    chat: dict[str, Any] = {"messages": [{"role": "user", "content": "How big is the pool?"}]}
    for extra in ({"model": "sleeptime/{}"}, {"model": "x", "context": "{}"},
                  {"model": "sleeptime/{}", "stream": True, "allow_stale": True}):  # fmt: skip
        by_name_404.append(
            ("POST", "/v1/chat/completions", "/v1/chat/completions", {"json": {**chat, **extra}})
        )
    for method, route, path, kw in by_name_404:
        status = check(method, route, path, "payroll", "nothere", **kw)
        assert status == 404, (method, path)

    # Alice's artifact ids on bob's own context: the same as ids that do not exist.
    missing_ids = [bob_artifact + 1000, bob_artifact + 1001]
    for artifact, missing_id in zip(alice.artifacts, missing_ids, strict=True):
        status = check("GET", "/v1/contexts/{name}/notes/{artifact_id}",
                       "/v1/contexts/garden/notes/{}", str(artifact), str(missing_id))  # fmt: skip
        assert status == 404
        for pair in ({"from": "{}", "to": str(bob_artifact)},
                     {"from": str(bob_artifact), "to": "{}"}):  # fmt: skip
            status = check("GET", "/v1/contexts/{name}/notes-diff",
                           "/v1/contexts/garden/notes-diff", str(artifact), str(missing_id),
                           params=pair)  # fmt: skip
            assert status == 404

    # Alice's run ids, whole, as a prefix and in upper case.
    for run_id in alice.runs:
        for given in (run_id, run_id[:8], run_id.upper()):
            absent = ("f" if given[0].lower() != "f" else "e") * len(given)
            for method, route, path in (
                ("GET", "/v1/jobs/{run_id}", "/v1/jobs/{}"),
                ("POST", "/v1/jobs/{run_id}/cancel", "/v1/jobs/{}/cancel"),
            ):
                assert check(method, route, path, given, absent) == 404
                assert "no sleep run" in error_of(bob.request(method, path.format(given)))

    # Writes by name make bob's own context of that name, exactly as for a new name; alice
    # has a context of each name (``Alice.WRITTEN``), so bob's write meets a foreign one.
    for (method, route, path, text), name in zip(
        (
            ("POST", "/v1/contexts/{name}/append", "/v1/contexts/{}/append", {"text": BOB_TEXT}),
            ("PUT", "/v1/contexts/{name}", "/v1/contexts/{}", {"text": BOB_TEXT}),
            ("POST", "/v1/contexts", "/v1/contexts", {"name": "{}", "text": BOB_TEXT}),
        ),
        Alice.WRITTEN,
        strict=True,
    ):
        status = check(method, route, path, name, name.replace("payroll", "nothere"), json=text)
        assert status in (200, 201)
        mine = bob.get(f"/v1/contexts/{name}").json()
        assert mine["text"] == BOB_TEXT and [r["seq"] for r in mine["revisions"]] == [1]

    unchecked = set(served_routes(service.app)) - covered - NO_TENANT_DATA
    assert not unchecked, f"routes not checked for tenant isolation: {sorted(unchecked)}"
    gone = covered - set(served_routes(service.app))
    assert not gone, f"checked routes the app no longer serves: {sorted(gone)}"

    # Bob's lists hold only his own, and alice's world is as she left it.
    assert all(c["name"] != "payroll" for c in bob.get("/v1/contexts").json())
    assert {j["id"] for j in bob.get("/v1/jobs").json()} & set(alice.runs) == set()
    assert alice.state() == alice.snapshot
    assert alice.c.get(f"/v1/jobs/{alice.runs[-1]}").json()["status"] == "queued"


def test_the_routes_this_test_knows_are_the_documented_ones(service: LiveService) -> None:
    """The enumeration is not vacuous: it finds every route of the API reference."""
    spec = service.client().get("/openapi.json").json()
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    served = set(served_routes(service.app))
    assert documented <= served and len(documented) >= 17
    assert served - documented <= NO_TENANT_DATA


def test_a_route_added_later_is_seen_by_the_enumeration(service: LiveService) -> None:
    """A new router's route shows up in ``served_routes``, so the test above would fail."""
    router = APIRouter(prefix="/v1")

    @router.get("/contexts/{name}/secrets")
    async def secrets(name: str) -> dict[str, str]:
        return {"name": name}

    app = create_app(service.runtime, worker=False)
    app.include_router(router)
    assert ("GET", "/v1/contexts/{name}/secrets") in set(served_routes(app))
    assert ("GET", "/v1/contexts/{name}/secrets") not in set(served_routes(service.app))


@pytest.mark.parametrize("other", ["ALICE", "alice2", "alic"])
def test_tenant_names_are_exact(service: LiveService, other: str) -> None:
    """A key for a tenant whose name merely resembles alice's sees none of her contexts."""
    alice = service.client(service.key("alice"))
    assert alice.post("/v1/contexts", json={"name": "payroll", "text": SECRET_TEXT}).is_success
    lookalike = service.client(service.key(other))
    assert lookalike.get("/v1/contexts/payroll").status_code == 404
    assert lookalike.get("/v1/contexts").json() == []
