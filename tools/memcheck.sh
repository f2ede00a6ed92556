#!/usr/bin/env bash
# Memory-safety check of minigrad's Cython kernels.
#
#   tools/memcheck.sh              AddressSanitizer: clone the committed repository into a scratch directory, build
#                                  the kernels there with -fsanitize=address and Cython bounds checking, run the
#                                  kernel, fuzz and thread tests with libasan preloaded. Any invalid read or write,
#                                  use after free or double free aborts the run with a report.
#   tools/memcheck.sh --valgrind   valgrind memcheck on the normal build of the same clone (slower; a subset).
#
# The clone keeps the working tree's in-place .so files untouched (others may be using them). Environment:
#   MEMCHECK_DIR    scratch directory (default /tmp/minigrad-memcheck; removed and recreated)
#   MEMCHECK_SEEDS  number of kernel-fuzz batches of 300 cases (default 20)
#   PYTHON          interpreter (default python3)
# Leak detection is off: CPython keeps objects alive until exit by design, so leaks are tests/test_memory.py's job.
set -euo pipefail

mode=asan
if [[ "${1:-}" == "--valgrind" ]]; then mode=valgrind; fi
python=${PYTHON:-python3}
source_repo=$(cd "$(dirname "$0")/.." && pwd)
work=${MEMCHECK_DIR:-/tmp/minigrad-memcheck}
seeds=${MEMCHECK_SEEDS:-20}

rm -rf "$work"
git clone --quiet "$source_repo" "$work"
cd "$work"
echo "memcheck ($mode) of $(git rev-parse --short HEAD) in $work"

fuzz_batches() {  # run the kernel fuzz worker under "$@" (a prefix command, possibly empty); fails if a batch did
    local seed failed=0
    for seed in $(seq 5000 $((5000 + seeds - 1))); do
        "$@" "$python" tests/fuzz_kernels_worker.py "$seed" 300 > /dev/null || { failed=$((failed + 1));
            echo "kernel fuzz batch $seed failed: $python tests/fuzz_kernels_worker.py $seed 300 -v"; }
    done
    echo "kernel fuzz: $seeds batches of 300 cases, $failed failed"
    [[ $failed == 0 ]]
}

if [[ "$mode" == asan ]]; then
    libasan=$(gcc -print-file-name=libasan.so)
    [[ -e "$libasan" ]] || { echo "libasan not found (gcc -print-file-name=libasan.so)" >&2; exit 2; }
    # through CC, so that setup.py's OpenMP probe (a linked executable) is sanitized too and OpenMP stays on
    # (MINIGRAD_DEBUG_INFO=1: keep -g, which setup.py otherwise overrides with -g0, so reports have line numbers)
    CC="${CC:-gcc} -fsanitize=address -fno-omit-frame-pointer -g" MINIGRAD_BOUNDSCHECK=1 MINIGRAD_DEBUG_INFO=1 \
        "$python" setup.py -q build_ext --inplace > build.log 2>&1 || { tail -30 build.log; exit 2; }
    if ! grep -q "with OpenMP:" build.log || grep -q "with OpenMP: none" build.log; then
        echo "the sanitized build lost OpenMP:" >&2; tail -5 build.log >&2; exit 2
    fi
    for so in minigrad/_kernels/*.so; do
        [[ $(nm -D "$so" | grep -c __asan_init) -gt 0 ]] || { echo "$so is not instrumented" >&2; exit 2; }
    done
    # torch (only the tests' oracle) aborts under a preloaded sanitizer: hide it, the tests then skip or run without
    mkdir -p no_torch
    echo 'raise ImportError("torch is hidden from the sanitized run")' > no_torch/torch.py
    export PYTHONPATH="$work/no_torch${PYTHONPATH:+:$PYTHONPATH}"
    export LD_PRELOAD="$libasan" ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:allocator_may_return_null=1"
    # The subprocesses of test_fuzz_kernels.py inherit the sanitizer through the environment. Not test_memory.py:
    # the sanitizer's quarantine of freed memory makes resident sizes grow by design.
    status=0
    "$python" -m pytest -q -p no:cacheprovider -p no:warnings \
        tests/test_ctc.py tests/test_kernel_cross_entropy.py tests/test_kernel_softmax.py tests/test_kernel_margin.py \
        tests/test_kernel_elementwise_losses.py tests/test_cross_entropy.py tests/test_margin_losses.py \
        tests/test_optim.py tests/test_fuzz_kernels.py tests/test_threads.py tests/test_numerical_robustness.py \
        tests/test_fuzz_losses.py || status=1
    fuzz_batches || status=1
    if [[ $status != 0 ]]; then echo "memcheck ($mode): FAILED (see above)"; exit 1; fi
else
    command -v valgrind > /dev/null || { echo "valgrind not installed" >&2; exit 2; }
    "$python" setup.py -q build_ext --inplace > build.log 2>&1 || { tail -30 build.log; exit 2; }
    # the system allocator, so that valgrind sees every allocation; only errors in the kernels count
    export PYTHONMALLOC=malloc
    seeds=${MEMCHECK_SEEDS:-3}
    fuzz_batches valgrind --quiet --error-exitcode=99 --errors-for-leak-kinds=none --show-error-list=yes || exit 1
fi
echo "memcheck ($mode): clean"
