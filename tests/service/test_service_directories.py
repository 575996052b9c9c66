"""Directory contexts and the HTTP service: no caller can make the server read a path.

The API takes text only, so a caller cannot register a folder of the server; directory
contexts are added on the machine (CLI or library). One added there is visible to its
tenant over HTTP, can be queued for sleep (the worker runs the repository agent), but
cannot be overwritten with text or asked through the text question path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.git_repos import commit, init_repo
from helpers.service_server import LiveService, error_of
from sleeptime.app.repo_context import add_directory


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = init_repo(tmp_path / "shop")
    commit(root, "Start", {"shop/cli.py": "def export(fmt):\n    return fmt\n"})
    return root


@pytest.mark.parametrize(
    "body",
    [
        {"name": "etc", "path": "/etc"},
        {"name": "etc", "text": "x", "path": "/etc"},
        {"name": "etc", "text": "x", "source": {"kind": "directory", "root": "/etc"}},
        {"name": "etc", "directory": "/etc/"},
    ],
)
def test_a_caller_cannot_register_a_server_path(service: LiveService, body: dict[str, str]) -> None:
    client = service.client(service.key("acme"))
    response = client.post("/v1/contexts", json=body)
    assert response.status_code == 400
    assert error_of(response)
    assert client.get("/v1/contexts").json() == []


def test_a_path_sent_as_text_stays_text(service: LiveService) -> None:
    client = service.client(service.key("acme"))
    response = client.post("/v1/contexts", json={"name": "etc", "text": "/etc/"})
    assert response.status_code == 201
    shown = client.get("/v1/contexts/etc").json()
    assert shown["text"] == "/etc/"
    assert service.runtime.store.get_context("acme", "etc").source is None


def test_a_directory_context_over_http(service: LiveService, repo: Path) -> None:
    add_directory(service.runtime.tenant("acme"), "shop", repo)
    client = service.client(service.key("acme"))
    assert [c["name"] for c in client.get("/v1/contexts").json()] == ["shop"]
    for method, path in (("PUT", "/v1/contexts/shop"), ("POST", "/v1/contexts/shop/append")):
        response = client.request(method, path, json={"text": "replacement"})
        assert response.status_code == 400
        assert "directory context" in error_of(response)
        assert "sleeptime " not in error_of(response)  # no command line over HTTP
    asked = client.post("/v1/contexts/shop/ask", json={"question": "What?", "mode": "baseline"})
    assert asked.status_code == 400 and "repository agent" in error_of(asked)
    chat = client.post(
        "/v1/chat/completions",
        json={"model": "sleeptime/shop", "messages": [{"role": "user", "content": "What?"}]},
    )
    assert chat.status_code == 400 and "repository agent" in error_of(chat)
    # Queued sleep works: the in-process worker runs the repository agent on the folder.
    queued = client.post("/v1/contexts/shop/sleep")
    assert queued.status_code == 202, queued.text
    run = service.wait_for_run(client, queued.json()["id"])
    assert run["status"] == "complete", run
    notes = client.get("/v1/contexts/shop/notes").json()
    assert len(notes) == 1 and notes[0]["n_chars"] > 0
    # Another tenant sees nothing of it.
    other = service.client(service.key("other"))
    assert other.get("/v1/contexts/shop").status_code == 404
