#!/usr/bin/env bash
# Lint minigrad with the rules configured in pyproject.toml: ruff (lint, then format check) on the Python code,
# cython-lint and tools/check_prange.py (no scalar shared between prange threads by accident) on the kernels, and
# mypy on the package and tests/typing/user_code.py (torch-style code that must type-check against minigrad's
# annotations). Runs every check and fails at the end if any failed, so one run lists
# everything.
# Needs the `lint` extra: pip install -e ".[lint]". To fix what the tools can: ruff check --fix . && ruff format .
set -uo pipefail
cd "$(dirname "$0")/.."

status=0
run() {
    echo "--- $*"
    "$@" || status=1
}
run ruff check .
run ruff format --check .
run cython-lint minigrad/_kernels
run python tools/check_prange.py
run mypy
if [[ $status != 0 ]]; then echo "lint: FAILED (see above)"; else echo "lint: clean"; fi
exit $status
