"""Loading the kernels' OpenMP runtime with a short spin-wait, so that its idle threads give the cores back.

After each parallel region libgomp's worker threads busy-wait for the next one, ``GOMP_SPINCOUNT`` times (300000
by default when ``OMP_WAIT_POLICY`` is unset: about 7.5 ms of ``pause`` instructions on the 2-core test machine)
before they sleep. A training step alternates minigrad's kernels with NumPy's GEMMs, which run on OpenBLAS's own
threads, and with the convolution's parts, which run on Python threads (``minigrad._blas.run_parts``): with the
default the OpenMP workers spin through all of that and take a core from them. On a quiet 2-core machine a
LeNet-5 step took 3.6x its one-thread time with two threads (benchmarks/bench_conv.py, 35.8 against 9.8 ms).

libgomp reads its settings once, when it is loaded, and minigrad's kernels are normally what loads it. So this
module sets ``GOMP_SPINCOUNT`` to ``SPIN_COUNT`` (about 100 µs of spinning: enough to catch the next kernel of the
same layer without a futex wake-up, short enough to release the core before another pool needs it) just while it
imports the first kernel, then removes it again, so that child processes and other OpenMP runtimes (torch ships its
own libgomp) see the environment unchanged. Nothing is set when the user chose a policy (``OMP_WAIT_POLICY`` or
``GOMP_SPINCOUNT`` in the environment) or set ``MINIGRAD_THREAD_TUNING=0``; when another library loaded libgomp
first, its settings stay.
"""

import contextlib
import os

__all__ = ["SPIN_COUNT", "short_spin"]

SPIN_COUNT = "4000"
_USER_SETTINGS = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")


@contextlib.contextmanager
def short_spin():
    """Within the block ``GOMP_SPINCOUNT`` is ``SPIN_COUNT`` (unless the user set a policy or turned the tuning
    off); yields whether it set it."""
    chosen = os.environ.get("MINIGRAD_THREAD_TUNING", "1") == "0" or any(name in os.environ for name in _USER_SETTINGS)
    if not chosen:
        os.environ["GOMP_SPINCOUNT"] = SPIN_COUNT
    try:
        yield not chosen
    finally:
        if not chosen:
            del os.environ["GOMP_SPINCOUNT"]


with short_spin():
    from ._kernels import activation as _first_openmp_kernel  # noqa: F401 - loads libgomp, which reads the setting
