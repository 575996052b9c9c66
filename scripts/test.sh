#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it: install, lint, type-check, test.
set -euo pipefail
cd "$(dirname "$0")/.."
SLEEPTIME_SKIP_DEMO_MODEL=1 bash scripts/install.sh  # the tests need only SmolLM2
VENV="${SLEEPTIME_VENV:-.venv}"
echo "==> ruff"
"$VENV/bin/ruff" check src tests bench scripts
"$VENV/bin/ruff" format --check src tests bench scripts
echo "==> mypy"
"$VENV/bin/mypy"
echo "==> pytest"
"$VENV/bin/pytest" "$@"
