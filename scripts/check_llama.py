"""Prove the llama.cpp build works: load the embedded model and generate a few tokens.

Runs in a child process so a crash (e.g. an illegal instruction from a native build) is
reported as a failed check instead of killing the installer.
"""

from __future__ import annotations

import subprocess
import sys

PROBE = """
from sleeptime.backends.model_files import default_model_path
from llama_cpp import Llama
llm = Llama(model_path=str(default_model_path()), n_ctx=256, n_threads=2, verbose=False)
out = llm.create_completion("The capital of France is", max_tokens=4, temperature=0)
assert out["choices"][0]["text"].strip(), "empty generation"
print("llama.cpp OK:", repr(out["choices"][0]["text"]))
"""


def main() -> int:
    """Return 0 when a generation succeeds in a child process."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300, check=False
    )
    sys.stdout.write(proc.stdout)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-2000:])
        sys.stderr.write(f"llama.cpp check failed (exit code {proc.returncode})\n")
    return proc.returncode


if __name__ == "__main__":
    raise SystemExit(main())
