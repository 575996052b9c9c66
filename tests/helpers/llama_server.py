"""Start a real ``python -m llama_cpp.server`` on loopback for integration tests.

Any test folder can use it: ``base_url, process = start_llama_server(default_model_path())``
then ``stop_llama_server(process)``. The server's output goes to a log file (a pipe could
fill and block the server); its tail is put into the error when the server fails to start.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

SMOLLM2_ALIAS = "smollm2-135m-instruct"
"""A readable model id to serve the embedded SmolLM2 file under (``--model_alias``)."""


def free_port() -> int:
    """Ask the kernel for a free TCP port on 127.0.0.1 (it may be taken again, rarely)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_until_ready(
    base_url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float
) -> None:
    """Poll ``GET {base_url}/models`` until it answers 200; fail fast if the process died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"llama_cpp.server exited with code {process.returncode} before it was ready; "
                f"log tail:\n{_log_tail(log)}"
            )
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    stop_llama_server(process)
    raise RuntimeError(
        f"llama_cpp.server did not answer {base_url}/models within {timeout_s:.0f}s; "
        f"log tail:\n{_log_tail(log)}"
    )


def start_llama_server(
    model_path: Path | str,
    *,
    n_ctx: int = 4096,
    n_threads: int = 2,
    model_alias: str | None = None,
    extra_args: Sequence[str] = (),
    timeout_s: float = 60.0,
    log_path: Path | None = None,
    python: str = sys.executable,
) -> tuple[str, subprocess.Popen[bytes]]:
    """Start the server on a free loopback port and return ``(base_url, process)``.

    ``base_url`` ends in ``/v1`` as OpenAI clients expect. Blocks until the model is loaded.
    """
    port = free_port()
    if log_path is None:
        handle, name = tempfile.mkstemp(prefix="llama_server_", suffix=".log")
        os.close(handle)
        log_path = Path(name)
    flags = {
        "--model": str(model_path),
        "--host": "127.0.0.1",
        "--port": str(port),
        "--n_ctx": str(n_ctx),
        "--n_threads": str(n_threads),
        "--n_threads_batch": str(n_threads),
    }
    if model_alias:
        flags["--model_alias"] = model_alias
    args = [python, "-m", "llama_cpp.server", *(x for pair in flags.items() for x in pair)]
    args += list(extra_args)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    base_url = f"http://127.0.0.1:{port}/v1"
    wait_until_ready(base_url, process, log_path, timeout_s)
    return base_url, process


def stop_llama_server(process: subprocess.Popen[bytes], timeout_s: float = 10.0) -> None:
    """Terminate the server, killing it if it does not exit within ``timeout_s``."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout_s)
