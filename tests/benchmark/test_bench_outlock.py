"""Two benchmark processes given one ``--out`` folder: the second is refused, nothing mixes.

Both run the installed ``sleeptime bench sweep --shard`` as real processes against a real
HTTP server on 127.0.0.1 that answers slowly, so the first still holds the folder when
the second starts.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.cli_process import child_env, sleeptime_argv
from helpers.scripted_http import ScriptedHTTPServer, streamed_answer
from sleeptime.benchmark.experiments.outlock import OutputFolderLock
from sleeptime.errors import InputError

CHAT = "POST /v1/chat/completions"
PROBLEMS = 4


@pytest.fixture
def http() -> Iterator[ScriptedHTTPServer]:
    with ScriptedHTTPServer() as server:
        server.script(CHAT, default=streamed_answer("The answer is 7.", delay_s=1.5))
        yield server


def _dataset(path: Path) -> Path:
    rows = [
        {"id": i, "instance": 0, "question": f"What is {i} + 3?", "answer": f"#### {i + 3}"}
        for i in range(PROBLEMS)
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_a_second_process_on_the_same_out_folder_is_refused(
    tmp_path: Path, http: ScriptedHTTPServer
) -> None:
    out = tmp_path / "run"
    data = _dataset(tmp_path / "GSM_p2.jsonl")
    env = child_env(
        tmp_path / "data", SLEEPTIME_OPENAI_BASE_URL=http.base_url, SLEEPTIME_OPENAI_API_KEY="k"
    )

    def sweep(shard: str) -> list[str]:
        return sleeptime_argv(
            "bench", "sweep", "--data", str(data), "--backend", "openai", "--model", "m",
            "--conditions", "baseline", "--budgets", "0,1", "--concurrency", "1", "--quiet",
            "--shard", shard, "--out", str(out),
        )  # fmt: skip

    first = subprocess.Popen(sweep("1/2"), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while http.count(CHAT) < 1 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.05)
    assert first.poll() is None, "the first run ended before the second could start"

    second = subprocess.run(sweep("2/2"), env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 2, second.stderr
    assert f"another benchmark process (pid {first.pid}) is writing to {out}" in second.stderr
    assert "--calls" in second.stderr and "Traceback" not in second.stderr

    _, stderr = first.communicate(timeout=120)
    assert first.returncode == 0, stderr.decode()
    rows = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    assert len(rows) == PROBLEMS // 2 * 2  # shard 1/2's problems, two budgets each


def test_the_lock_is_free_again_after_a_run(tmp_path: Path) -> None:
    with OutputFolderLock(tmp_path), pytest.raises(InputError, match="another benchmark"):
        OutputFolderLock(tmp_path).acquire()
    with OutputFolderLock(tmp_path):
        pass
