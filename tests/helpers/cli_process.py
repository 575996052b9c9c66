"""Run the installed ``sleeptime`` command as a child process, the way a user's shell would.

Two things make a child's behaviour depend on how the test suite was started, and both
are removed here. A background job of a non-interactive shell (``bash scripts/test.sh &``,
``nohup``) starts with SIGINT (and, under nohup, SIGHUP) ignored, and a child inherits
ignored signals, so a test that sends Ctrl-C would see it vanish. And ``SLEEPTIME_*``
variables of the developer's shell would change the child's settings.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SLEEPTIME = Path(sys.executable).parent / "sleeptime"

# Reset the signals a test may send to their default action, then become the command.
# An exec keeps default dispositions, and a tiny exec wrapper is safe in a parent with
# threads (the loopback servers), unlike ``preexec_fn``.
_DEFAULT_SIGNALS = (
    "import os, signal, sys\n"
    "for name in ('SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'):\n"
    "    if hasattr(signal, name):\n"
    "        signal.signal(getattr(signal, name), signal.SIG_DFL)\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n"
)


def with_default_signals(argv: list[str]) -> list[str]:
    """``argv`` wrapped so the program starts with default signal dispositions."""
    return [sys.executable, "-c", _DEFAULT_SIGNALS, *argv]


def sleeptime_argv(*args: str) -> list[str]:
    """The installed command with ``args``, started with default signal dispositions."""
    return with_default_signals([str(SLEEPTIME), *args])


def child_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The parent's environment without ``SLEEPTIME_*``/``OPENAI_*``, plus a data dir.

    ``SLEEPTIME_DATA_ROOT`` (where benchmark datasets live) is kept: it changes no result.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLEEPTIME_", "OPENAI_")) or k == "SLEEPTIME_DATA_ROOT"
    }
    env["SLEEPTIME_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


_PEAK_RSS = (
    "import os, signal, subprocess, sys\n"
    "for name in ('SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'):\n"
    "    if hasattr(signal, name):\n"
    "        signal.signal(getattr(signal, name), signal.SIG_DFL)\n"
    "child = subprocess.Popen(sys.argv[2:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "child.returncode = os.waitstatus_to_exitcode(status)\n"
    "with open(sys.argv[1], 'w') as report:\n"
    "    report.write(str(usage.ru_maxrss))\n"
    "sys.exit(child.returncode if child.returncode >= 0 else 128 - child.returncode)\n"
)


def peak_rss_argv(report: Path, *args: str) -> list[str]:
    """Run the command with ``args`` and write its peak resident memory (KiB) to ``report``.

    A process forked straight from the test process starts with the test process's
    memory counted in its peak, so a small wrapper forks the command and measures it.
    """
    return [sys.executable, "-c", _PEAK_RSS, str(report), str(SLEEPTIME), *args]
