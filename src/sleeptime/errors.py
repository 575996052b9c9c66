"""Typed errors: every message tells the user what to do next.

The command line prints ``str(error)`` without a traceback for any ``SleeptimeError``,
so messages must stand on their own.
"""

from __future__ import annotations


class SleeptimeError(Exception):
    """Base class for every error the library raises on purpose."""

    exit_code = 1


class InputError(SleeptimeError):
    """The user gave input we cannot use (empty, not UTF-8, out of range)."""

    exit_code = 2


class NotFoundError(SleeptimeError):
    """A named context, revision, run or artifact does not exist."""

    exit_code = 3


class ConfigError(SleeptimeError):
    """Settings are missing or inconsistent (no model file, unknown backend, bad URL)."""

    exit_code = 4


class ContextTooLargeError(InputError):
    """The prompt would not fit in the model's context window."""


class BackendError(SleeptimeError):
    """A model backend failed in a way that retrying will not fix."""

    exit_code = 5


class BackendUnavailableError(BackendError):
    """A backend could not be reached or kept timing out after all retries."""


class BudgetExceededError(SleeptimeError):
    """A sleep run hit its token budget before it finished; no artifact was written."""

    exit_code = 6


class StoreError(SleeptimeError):
    """The database could not be opened, migrated or written."""

    exit_code = 7
