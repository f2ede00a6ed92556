#!/usr/bin/env bash
# Lint minigrad with the rules configured in pyproject.toml: ruff (lint, then format check) on the Python code and
# cython-lint on the kernels. Runs every check and fails at the end if any failed, so one run lists everything.
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
if [[ $status != 0 ]]; then echo "lint: FAILED (see above)"; else echo "lint: clean"; fi
exit $status
