"""Background sleep: the queue policy, budgets, and the worker that runs queued runs."""

from sleeptime.worker.budgets import BudgetVerdict, check_budget
from sleeptime.worker.spec import RunSpec, enqueue_sleep, job_key, spec_of
from sleeptime.worker.worker import Worker, WorkerStats

__all__ = [
    "BudgetVerdict",
    "RunSpec",
    "Worker",
    "WorkerStats",
    "check_budget",
    "enqueue_sleep",
    "job_key",
    "spec_of",
]
