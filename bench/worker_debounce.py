"""Debounce: a burst of updates to one context costs one background run, on the last revision.

A real ``sleeptime worker`` runs with a quiet period of 2 s (``SLEEPTIME_SLEEP_QUIET_S``)
against the loopback model server of ``worker_harness``. Each repeat adds a context,
lets the worker sleep on it, then writes 10 new revisions 0.1 s apart (all within the
quiet period) and waits until the worker has been quiet for the quiet period plus 3 s.
Counted per burst: runs queued on the burst's revisions (must be exactly one), the
revision it slept on (must be the last), model calls about earlier revisions of the burst
(must be 0), and the time from the last update to the run's queueing and start (about
the quiet period plus one scheduler poll). SQLite and PostgreSQL each get a run.

Usage: ``.venv/bin/python bench/worker_debounce.py [--repeats 5] [--updates 10]
[--interval 0.1] [--quiet 2] [--databases sqlite,postgresql]``
-> ``bench/results/worker_debounce.json``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

from worker_harness import (
    Inspector,
    ModelServer,
    Postgres,
    WorkerProcess,
    close_runtime,
    context_text,
    database,
    open_runtime,
    seconds,
    table,
    token_of,
    workdir,
    worker_env,
    write_bench,
)


def wait_settled(
    inspector: Inspector, context_name: str, since: float, guard_s: float, timeout_s: float
) -> None:
    """Wait until nothing is queued or running and ``guard_s`` passed since ``since``,
    and the context's current revision has an ended run (or the time is up)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        snap = inspector.snapshot()
        context = next((c for c in snap.contexts if c["name"] == context_name), None)
        current = snap.current_revisions().get(context["id"]) if context else None
        ended = current is not None and any(
            r["revision_id"] == current["id"] and r["status"] not in ("queued", "running")
            for r in snap.runs
        )
        if ended and inspector.active() == 0 and time.monotonic() - since >= guard_s:
            return
        time.sleep(0.2)


def run_one(kind: str, args: argparse.Namespace, postgres: Postgres | None) -> dict[str, Any]:
    started = time.monotonic()
    with (
        workdir(args.keep) as work,
        database(kind, work, postgres) as url,
        ModelServer(delay=lambda: args.delay) as server,
    ):
        logs = work / "logs"
        logs.mkdir()
        runtime = open_runtime(url, work / "bench")
        app = runtime.tenant()
        inspector = Inspector(url)
        env = worker_env(
            work, url, server.base_url("worker"), SLEEPTIME_SLEEP_QUIET_S=str(args.quiet)
        )
        worker = WorkerProcess("worker", env, [], logs)
        if not worker.wait_started():
            raise SystemExit(f"the worker did not start:\n{worker.log()[-2000:]}")
        bursts = []
        for r in range(args.repeats):
            name = f"burst{r}"
            app.add_context(name, context_text(name, f"{name}-u0"))
            wait_settled(inspector, name, time.monotonic(), args.quiet, args.timeout)
            calls_before = len(server.calls)
            for i in range(1, args.updates + 1):
                app.add_context(name, context_text(name, f"{name}-u{i}"))
                if i < args.updates:
                    time.sleep(args.interval)
            last_update = time.monotonic()
            wait_settled(inspector, name, last_update, args.quiet + 3.0, args.timeout)
            bursts.append(measure(inspector, server.calls[calls_before:], name, args.updates))
            print(
                f"  {kind} burst {r + 1}: {bursts[-1]['runs']} run(s), on update "
                f"{bursts[-1]['slept_on_update']}",
                file=sys.stderr,
                flush=True,
            )
        code = worker.stop()
        inspector.close()
        close_runtime(runtime)
    runs = [b["runs"] for b in bursts]
    to_start = [b["last_update_to_start_s"] for b in bursts if b["last_update_to_start_s"]]
    to_queue = [b["last_update_to_queued_s"] for b in bursts if b["last_update_to_queued_s"]]
    return {
        "database": kind,
        "bursts": len(bursts),
        "runs_per_burst": runs,
        "bursts_with_exactly_one_run_on_the_last_revision": sum(
            1 for b in bursts if b["runs"] == 1 and b["slept_on_update"] == args.updates
        ),
        "model_calls_on_earlier_revisions_of_a_burst": sum(b["calls_on_earlier"] for b in bursts),
        "median_last_update_to_queued_s": _median(to_queue),
        "median_last_update_to_run_start_s": _median(to_start),
        "max_last_update_to_run_start_s": round(max(to_start), 2) if to_start else None,
        "worker_exit_code": code,
        "wall_s": round(time.monotonic() - started, 1),
        "detail": bursts,
    }


def measure(inspector: Inspector, calls: list[Any], name: str, updates: int) -> dict[str, Any]:
    """What the worker did about one burst (revisions 2.. of the context)."""
    snap = inspector.snapshot()
    context = next(c for c in snap.contexts if c["name"] == name)
    revisions = {r["id"]: r for r in snap.revisions if r["context_id"] == context["id"]}
    burst = {i: r for i, r in revisions.items() if token_of(r["text"]) != f"{name}-u0"}
    last = max(burst.values(), key=lambda r: r["seq"])
    runs = [r for r in snap.runs if r["revision_id"] in burst]
    slept = [token_of(burst[r["revision_id"]]["text"]) or "" for r in runs]
    final_token = f"{name}-u{updates}"
    started = [r for r in runs if r["revision_id"] == last["id"]]
    return {
        "context": name,
        "revisions_in_burst": len(burst),
        "runs": len(runs),
        "run_statuses": [r["status"] for r in runs],
        "slept_on_update": int(slept[0].rsplit("-u", 1)[1]) if len(slept) == 1 else slept,
        "calls_on_earlier": sum(
            1 for c in calls if c.token.startswith(f"{name}-u") and c.token != final_token
        ),
        "last_update_to_queued_s": _round(
            seconds(last["created_at"], started[0]["queued_at"]) if started else None
        ),
        "last_update_to_start_s": _round(
            seconds(last["created_at"], started[0]["started_at"]) if started else None
        ),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--updates", type=int, default=10)
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between updates")
    parser.add_argument("--quiet", type=float, default=2.0, help="SLEEPTIME_SLEEP_QUIET_S")
    parser.add_argument("--delay", type=float, default=0.05, help="model reply delay, s")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--out", default="worker_debounce")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    postgres = Postgres() if "postgresql" in kinds else None
    results: dict[str, Any] = {}
    try:
        for kind in kinds:
            print(f"{kind}: {args.repeats} bursts ...", file=sys.stderr, flush=True)
            results[kind] = run_one(kind, args, postgres)
    finally:
        if postgres is not None:
            postgres.close()
    settings = {k: v for k, v in vars(args).items() if k not in ("out", "keep", "databases")}
    settings.update(poll_s=0.2, lease_s=2)
    path = write_bench(args.out, "worker_debounce", settings, results=results)
    rows = [["", *results]]
    for key in (
        "bursts",
        "runs_per_burst",
        "bursts_with_exactly_one_run_on_the_last_revision",
        "model_calls_on_earlier_revisions_of_a_burst",
        "median_last_update_to_queued_s",
        "median_last_update_to_run_start_s",
        "max_last_update_to_run_start_s",
        "wall_s",
    ):
        rows.append([key, *(str(r[key]) for r in results.values())])
    print(table(rows))
    print(f"-> {path}")


if __name__ == "__main__":
    main()
