"""The repository experiment (the paper's SWE-Features): tasks mined from git history,
files to change found by an agent with and without a sleep-time map, F1 over files."""

from __future__ import annotations

from sleeptime.benchmark.repo_bench.config import RepoBenchConfig
from sleeptime.benchmark.repo_bench.report import write_repo_outputs
from sleeptime.benchmark.repo_bench.run import run_repo_bench

__all__ = ["RepoBenchConfig", "run_repo_bench", "write_repo_outputs"]
