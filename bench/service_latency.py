"""Added latency of the HTTP service over the library call, with no model time.

One slept context on a SQLite file, a function backend that answers at once (the same
reply for the library and the service), and the same question at budget 0 with
anticipated answers off, so the whole answer path runs: check the key (service only),
load the view, build the prompt, "call" the model, record the query. Side by side in one
run, variants rotated, medians over repeats:

- ``library``: ``await app.ask(...)`` in this process;
- ``rest``: ``POST /v1/contexts/{name}/ask``;
- ``chat``: ``POST /v1/chat/completions`` (not streamed);
- ``floor``: ``GET`` of a route that does not exist (404: no key check, no database),
  the cost of HTTP itself here: client, loopback, uvicorn and the framework's routing;
- ``rest_httpx`` (``--httpx``): ``rest`` through one pooled ``httpx.AsyncClient``.

Loads: closed loops of 1, 50 and 200 clients (each sends its next request when the
last returned, so at 50 and 200 the latency is mostly queueing behind the throughput),
and an open loop at a fixed rate (150/s) over 200 kept-alive connections, below what
either side can serve, where the added latency is the service's per-request cost.

The service is a real uvicorn server in a child process, built as ``sleeptime serve``
builds it (``create_app`` on a ``Runtime``, no in-process worker, rate limit off); the
load generator is this process (a lean HTTP/1.1 client, see ``Connection``). They are
separate processes but share the machine's cores (2 here, with other work on them), so
the client's CPU time is part of every HTTP number; each result records both processes'
CPU time per request. Added latency = HTTP percentile minus library percentile at the
same load and repeat.

Usage: ``.venv/bin/python bench/service_latency.py [--levels 1,50,200] [--repeats 3]
[--open-rate 150] [--httpx]`` -> ``bench/results/service_latency.json``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from sleeptime.app import Runtime
from sleeptime.backends import ChatRequest, ChatResult, FunctionBackend, Usage
from sleeptime.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CONTEXT = (
    "The harbour ferry leaves at 9 in the morning and returns at 5 in the afternoon. "
    "A ticket costs 12 dollars for adults and 6 dollars for children. "
    "The ferry carries at most 80 passengers. "
) * 8
NOTES = "<notes>Ferry: 9 to 17, so 17 - 9 = 8 hours. Two adults: 2 * 12 = 24 dollars.</notes>"
QUESTION = "How much do two adult tickets cost?"
NAME = "ferry"
HTTPX_NOTE = (
    "rest_httpx runs only in closed loops of at most 50 clients: at 200 its pool spends "
    "about 4 ms of CPU per request and leaves connections idle past uvicorn's 5 s "
    "keep-alive, which then fail with ReadError"
)
VARIANTS = ("library", "rest", "chat", "floor")
"""Measured in every run; ``--httpx`` adds ``rest_httpx`` (one pooled httpx client)."""


def reply(request: ChatRequest) -> ChatResult | str:
    """The model: notes for a sleep round, no anticipated answers, a fixed answer."""
    system = request.messages[0].content if request.messages else ""
    prompt = "\n".join(m.content for m in request.messages if m.role != "system")
    if system.startswith("You write study notes"):
        return NOTES + "<finish/>"
    if prompt.lstrip().startswith("Here are notes prepared"):
        return "[]"
    text = "Two adult tickets cost 2 * 12 = 24 dollars. The answer is 24."
    return ChatResult(
        text=text,
        usage=Usage(prompt_tokens=len(prompt) // 4, completion_tokens=18, calls=1),
        finish_reason="stop",
        model="function",
    )


class Forgetful(FunctionBackend):
    """The function backend without its history: a long run would otherwise keep every
    request in memory, and the service process (which lives for the whole run, unlike the
    library's runtimes) would pay for them in garbage-collection pauses."""

    async def chat(self, request: ChatRequest) -> ChatResult:
        result = await super().chat(request)
        self.requests.clear()
        return result


def settings(db_url: str) -> Settings:
    """The same settings for the library and the service."""
    return Settings(
        database_url=db_url, backend="function", auto_sleep=False, service_rate_per_minute=0
    )


def runtime(db_url: str) -> Runtime:
    rt = Runtime(settings(db_url))
    rt.backends.add("function", None, Forgetful(reply))
    return rt


def serve(db_url: str, port: int) -> None:
    """The child process: the service on 127.0.0.1:port, as ``sleeptime serve`` runs it."""
    import uvicorn

    from sleeptime.service import create_app

    app = create_app(runtime(db_url), worker=False, close_runtime=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def prepare(db_url: str) -> str:
    """Add and sleep on the context; return an API key."""
    rt = runtime(db_url)
    app = rt.tenant()
    await rt.db.call(app.add_context, NAME, CONTEXT)
    await app.sleep(NAME)
    _, key = rt.store.create_api_key(app.tenant, "bench")
    await rt.aclose()
    return key


@dataclass(frozen=True)
class Where:
    """The database, the running service (URL and pid) and an API key for it."""

    db_url: str
    base_url: str
    key: str
    server: int


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


Call = Callable[[int], Awaitable[None]]
"""One request on connection (client) ``i``."""


async def load(call: Call, clients: int, total: int, rate: float | None) -> dict[str, Any]:
    """``total`` calls over ``clients`` connections: closed loop (each client sends its next
    request when the last returned) or, with ``rate``, open loop at that many per second.

    Open-loop latency counts from the request's scheduled time when it had to wait for a
    free connection (no coordinated omission), else from when it was sent.
    """
    latencies: list[float] = []
    cpu = time.process_time()
    started = time.perf_counter()
    if rate is None:
        remaining = total

        async def client(i: int) -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                sent = time.perf_counter()
                await call(i)
                latencies.append(time.perf_counter() - sent)

        await asyncio.gather(*(client(i) for i in range(clients)))
    else:
        free: asyncio.Queue[int] = asyncio.Queue()
        for i in range(clients):
            free.put_nowait(i)

        async def one(i: int, since: float) -> None:
            await call(i)
            latencies.append(time.perf_counter() - since)
            free.put_nowait(i)

        tasks = []
        for n in range(total):
            scheduled = started + n / rate
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            # A late timer (about 1 ms here) is the generator's, not the server's delay.
            since = scheduled if free.empty() else time.perf_counter()
            tasks.append(asyncio.create_task(one(await free.get(), since)))
        await asyncio.gather(*tasks)
    wall = time.perf_counter() - started
    ms = [x * 1000 for x in latencies]
    return {
        "requests": len(ms),
        "p50_ms": percentile(ms, 50),
        "p99_ms": percentile(ms, 99),
        "mean_ms": statistics.fmean(ms),
        "throughput_rps": len(ms) / wall,
        "this_process_cpu_ms_per_request": (time.process_time() - cpu) * 1000 / len(ms),
    }


class Connection:
    """One kept-alive HTTP/1.1 connection: the lean load generator.

    A client costs about 0.07 ms of CPU per request here, where an ``httpx.AsyncClient``
    costs 0.8 ms with one connection and about 4 ms with a pool of 50 (its pool scans
    every connection per request), so with httpx the numbers at 50 and 200 clients
    would measure the client, not the service. ``--httpx`` adds httpx for comparison.
    """

    def __init__(self, base_url: str, key: str) -> None:
        host, _, port = base_url.removeprefix("http://").partition(":")
        self.host, self.port = host, int(port)
        self.head = f"Host: {host}\r\nAuthorization: Bearer {key}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        """Send one request and read its response; reconnect once if the server had closed
        the kept-alive connection (uvicorn closes one idle for 5 s)."""
        fresh = self.writer is None
        try:
            return await self._request(method, path, body)
        except (asyncio.IncompleteReadError, ConnectionError):
            await self.close()
            if fresh:
                raise
            return await self._request(method, path, body)

    async def _request(self, method: str, path: str, body: Any) -> tuple[int, bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        data = json.dumps(body).encode() if body is not None else b""
        extra = f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n" if data else ""
        self.writer.write(f"{method} {path} HTTP/1.1\r\n{self.head}{extra}\r\n".encode() + data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding") == "chunked":
            payload = b""
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                payload += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readuntil(b"\r\n")
        else:
            payload = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection") == "close":
            await self.close()
        return status, payload

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


REST_BODY = {"question": QUESTION, "budget": 0, "anticipated": False}
CHAT_BODY = {"model": f"sleeptime/{NAME}", "messages": [{"role": "user", "content": QUESTION}]}
ROUTES: dict[str, tuple[str, str, Any, int]] = {
    "rest": ("POST", f"/v1/contexts/{NAME}/ask", REST_BODY, 200),
    "chat": ("POST", "/v1/chat/completions", CHAT_BODY, 200),
    "floor": ("GET", "/v1/no-such-route", None, 404),
    "rest_httpx": ("POST", f"/v1/contexts/{NAME}/ask", REST_BODY, 200),
}


async def measure(
    variant: str, clients: int, total: int, rate: float | None, where: Where
) -> dict[str, Any]:
    """One variant at one load, after a warm-up; with the server's CPU per request."""
    before = cpu_seconds(where.server)
    result = await _measure(variant, clients, total, rate, where)
    if variant != "library":
        # Includes the warm-up requests: a slight overestimate.
        spent = cpu_seconds(where.server) - before
        result["server_cpu_ms_per_request"] = spent * 1000 / (result["requests"] + clients)
    return result


async def _measure(
    variant: str, clients: int, total: int, rate: float | None, where: Where
) -> dict[str, Any]:
    async def run(call: Call) -> dict[str, Any]:
        await load(call, clients, clients, None)  # warm-up: connections, caches
        return await load(call, clients, total, rate)

    if variant == "library":
        rt = runtime(where.db_url)
        app = rt.tenant()

        async def ask() -> None:
            await app.ask(NAME, QUESTION, budget=0, anticipated=False)

        try:
            return await run(lambda _: ask())
        finally:
            await rt.aclose()
    method, path, body, expected = ROUTES[variant]
    if variant == "rest_httpx":
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(
            base_url=where.base_url, limits=limits, timeout=120,
            headers={"Authorization": f"Bearer {where.key}"},
        ) as http:  # fmt: skip

            async def pooled(_: int) -> None:
                response = await http.request(method, path, json=body)
                if response.status_code != expected:
                    raise RuntimeError(f"{variant}: {response.status_code} {response.text[:300]}")

            return await run(pooled)
    connections = [Connection(where.base_url, where.key) for _ in range(clients)]

    async def call(i: int) -> None:
        status, payload = await connections[i].request(method, path, body)
        if status != expected:
            raise RuntimeError(f"{variant}: {status} {payload[:300]!r}")

    try:
        return await run(call)
    finally:
        await asyncio.gather(*(c.close() for c in connections))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db_url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("wb") as sink:
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve", db_url, str(port)], stdout=sink,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return child, base
        except httpx.TransportError:
            time.sleep(0.1)
        if child.poll() is not None:
            break
    child.kill()
    raise RuntimeError(f"the service did not start: {log.read_text()}")


def summarize(runs: list[dict[str, Any]], variants: tuple[str, ...]) -> list[dict[str, Any]]:
    """Per load and variant: medians over repeats, and added latency over the library."""
    rows = []
    for load_name in dict.fromkeys(r["load"] for r in runs):
        at = [r for r in runs if r["load"] == load_name]
        row: dict[str, Any] = {"load": load_name, "clients": at[0]["clients"]}
        lib = {r["repeat"]: r for r in at if r["variant"] == "library"}
        for variant in variants:
            mine = [r for r in at if r["variant"] == variant]
            if not mine:
                continue
            keys = ["p50_ms", "p99_ms", "throughput_rps", "this_process_cpu_ms_per_request"]
            keys += ["server_cpu_ms_per_request"] if variant != "library" else []
            row[variant] = {k: round(statistics.median(r[k] for r in mine), 3) for k in keys}
            if variant != "library":
                for q in ("p50_ms", "p99_ms"):
                    row[variant][f"added_{q}"] = round(
                        statistics.median(r[q] - lib[r["repeat"]][q] for r in mine), 3
                    )
        rows.append(row)
    return rows


def machine() -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "commit": commit,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


async def run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    db_url = f"sqlite:///{folder / 'bench.db'}"
    key = await prepare(db_url)
    server, base = start_server(db_url, folder / "server.log")
    where = Where(db_url, base, key, server.pid)
    loads: list[tuple[str, int, int, float | None]] = [
        (f"closed, {c} clients", c, max(args.min_requests, args.per_client * c), None)
        for c in args.levels
    ]
    if args.open_rate:
        c = args.open_clients
        total = int(args.open_rate * args.open_seconds)
        loads.append((f"open, {args.open_rate:g}/s over {c} clients", c, total, args.open_rate))
    runs: list[dict[str, Any]] = []
    variants = VARIANTS + (("rest_httpx",) if args.httpx else ())
    try:
        for repeat in range(args.repeats):
            for n, (name, clients, total, rate) in enumerate(loads):
                shift = (repeat + n) % len(variants)
                for variant in variants[shift:] + variants[:shift]:
                    if variant == "rest_httpx" and (rate is not None or clients > 50):
                        continue  # see HTTPX_NOTE
                    result = await measure(variant, clients, total, rate, where)
                    runs.append(
                        {"load": name, "variant": variant, "clients": clients,
                         "rate": rate, "repeat": repeat, **result}
                    )  # fmt: skip
                    print(
                        f"repeat {repeat} {name:32} {variant:10} p50 {result['p50_ms']:7.2f} ms"
                        f"  p99 {result['p99_ms']:7.2f} ms  {result['throughput_rps']:6.0f} req/s",
                        flush=True,
                    )
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return {"runs": runs, "summary": summarize(runs, variants)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,50,200")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--per-client", type=int, default=10, help="Requests per client.")
    parser.add_argument("--min-requests", type=int, default=300)
    parser.add_argument(
        "--open-rate", type=float, default=150.0,
        help="Also an open loop at this many requests/s (0: none); below both capacities.",
    )  # fmt: skip
    parser.add_argument("--open-clients", type=int, default=200)
    parser.add_argument("--open-seconds", type=float, default=8.0)
    parser.add_argument(
        "--httpx", action="store_true", help="Also measure REST through one pooled httpx client."
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/service_latency.json")
    parser.add_argument("--serve", nargs=2, metavar=("DB_URL", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return 0
    args.levels = [int(x) for x in args.levels.split(",") if x]
    started = time.time()
    info = machine()
    with tempfile.TemporaryDirectory(prefix="sleeptime-service-latency-") as tmp:
        report = asyncio.run(run(args, Path(tmp)))
    report = {
        "machine": info,
        "setup": {
            "database": "SQLite file (WAL)",
            "server": "uvicorn in a child process, "
            + ("httptools" if importlib.util.find_spec("httptools") else "h11")
            + (" and uvloop" if importlib.util.find_spec("uvloop") else " and asyncio's loop"),
            "clients": "this process: one kept-alive HTTP/1.1 connection per client (asyncio "
            "streams); rest_httpx: one httpx.AsyncClient with a connection per client",
            "question": QUESTION,
            "budget": 0,
            "anticipated": False,
            "repeats": args.repeats,
            "per_client": args.per_client,
            "min_requests": args.min_requests,
            "open_rate": args.open_rate,
            "open_clients": args.open_clients,
            "open_seconds": args.open_seconds,
            "seconds": round(time.time() - started, 1),
            "httpx": HTTPX_NOTE if args.httpx else None,
        },
        **report,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    for row in report["summary"]:
        lib = row["library"]
        print(
            f"{row['load']}: library p50 {lib['p50_ms']:.2f} p99 {lib['p99_ms']:.2f} "
            f"ms {lib['throughput_rps']:.0f}/s | "
            + " | ".join(
                f"{v} +{row[v]['added_p50_ms']:.2f}/+{row[v]['added_p99_ms']:.2f} ms "
                f"{row[v]['throughput_rps']:.0f}/s"
                for v in row
                if v not in ("load", "clients", "library")
            )
        )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
