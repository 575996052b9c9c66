"""Time to first token through the service's OpenAI endpoint on the embedded model, sleep
against baseline, for a context of about 4k tokens.

``sleeptime serve`` is started as a new user would start it (no configuration: a SQLite
file, the embedded SmolLM2-135M, an in-process worker; only the quiet period is set to 0
so sleep starts at once). A synthetic depot ledger (``latency_ledger.py``, cut at the
first entry reaching the target in the model's own tokens) is posted over HTTP and the
in-process worker sleeps on it in the background. Then the official ``openai`` client,
streaming, asks questions at budget 0 (the default; its layout puts ``c`` and ``c'`` in
the prompt, and the worker saved the KV state of that prefix after sleeping):

- ``sleep``: ``model="sleeptime/ledger"``;
- ``baseline cold``: ``extra_body={"mode": "baseline"}`` after another context's question
  replaced the model's live KV cache, so ``c`` is read from scratch;
- ``baseline warm``: the same baseline request again at once, when llama.cpp reuses its
  live KV cache (the whole prompt), the best case a baseline gets without saved states:
  it holds only while no other request reaches the model in between.

Every measured request follows a question about a small other context (baseline mode), so
none profits from the one before it except ``baseline warm``. The client's time to the
first content chunk is what a user sees; the service streams the answer as the model
generates it, so it should follow the model's own first-token time (from the query's
record in the database, reported beside it) by little more than the HTTP hop. Repeats
rotate the order; the report gives medians, and whether the last number of each answer
is the ledger's true figure.

Usage: ``.venv/bin/python bench/service_ttft.py [--tokens 4096] [--repeats 3]
[--questions 2]`` -> ``bench/results/service_ttft.json``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import openai
from latency_ledger import Entry, ledger_entries, questions_for, render

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from helpers.cli_process import child_env, sleeptime_argv  # noqa: E402

LEDGER_SEED = 7
FLUSH_TEXT = "Office note: the front desk opens at 9 and closes at 17."
FLUSH_QUESTION = "When does the front desk open?"
MODES = ("sleep", "baseline cold", "baseline warm")


def ledger_of(tokens: int) -> tuple[list[Entry], int]:
    """The shortest ledger with at least ``tokens`` tokens in the default model's tokenizer."""
    import llama_cpp

    from sleeptime.backends.model_files import default_model_path

    vocab = llama_cpp.Llama(model_path=str(default_model_path()), vocab_only=True, verbose=False)
    pool = ledger_entries(LEDGER_SEED)

    def count(n: int) -> int:
        return len(vocab.tokenize(render(pool[:n]).encode(), add_bos=False))

    low, high = 24, len(pool)
    while low < high:
        mid = (low + high) // 2
        if count(mid) >= tokens:
            high = mid
        else:
            low = mid + 1
    return pool[:low], count(low)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Service:
    """``sleeptime serve`` in a child process, its API key and its database."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / "serve.log"
        env = child_env(folder / "data", SLEEPTIME_SLEEP_QUIET_S="0", SLEEPTIME_WORKER_POLL_S="0.5")
        with self.log.open("w") as sink:
            self.child = subprocess.Popen(
                sleeptime_argv("serve", "--port", str(self.port)), env=env, stderr=sink,
                stdout=subprocess.DEVNULL,
            )  # fmt: skip
        self.key = self._wait(r"\b(st-[\w-]+)")
        self.database = self._wait(r"database sqlite:///(\S+),").rstrip(",")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        self.http = httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {self.key}"}, timeout=600
        )
        self.client = openai.OpenAI(base_url=f"{self.base}/v1", api_key=self.key, timeout=600)

    def _wait(self, pattern: str) -> str:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            found = re.search(pattern, self.log.read_text())
            if found:
                return found.group(1)
            if self.child.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"sleeptime serve did not start: {self.log.read_text()}")

    def post(self, name: str, text: str) -> None:
        response = self.http.post("/v1/contexts", json={"name": name, "text": text})
        response.raise_for_status()

    def wait_idle(self, names: list[str], timeout_s: float) -> list[dict[str, Any]]:
        """Wait until every context has notes and no job is queued or running."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            jobs = self.http.get("/v1/jobs").json()
            shown = [self.http.get(f"/v1/contexts/{n}").json() for n in names]
            failed = [j for j in jobs if j["status"] in ("failed", "cut_off", "abandoned")]
            if failed:
                raise RuntimeError(f"a sleep run ended badly: {failed}")
            busy = [j for j in jobs if j["status"] in ("queued", "running")]
            if not busy and all(s["notes"] for s in shown):
                return list(jobs)
            time.sleep(2)
        raise RuntimeError("sleep did not finish in time")

    def ask(self, name: str, question: str, mode: str) -> dict[str, Any]:
        """One streamed question; what the client saw, timed."""
        extra = {"mode": "baseline"} if mode.startswith("baseline") else {}
        started = time.perf_counter()
        first_chunk = first_content = None
        text, usage = "", None
        info: dict[str, Any] = {}
        stream = self.client.chat.completions.create(
            model=f"sleeptime/{name}", messages=[{"role": "user", "content": question}],
            stream=True, stream_options={"include_usage": True}, extra_body=extra,
        )  # fmt: skip
        for chunk in stream:
            now = time.perf_counter() - started
            first_chunk = now if first_chunk is None else first_chunk
            if chunk.choices and chunk.choices[0].delta.content:
                first_content = now if first_content is None else first_content
                text += chunk.choices[0].delta.content
            usage = chunk.usage or usage
            info = (chunk.model_extra or {}).get("sleeptime") or info
        return {
            "mode": mode,
            "question": question,
            "first_chunk_s": first_chunk,
            "first_content_s": first_content,
            "total_s": time.perf_counter() - started,
            "prompt_tokens": usage.prompt_tokens if usage else None,
            "cached_tokens": (
                usage.prompt_tokens_details.cached_tokens
                if usage and usage.prompt_tokens_details
                else None
            ),
            "completion_tokens": usage.completion_tokens if usage else None,
            "served": info.get("served"),
            "query_id": info.get("query_id"),
            "answer": text[:300],
        }

    def model_times(self, rows: list[dict[str, Any]]) -> None:
        """Add the model's own first-token and answer times from the queries table."""
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True) as db:
            for row in rows:
                found = db.execute(
                    "SELECT first_token_s, latency_s FROM queries WHERE id = ?", (row["query_id"],)
                ).fetchone()
                row["model_first_token_s"], row["model_answer_s"] = found or (None, None)

    def close(self) -> None:
        self.http.close()
        self.child.terminate()
        try:
            self.child.wait(60)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()


def _last_number(text: str) -> int | None:
    found = re.findall(r"\d[\d,]*", text)
    return int(found[-1].replace(",", "")) if found else None


def median(rows: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in rows if r.get(key) is not None]
    return round(statistics.median(values), 3) if values else None


def run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    entries, tokens = ledger_of(args.tokens)
    questions = questions_for(entries)[: args.questions]
    started = time.monotonic()
    service = Service(folder)
    try:
        service.post("ledger", render(entries))
        service.post("flush", FLUSH_TEXT)
        jobs = service.wait_idle(["ledger", "flush"], args.sleep_timeout)
        slept_s = time.monotonic() - started
        ledger = service.http.get("/v1/contexts/ledger").json()
        service.ask("ledger", questions[0].text, "sleep")  # warm-up, not counted
        rows = []
        for repeat in range(args.repeats):
            for q in questions:
                order = ["sleep", "baseline"] if repeat % 2 == 0 else ["baseline", "sleep"]
                for mode in order:
                    service.ask("flush", FLUSH_QUESTION, "baseline")
                    kinds = ["sleep"] if mode == "sleep" else ["baseline cold", "baseline warm"]
                    for kind in kinds:
                        row = service.ask("ledger", q.text, kind)
                        row["right"] = _last_number(row["answer"]) == q.answer
                        rows.append({"repeat": repeat, **row})
                    last = rows[-1]
                    print(
                        f"repeat {repeat} {last['mode']:14} first content "
                        f"{last['first_content_s']:.2f} s, prompt {last['prompt_tokens']} "
                        f"cached {last['cached_tokens']}, served {last['served']}",
                        flush=True,
                    )
        service.model_times(rows)
    finally:
        service.close()
    summary = {
        mode: {
            "client_first_content_s": median(mine, "first_content_s"),
            "client_first_chunk_s": median(mine, "first_chunk_s"),
            "model_first_token_s": median(mine, "model_first_token_s"),
            "model_answer_s": median(mine, "model_answer_s"),
            "prompt_tokens": median(mine, "prompt_tokens"),
            "cached_tokens": median(mine, "cached_tokens"),
            "served": sorted({str(r["served"]) for r in mine}),
            "right": sum(r["right"] for r in mine),
            "n": len(mine),
        }
        for mode in MODES
        if (mine := [r for r in rows if r["mode"] == mode])
    }
    return {
        "context_tokens": tokens,
        "ledger_entries": len(entries),
        "questions": [q.text for q in questions],
        "background_sleep": {
            "seconds_until_notes_and_idle": round(slept_s, 1),
            "ledger_runs": ledger["runs"],
            "ledger_notes_chars": ledger["notes"]["n_chars"],
            "all_jobs": jobs,
        },
        "summary": summary,
        "rows": rows,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--questions", type=int, default=2)
    parser.add_argument("--sleep-timeout", type=float, default=1800)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/service_ttft.json")
    args = parser.parse_args()
    load = [round(x, 2) for x in os.getloadavg()]
    began = time.time()
    with tempfile.TemporaryDirectory(prefix="sleeptime-service-ttft-") as tmp:
        report = run(args, Path(tmp))
    report = {
        "machine": {"cpus": os.cpu_count(), "load_average_at_start": load},
        "setup": {
            "server": "sleeptime serve with defaults (SQLite, embedded SmolLM2-135M, "
            "in-process worker), SLEEPTIME_SLEEP_QUIET_S=0",
            "client": "official openai client, stream=True, include_usage",
            "budget": 0,
            "repeats": args.repeats,
            "seconds": round(time.time() - began, 1),
        },
        **report,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    print(f"context {report['context_tokens']} tokens")
    for mode, s in report["summary"].items():
        print(
            f"{mode:14} client first content {s['client_first_content_s']} s, model first "
            f"token {s['model_first_token_s']} s, prompt {s['prompt_tokens']} "
            f"(cached {s['cached_tokens']}), served {s['served']}"
        )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
