"""Property-based fuzzing of every route from the OpenAPI schema, against the live service.

Schemathesis reads ``/openapi.json`` from a real service on loopback and sends, per
operation, the schema's boundary and type-violating cases (its coverage phase: missing
fields, wrong types, out-of-range numbers, strings that break formats) and then random
valid and invalid requests (fuzzing), with an API key. Two checks run on every response:
no 5xx (``not_a_server_error``), and every 4xx is an error body with a message
(``fuzz_checks.py``). A second pass binds path and query parameters to real names and ids
(a slept context, its artifacts, a queued run) so the generated bodies reach the code
behind the lookups. Runs are deterministic (``generation.deterministic``) and bounded.

It runs the schemathesis command line in a subprocess: its pytest integration does not
work with pytest 9 (it sets ``Item._nodeid``, which pytest 9 no longer has).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers.service_server import LiveService

CHECKS = Path(__file__).with_name("fuzz_checks.py")
MAX_EXAMPLES = 25
TIMEOUT_S = 120


def _toml(value: Any) -> str:
    return json.dumps(value)  # JSON strings, numbers and arrays are TOML too


def _run(
    service: LiveService, key: str, tmp_path: Path, label: str, extra: str = "", *args: str
) -> dict[str, Any]:
    """Run schemathesis against ``service``; its JSON report (the test fails on failures)."""
    config = tmp_path / f"{label}.toml"
    config.write_text(
        "[generation]\n"
        'mode = "all"\n'
        f"max-examples = {MAX_EXAMPLES}\n"
        "deterministic = true\n"
        'database = "none"\n'
        "[phases.stateful]\n"
        "enabled = false\n" + extra,
        encoding="utf-8",
    )
    report = tmp_path / f"{label}.json"
    command = [
        sys.executable, "-m", "schemathesis.cli", "--no-color", "--config-file", str(config),
        "run", f"{service.base_url}/openapi.json",
        "--header", f"Authorization: Bearer {key}",
        "--checks", "not_a_server_error,error_says_what_is_wrong",
        "--phases", "examples,coverage,fuzzing",
        "--workers", "1", "--continue-on-failure", "--request-timeout", "30",
        "--report", "json", "--report-json-path", str(report), *args,
    ]  # fmt: skip
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(CHECKS)}
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    output = done.stdout[-20000:] + done.stderr[-5000:]
    assert report.is_file(), output
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    assert done.returncode == 0 and not result["failures"] and not result["errors"], output
    cases = result["test_cases"]
    assert cases["with_failures"] == 0 and cases["errored"] == 0, output
    ops = result["operations"]
    assert ops["tested"] == ops["selected"] and ops["errored"] == 0, output
    return result


def test_no_generated_request_gets_a_server_error(service: LiveService, tmp_path: Path) -> None:
    result = _run(service, service.key("fuzz"), tmp_path, "generic")
    documented = service.client().get("/openapi.json").json()["paths"]
    n_ops = sum(len(ops) for ops in documented.values())
    assert result["operations"]["tested"] == n_ops >= 17
    assert result["test_cases"]["generated"] >= 20 * n_ops


def test_generated_requests_on_real_names_and_ids(service: LiveService, tmp_path: Path) -> None:
    key = service.key("fuzz")
    c = service.client(key)
    assert c.post("/v1/contexts", json={"name": "doc", "text": "A ticket costs 12."}).is_success
    for text in (None, "A ticket costs 15."):
        if text:
            c.put("/v1/contexts/doc", json={"text": text})
        run = c.post("/v1/contexts/doc/sleep").json()
        assert service.wait_for_run(c, run["id"])["status"] == "complete"
    artifacts = [a["id"] for a in c.get("/v1/contexts/doc/notes").json()]
    queued = c.post("/v1/contexts/doc/sleep", params={"rounds": 2}).json()["id"]
    names, ids = ["doc"], [*artifacts, artifacts[0] + 1000]
    runs = [queued, queued[:8], "0" * 32]
    bindings = (
        "[dictionaries]\n"
        f"names = {{ values = {_toml(names)} }}\n"
        f"artifacts = {{ values = {_toml(ids)} }}\n"
        f"runs = {{ values = {_toml(runs)} }}\n"
        f"models = {{ values = {_toml(['sleeptime/doc'])} }}\n"
        f"roles = {{ values = {_toml(['user'])} }}\n"
        "[parameters]\n"
        '"path.name" = { dictionary = "names", probability = 0.8 }\n'
        '"path.artifact_id" = { dictionary = "artifacts", probability = 0.8 }\n'
        '"path.run_id" = { dictionary = "runs", probability = 0.8 }\n'
        '"query.from" = { dictionary = "artifacts", probability = 0.8 }\n'
        '"query.to" = { dictionary = "artifacts", probability = 0.8 }\n'
        '"body.model" = { dictionary = "models", probability = 0.8 }\n'
        '"body.context" = { dictionary = "names", probability = 0.5 }\n'
        '"body.messages[*].role" = { dictionary = "roles", probability = 0.9 }\n'
    )
    # Writes by name would replace or delete the target: the generic pass covers them.
    writes = ("DELETE /v1/contexts/{name}", "PUT /v1/contexts/{name}",
              "POST /v1/contexts/{name}/append")  # fmt: skip
    result = _run(
        service, key, tmp_path, "bound", bindings,
        *[arg for name in writes for arg in ("--exclude-name", name)],
    )  # fmt: skip
    documented = service.client().get("/openapi.json").json()["paths"]
    n_ops = sum(len(ops) for ops in documented.values())
    assert result["operations"]["tested"] == n_ops - len(writes)
    # Bound to a real context, generated chat requests get answers, not only refusals.
    assert result["valid_rates"]["POST /v1/chat/completions"]["fuzzing"]["accepted"] > 0
    asked = c.get("/v1/contexts/doc/stats").json()
    answered = (asked["sleep"] or {}).get("count", 0) + (asked["baseline"] or {}).get("count", 0)
    assert answered > 0, "no generated question reached the model"
    assert service.script.answers  # and the model really answered them


@pytest.mark.parametrize("status", [400, 401, 404, 405, 409, 413, 429])
def test_the_message_check_itself_refuses_a_bare_error(status: int) -> None:
    """``error_says_what_is_wrong`` fails a 4xx without a message (it is not a no-op)."""
    sys.path.insert(0, str(CHECKS.parent))
    try:
        import fuzz_checks
    finally:
        sys.path.remove(str(CHECKS.parent))

    class Response:
        status_code = status
        content = b'{"detail": "Not Found"}'

    with pytest.raises(AssertionError, match="without an error message"):
        fuzz_checks.error_says_what_is_wrong(None, Response(), None)
    Response.content = b'{"error": {"message": "no context named \'x\'; add it first"}}'
    fuzz_checks.error_says_what_is_wrong(None, Response(), None)
