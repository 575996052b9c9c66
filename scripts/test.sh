#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it: install, lint, type-check, test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
VENV="${SLEEPTIME_VENV:-.venv}"
echo "==> ruff"
"$VENV/bin/ruff" check src tests bench scripts
"$VENV/bin/ruff" format --check src tests bench scripts
echo "==> mypy"
"$VENV/bin/mypy"
echo "==> pytest"
"$VENV/bin/pytest" "$@"
