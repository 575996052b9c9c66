"""After the last retry, the message names what happened, in terms the user can act on.

A server that answered 500 or 429 was reached: saying it "could not be reached" sends the
user to check a URL that is fine. Only a refused connection is "could not reach".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers.scripted_http import Reply, ScriptedHTTPServer, error_body
from sleeptime.backends import ChatRequest, Message
from sleeptime.backends.openai_compat import from_settings
from sleeptime.cli.main import cli
from sleeptime.errors import BackendUnavailableError
from sleeptime.settings import Settings

CHAT = "POST /v1/chat/completions"
HELLO = ChatRequest(messages=(Message("user", "hi"),), max_tokens=16)


@pytest.fixture
def http() -> Iterator[ScriptedHTTPServer]:
    with ScriptedHTTPServer() as server:
        yield server


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            Reply(500, error_body("boom", type_="internal_server_error")),
            "was reached but kept failing with HTTP 500 after 2 attempts "
            "(last error: HTTP 500: boom); check the server's log or status page, then retry",
        ),
        (
            Reply(429, error_body("slow down"), headers={"Retry-After": "0"}),
            "kept refusing requests as rate-limited (HTTP 429) after 2 attempts (last error: "
            "HTTP 429: slow down); wait and retry, send fewer requests at once, or raise "
            "SLEEPTIME_MAX_RETRIES",
        ),
    ],
)
async def test_a_server_that_answers_with_errors_was_reached(
    http: ScriptedHTTPServer, reply: Reply, expected: str
) -> None:
    http.script(CHAT, default=reply)
    backend = from_settings(
        Settings(openai_base_url=http.base_url, max_retries=1), "m", retry_base_delay_s=0.001
    )
    try:
        with pytest.raises(BackendUnavailableError) as caught:
            await backend.chat(HELLO)
    finally:
        await backend.aclose()
    assert str(caught.value) == f"the OpenAI-compatible server at {http.base_url} {expected}"
    assert "could not reach" not in str(caught.value)


def test_running_out_of_scripted_replies_names_the_file(tmp_path: Path) -> None:
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps(["<notes>Rooms: 3.</notes>"]), encoding="utf-8")
    runner = CliRunner()
    env = {"SLEEPTIME_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    assert (
        runner.invoke(cli, ["context", "add", "o", "-"], input="3 rooms.", env=env).exit_code == 0
    )
    args = ["sleep", "o", "--backend", "scripted", "--model", str(replies), "--quiet"]
    slept = runner.invoke(cli, [*args, "--max-rounds", "3"], env=env)
    assert slept.exit_code == 5
    assert (
        f"the scripted backend ran out of replies: {replies} holds 1 reply and call 2 needed "
        "one more; add replies to the JSON list in that file"
    ) in slept.output
    assert "push()" not in slept.output
