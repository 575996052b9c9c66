#!/usr/bin/env bash
# Build llama.cpp's own OpenAI-compatible server (llama-server) from the llama-cpp-python
# sdist the project pins, with the same portable CPU flags as scripts/install.sh.
#
# Why: long benchmark runs on a local model go faster through one llama-server with
# several slots (it batches concurrent requests) than through one embedded model per
# process. Use it with `sleeptime bench ... --backend openai --concurrency N`:
#
#   bash scripts/build_llama_server.sh            # prints the binary's path
#   BIN/llama-server -m MODEL.gguf --host 127.0.0.1 --port 8090 -np 4 -c 16384 -t 2 --no-webui &
#   SLEEPTIME_OPENAI_BASE_URL=http://127.0.0.1:8090/v1 SLEEPTIME_OPENAI_API_KEY=none \
#   SLEEPTIME_OPENAI_NATIVE_TOOLS=false SLEEPTIME_FIRST_TOKEN_TIMEOUT_S=7200 \
#     .venv/bin/sleeptime bench sweep --backend openai --model NAME --concurrency 4 ...
#
# Requests wait in the server's queue when every slot is busy, so raise the first-token
# timeout as above. Needs cmake and a C++ compiler; the web UI is not built (no network).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
WORK="${SLEEPTIME_BUILD_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sleeptime/llama-server-$VERSION}"
PIP=(".venv/bin/python" -m pip)
[ -x .venv/bin/python ] || PIP=(python3 -m pip)
mkdir -p "$WORK"
if [ ! -d "$WORK/src" ]; then
    echo "==> downloading the llama-cpp-python $VERSION sdist"
    "${PIP[@]}" download --quiet --no-deps --no-binary :all: "llama-cpp-python==$VERSION" -d "$WORK"
    mkdir -p "$WORK/src"
    tar xzf "$WORK/llama_cpp_python-$VERSION.tar.gz" -C "$WORK/src" --strip-components=1
fi
SRC="$WORK/src/vendor/llama.cpp"
echo "==> building llama-server (5-15 minutes the first time)"
cmake -S "$SRC" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release \
    -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
    -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF > "$WORK/cmake.log"
cmake --build "$WORK/build" --target llama-server -j "$(nproc)" > "$WORK/build.log"
echo "$WORK/build/bin/llama-server"
