"""Keeping freed array memory in the process, so that a training step does not page its buffers in again.

A step allocates and frees the same few-MB arrays (activations, gradients, masks) over and over. With glibc's
defaults a freed block at the top of the heap beyond 2x the mmap threshold is handed back to the OS, and
blocks above the threshold are mmapped afresh: every new array then costs a page fault per 4 KB, which the
kernel also zeroes. Measured on BatchNorm2d + ReLU, 32x16x32x32 (benchmarks/bench_batchnorm.py), one thread:
2144 page faults and 9-11 ms per step, against 0 and 4.0 ms with the settings below (torch: 71 and 4.0 ms).

``tune()`` (called once when minigrad is imported) raises glibc's mmap threshold to 32 MB and its trim threshold
to 128 MB through ``mallopt``, so freed blocks are reused; memory stays flat over a training loop, at the level
of its largest step. Elsewhere (no glibc) it does nothing; ``MINIGRAD_MALLOC_TUNING=0`` turns it off.
"""

import ctypes
import os
import sys

__all__ = ["tune"]

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD = 32 << 20  # glibc's own ceiling for its dynamic threshold
_TRIM_THRESHOLD = 128 << 20


def tune():
    """Apply the settings (see the module docstring); returns whether glibc accepted them."""
    if not sys.platform.startswith("linux") or os.environ.get("MINIGRAD_MALLOC_TUNING", "1") == "0":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
