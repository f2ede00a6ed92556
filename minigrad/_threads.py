"""How many threads the Cython kernels may use.

The default comes from ``OMP_NUM_THREADS`` when it is set, else from the number of CPUs this process
may run on. ``set_num_threads(n)`` overrides it for the whole process. Kernels receive the number as
an argument, and run single-threaded on small inputs where starting threads costs more than it saves.
"""

import os

__all__ = ["get_num_threads", "set_num_threads"]


def _default_num_threads():
    env = os.environ.get("OMP_NUM_THREADS", "")
    if env.strip().isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


_num_threads = _default_num_threads()


def get_num_threads():
    """Return the number of threads minigrad's kernels use.

    >>> minigrad.get_num_threads() >= 1
    True
    """
    return _num_threads


def set_num_threads(n):
    """Set the number of threads minigrad's kernels use (an int >= 1).

    >>> threads = minigrad.get_num_threads()
    >>> minigrad.set_num_threads(1)
    >>> minigrad.get_num_threads()
    1
    >>> minigrad.set_num_threads(threads)
    """
    global _num_threads
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads expects a positive int, but got {n!r}")
    _num_threads = n
