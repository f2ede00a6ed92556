"""Running NumPy's BLAS single-threaded for a while, so that minigrad's own threads can each call it.

A kernel that splits its work over minigrad's threads and has each thread call ``np.matmul`` on its share must
keep OpenBLAS from starting its own team inside every call: on a machine shared with other processes, a GEMM that
starts and joins two BLAS threads per call stalled 10x or more whenever one of them was descheduled
(benchmarks/bench_conv.py), while two threads each running a single-threaded GEMM lose only their own time slice.

NumPy has no API for its BLAS's thread count, so this module finds the OpenBLAS library the process has already
loaded (Linux's ``/proc/self/maps``) and calls its ``openblas_set_num_threads`` under the name that build exports.
Where it finds none (another BLAS, another OS), ``single_threaded`` yields False and ``run_parts`` runs serially
(each BLAS call then uses BLAS's own threads).
"""

import contextlib
import ctypes
import os
import threading

__all__ = ["single_threaded", "run_parts"]

# (get, set) symbol names of the OpenBLAS builds NumPy wheels ship (scipy-openblas, 64-bit integers or not) and of a
# system OpenBLAS
_SYMBOLS = [
    ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
    ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
    ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
    ("openblas_get_num_threads", "openblas_set_num_threads"),
]


def _loaded_openblas():
    """(get, set) ctypes functions of the OpenBLAS this process has loaded, or None."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split(None, 5)[-1].strip() for line in maps if "openblas" in line.lower()}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            library = ctypes.CDLL(path, mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
        except (OSError, AttributeError):
            continue
        for get_name, set_name in _SYMBOLS:
            if hasattr(library, get_name) and hasattr(library, set_name):
                getter, setter = getattr(library, get_name), getattr(library, set_name)
                getter.restype, setter.restype = ctypes.c_int, None
                setter.argtypes = [ctypes.c_int]
                return getter, setter
    return None


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
            _functions, _looked = _loaded_openblas(), True
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


def run_parts(work, count, threads):
    """Call ``work(start, stop, threads_inside)`` on ``min(threads, count)`` contiguous parts of ``range(count)``,
    each on its own thread (the caller's is one of them) with single-threaded BLAS and ``threads_inside = 1``;
    return the results in order. Serial (one call over everything with ``threads_inside = threads``) when there is
    one part or BLAS's threads cannot be set. ``work`` must release the GIL for its heavy parts (NumPy's matmul and
    the kernels do) and write to disjoint places."""
    parts = max(1, min(threads, count))
    if parts > 1:
        with single_threaded() as ok:
            if ok:
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
