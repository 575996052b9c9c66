"""Typed errors: every message tells the user what to do next.

The command line prints ``str(error)`` without a traceback for any ``SleeptimeError``,
so messages must stand on their own. A library message names settings and arguments, not
command-line flags (a Python caller has none); where a flag is the next step, the raise
site sets ``cli_hint`` and the command line adds it.
"""

from __future__ import annotations

from typing import Self


class SleeptimeError(Exception):
    """Base class for every error the library raises on purpose."""

    exit_code = 1
    cli_hint: str | None = None
    """The command-line form of the next step (flags), added by the CLI after the message."""

    def hinted(self, cli_hint: str) -> Self:
        """Attach the command-line form of the next step and return the error (to raise)."""
        self.cli_hint = cli_hint
        return self


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


class RunEndedError(StoreError):
    """A run was asked to move in a way its state machine forbids (it had already ended,
    or another worker holds it now); the caller's work on it is no longer wanted."""


class LeaseLostError(RunEndedError):
    """This process no longer holds the run: its lease expired and the run was requeued,
    superseded or abandoned. Whatever it computed must not be written."""
