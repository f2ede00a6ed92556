"""Running NumPy's BLAS single-threaded for a while, so that minigrad's own threads can each call it.

A kernel that splits its work over minigrad's threads and has each thread call ``np.matmul`` on its share must
keep OpenBLAS from starting its own team inside every call: on a machine shared with other processes, a GEMM that
starts and joins two BLAS threads per call stalled 10x or more whenever one of them was descheduled
(benchmarks/bench_conv.py), while two threads each running a single-threaded GEMM lose only their own time slice.

NumPy has no API for its BLAS's thread count, so this module finds the OpenBLAS library the process has already
loaded (Linux's ``/proc/self/maps``) and calls its ``openblas_set_num_threads`` under the name that build exports.
Where it finds none (another BLAS, another OS), ``single_threaded`` yields False and ``run_parts`` runs serially
(each BLAS call then uses BLAS's own threads).

``matmul`` is NumPy's product for the ops' own GEMMs (``Linear``, ``matmul``), kept off OpenBLAS's team as well:
a product too small to pay for a second thread runs on the calling thread alone, a larger matrix product is split
into bands of rows (or columns) over the kernels' OpenMP team, one single-threaded GEMM per thread
(``cblas.matmul_parts``; where C BLAS cannot be reached, over ``run_parts``' Python threads).
OpenBLAS starts its team for any GEMM above 2^18 multiply-adds (a few microseconds of
work); each such call is a barrier that waits for the other thread, and after it that thread spins
(``sched_yield``) for about 0.1 s, taking a core from the kernels' OpenMP threads and ``run_parts``' threads.
Under load every barrier whose thread is descheduled costs a time slice: LeNet-5's 64x400 by 400x120 layer took
51 us on one thread and 15 ms on average on two (load 6), and its training step burned 8x the CPU time of a
one-thread step. Python threads, started per call (about 70 us), never spin.
"""

import contextlib
import ctypes
import os
import threading

import numpy as np

from ._kernels import cblas
from ._threads import get_num_threads

__all__ = ["single_threaded", "run_parts", "matmul", "product_and_sums", "blas_layout", "cblas_ready"]

# (get, set) symbol names of the OpenBLAS builds NumPy wheels ship (scipy-openblas, 64-bit integers or not) and of a
# system OpenBLAS
_SYMBOLS = [
    ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
    ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
    ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
    ("openblas_get_num_threads", "openblas_set_num_threads"),
]


def _loaded_openblas():
    """The OpenBLAS libraries this process has loaded (ctypes handles, not loading anything new)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split(None, 5)[-1].strip() for line in maps if "openblas" in line.lower()}
    except OSError:
        return []
    libraries = []
    for path in sorted(paths):
        try:
            libraries.append(ctypes.CDLL(path, mode=os.RTLD_NOLOAD | os.RTLD_LAZY))
        except (OSError, AttributeError):
            continue
    return libraries


def _thread_functions():
    """(get, set) ctypes functions of the loaded OpenBLAS's thread count, or None."""
    for library in _loaded_openblas():
        for get_name, set_name in _SYMBOLS:
            if hasattr(library, get_name) and hasattr(library, set_name):
                getter, setter = getattr(library, get_name), getattr(library, set_name)
                getter.restype, setter.restype = ctypes.c_int, None
                setter.argtypes = [ctypes.c_int]
                return getter, setter
    return None


# (sgemm, dgemm, 64-bit integers) names of the C interface in the same builds
_CBLAS_SYMBOLS = [
    ("scipy_cblas_sgemm64_", "scipy_cblas_dgemm64_", True),
    ("scipy_cblas_sgemm", "scipy_cblas_dgemm", False),
    ("cblas_sgemm64_", "cblas_dgemm64_", True),
    ("cblas_sgemm", "cblas_dgemm", False),
]
_cblas_state = None  # None: not looked yet; then True or False


def cblas_ready():
    """Whether the kernels' ``cblas`` module can call NumPy's BLAS from C (binding it on the first call): True
    when the OpenBLAS NumPy loaded is found and exports ``cblas_sgemm``/``cblas_dgemm`` under a known name. A
    kernel that multiplies matrices without the GIL checks this first and takes its NumPy path when False."""
    global _cblas_state
    if _cblas_state is None:
        _cblas_state = False
        for library in _loaded_openblas():
            for s_name, d_name, ilp64 in _CBLAS_SYMBOLS:
                if hasattr(library, s_name) and hasattr(library, d_name):
                    address = ctypes.cast(getattr(library, s_name), ctypes.c_void_p).value
                    d_address = ctypes.cast(getattr(library, d_name), ctypes.c_void_p).value
                    cblas.bind(address, d_address, ilp64)
                    _cblas_state = True
                    return True
    return _cblas_state


# Products below this many multiply-adds (about 0.25 ms on one core) run on one BLAS thread; above it a team's
# barrier costs little next to the work. OpenBLAS itself goes single-threaded below _OPENBLAS_THREADED_MIN.
THREADED_MIN_MACS = 1 << 24
_OPENBLAS_THREADED_MIN = 1 << 18

_functions = None
_looked = False
_lock = threading.Lock()
_users = 0
_saved = 1


@contextlib.contextmanager
def single_threaded():
    """Within the block NumPy's BLAS runs one thread per call; yields whether that could be arranged. Nested and
    concurrent blocks share one setting: the first to enter saves the thread count, the last to leave restores it."""
    global _functions, _looked, _users, _saved
    with _lock:
        if not _looked:
            _functions, _looked = _thread_functions(), True
        if _functions is not None:
            if _users == 0:
                _saved = _functions[0]()
                _functions[1](1)
            _users += 1
    try:
        yield _functions is not None
    finally:
        if _functions is not None:
            with _lock:
                _users -= 1
                if _users == 0:
                    _functions[1](_saved)


@contextlib.contextmanager
def threads_for(macs):
    """The thread count for a loop of small steps, each about ``macs`` multiply-adds: all of minigrad's threads
    from ``THREADED_MIN_MACS`` on, else 1, and then NumPy's BLAS also runs one thread inside the block. (A loop of
    small products that wakes a BLAS team and an OpenMP team in turn every step loses its cores to their spinning
    on a shared machine: the word-LM step took 10x its one-thread time.)"""
    threads = get_num_threads()
    if threads > 1 and macs >= THREADED_MIN_MACS:
        yield threads
        return
    with single_threaded():
        yield 1


def run_parts(work, count, threads):
    """Call ``work(start, stop, threads_inside)`` on ``min(threads, count)`` contiguous parts of ``range(count)``,
    each on its own thread (the caller's is one of them) with single-threaded BLAS and ``threads_inside = 1``;
    return the results in order. Serial (one call over everything with ``threads_inside = threads``) when there is
    one part or BLAS's threads cannot be set; with ``threads = 1`` BLAS runs one thread too. ``work`` must release
    the GIL for its heavy parts (NumPy's matmul and the kernels do) and write to disjoint places."""
    parts = max(1, min(threads, count))
    if parts == 1 and threads > 1:  # one big part: the kernels' and BLAS's own threads share it
        return [work(0, count, threads)]
    with single_threaded() as ok:
        if ok and parts > 1:
            bounds = [(count * i // parts, count * (i + 1) // parts, 1) for i in range(parts)]
            return _run_threads(work, bounds)
        return [work(0, count, threads)]


def _run_threads(work, bounds):
    results = [None] * len(bounds)
    errors = []

    def run(i):
        try:
            results[i] = work(*bounds[i])
        except BaseException as error:  # re-raised in the caller's thread
            errors.append(error)

    helpers = [threading.Thread(target=run, args=(i,)) for i in range(1, len(bounds))]
    for helper in helpers:
        helper.start()
    run(0)
    for helper in helpers:
        helper.join()
    if errors:
        raise errors[0]
    return results


def matmul(a, b, bias=None):
    """``np.matmul(a, b)`` (plus ``bias`` broadcast over its rows, when given) without OpenBLAS's team (see the
    module docstring): on the calling thread when the product has fewer than ``THREADED_MIN_MACS`` multiply-adds,
    else, for two matrices, in bands over minigrad's threads: on the OpenMP team (``_matmul_bands``), or without C
    BLAS the rows of ``a`` (or, for a product much wider than tall, the columns of ``b``) over ``run_parts``; each
    band adds the bias to its own block while it is still in cache; a batched product keeps NumPy's own
    threading."""
    if b.ndim == 2:  # the common case first: a small product must cost next to nothing more than np.matmul
        macs = a.size * b.shape[1]
    else:  # (batched on either side, or a vector)
        macs = max(a.size * (b.shape[-1] if b.ndim > 1 else 1), b.size * (a.shape[-2] if a.ndim > 1 else 1))
    if macs <= _OPENBLAS_THREADED_MIN:
        product = np.matmul(a, b)
        return product if bias is None else _plus(product, bias)
    if macs < THREADED_MIN_MACS or get_num_threads() == 1:
        with single_threaded():
            return _plus(np.matmul(a, b), bias)
    if a.ndim != 2 or b.ndim != 2:
        return _plus(np.matmul(a, b), bias)
    if _banded(a, b, bias):
        return _matmul_bands(a, b, bias)
    out = np.empty((a.shape[0], b.shape[1]), np.result_type(a, b))

    def rows(start, stop, threads):
        part = out[start:stop]
        np.matmul(a[start:stop], b, out=part)
        if bias is not None:
            part += bias

    def columns(start, stop, threads):
        part = out[:, start:stop]  # BLAS writes the column block in place (its rows n apart)
        np.matmul(a, b[:, start:stop], out=part)
        if bias is not None:
            part += bias[start:stop]

    # BLAS packs each part's whole share of the other operand: a part of the rows packs all of b (k x n values), a
    # part of the columns all of a (m x k). A language model's read-out, 700 x 200 by 200 x 10000, had each row
    # part pack the 8 MB weight; split by columns its slower part took 3-7% less time.
    if b.shape[1] > 2 * a.shape[0]:
        run_parts(columns, b.shape[1], get_num_threads())
    else:
        run_parts(rows, a.shape[0], get_num_threads())
    return out


def _stored(x):
    """(the array as BLAS reads it, transposed?) for a matrix with a unit stride along one dim, else None."""
    item = x.itemsize
    if not x.flags.aligned or x.strides[0] % item or x.strides[1] % item:
        return None
    if x.strides[1] == item and x.strides[0] >= x.shape[1] * item:
        return x, False
    if x.strides[0] == item and x.strides[1] >= x.shape[0] * item:
        return x.T, True
    return None


def blas_layout(x):
    """``x``, or a C-contiguous copy when BLAS cannot read it in place (no unit stride along either dim: a
    broadcast gradient, such as ``out.sum()``'s, has all strides 0): NumPy multiplies such a matrix without BLAS,
    2-4x slower than the copy and a BLAS product."""
    return x if _stored(x) is not None else np.ascontiguousarray(x)


def _banded(a, b, bias):
    """Whether ``cblas.matmul_parts`` takes ``a @ b (+ bias)``: float32 or float64 matrices of one dtype, each
    with a unit stride along a dim, a contiguous (n,) bias of that dtype or none, C BLAS reachable."""
    dtype = a.dtype
    return (
        dtype in (np.float32, np.float64)
        and b.dtype == dtype
        and min(a.shape + b.shape) > 0
        and (bias is None or (bias.dtype == dtype and bias.shape == b.shape[1:] and bias.strides == (a.itemsize,)))
        and _stored(a) is not None
        and _stored(b) is not None
        and cblas_ready()
    )


def _matmul_bands(a, b, bias):
    """``a @ b (+ bias)`` as bands of rows (or columns) over the kernels' OpenMP team, one single-threaded GEMM
    per thread (``cblas.matmul_parts``): the team outlives the call, where threads started per call each paid
    their start and OpenBLAS's first-call set-up."""
    out = np.empty((a.shape[0], b.shape[1]), a.dtype)
    (a_stored, trans_a), (b_stored, trans_b) = _stored(a), _stored(b)
    with single_threaded():
        cblas.matmul_parts(a_stored, trans_a, b_stored, trans_b, out, bias, get_num_threads())
    return out


def product_and_sums(g, x):
    """``(gᵀ @ x, g.sum(0))`` for matrices ``g (r, m)``, ``x (r, n)``: a Linear's weight and bias gradients. On
    minigrad's threads (large products, ``_banded``) the thread that computes a band of ``gᵀ x`` also sums that
    band's columns of ``g``, so the bias gradient costs no serial pass over ``g``; the sums have ``g.sum(0)``'s
    bits either way."""
    a = g.T
    if a.size * x.shape[1] < THREADED_MIN_MACS or get_num_threads() == 1 or not _banded(a, x, None):
        return matmul(a, x), column_sums(g)
    out, sums = np.empty((a.shape[0], x.shape[1]), a.dtype), np.empty(a.shape[0], a.dtype)
    (a_stored, trans_a), (x_stored, trans_x) = _stored(a), _stored(x)
    with single_threaded():
        cblas.matmul_parts(a_stored, trans_a, x_stored, trans_x, out, None, get_num_threads(), sums)
    return out, sums


def _plus(product, bias):
    if bias is not None:
        product += bias
    return product


def column_sums(rows):
    """``rows.sum(0)`` of a C-contiguous matrix, its columns split over minigrad's threads when it is large (a
    Linear's bias gradient over a language model's logits: 700 x 10000 took 1.9 ms on one core)."""
    threads = get_num_threads()
    if threads == 1 or rows.size < _PARALLEL_SUM_MIN:
        return rows.sum(0)
    out = np.empty(rows.shape[1], rows.dtype)

    def columns(start, stop, threads_inside):
        rows[:, start:stop].sum(0, out=out[start:stop])

    run_parts(columns, rows.shape[1], threads)
    return out


_PARALLEL_SUM_MIN = 1 << 20  # elements: below this a second thread's start-up (~70 us) costs more than it saves
