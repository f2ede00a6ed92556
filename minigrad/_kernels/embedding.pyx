"""Embedding backward kernel: the rows of a gradient added into the weight rows they were read from.

row_scatter  out[r] = Σ_{k: indices[k] = r} scale[k]·values[k]   for every r < rows (0 where no index is r),
             scale None meaning all ones. values is (K, D), indices (K,), out (rows, D).

A counting sort of the indices (one serial pass over K and a prefix sum over the rows) lists, for each weight row,
the positions that read it in increasing order. The rows are then split over the threads: each thread writes its
own range of out, a row with no position zeroed, any other set to its first position's term and the later ones
added in position order. Every row of out is written exactly once, so there is no separate zero-fill of the
(rows, D) gradient, and each row's sum is one fixed sequence of additions in the values' dtype, in position
order: the result has the same bits for every run and thread count. (The NumPy twin, tests/reference/embedding.py,
adds each run with ``np.add.reduceat``, which may pair terms differently: equal up to rounding.)

Indices are checked here (an index outside [0, rows) raises IndexError, nothing is written); shapes, dtypes and
contiguity are the Python wrapper's job.

Example::

    out = np.empty((3, 2)); row_scatter(np.ones((2, 2)), np.array([2, 2]), None, out, 1)
    # out == [[0, 0], [0, 0], [2, 2]]
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.stdint cimport int64_t
from libc.string cimport memcpy, memset

import numpy as np

cdef enum:
    PARALLEL_MIN_ELEMENTS = 32768  # below this many output elements the thread start-up costs more than it saves


cdef inline void _first_term(const floating *row, const double *scale, Py_ssize_t k, floating *out,
                             Py_ssize_t size) noexcept nogil:
    """out = scale[k]·row (scale NULL: a copy)."""
    cdef Py_ssize_t j
    cdef floating s
    if scale == NULL:
        memcpy(out, row, size * sizeof(floating))
        return
    s = <floating>scale[k]
    for j in range(size):
        out[j] = row[j] * s


cdef inline void _add_term(const floating *row, const double *scale, Py_ssize_t k, floating *out,
                           Py_ssize_t size) noexcept nogil:
    """out += scale[k]·row (scale NULL: += row)."""
    cdef Py_ssize_t j
    cdef floating s
    if scale == NULL:
        for j in range(size):
            out[j] = out[j] + row[j]
        return
    s = <floating>scale[k]
    for j in range(size):
        out[j] = out[j] + row[j] * s


def row_scatter(const floating[:, ::1] values, const int64_t[::1] indices, const double[::1] scale,
                floating[:, ::1] out, int num_threads):
    """out[r] = Σ scale[k]·values[k] over the positions k with indices[k] == r (see the module docstring)."""
    cdef Py_ssize_t count = indices.shape[0], rows = out.shape[0], size = out.shape[1], k, r, p, q, stop
    cdef int64_t index
    cdef int threads = num_threads if rows >= 2 and rows * size >= PARALLEL_MIN_ELEMENTS else 1
    if values.shape[0] != count or values.shape[1] != size or (scale is not None and scale.shape[0] != count):
        raise ValueError("row_scatter: values must be (len(indices), out.shape[1]) and scale (len(indices),)")
    # starts[r]..starts[r + 1]: where row r's positions sit in order (a counting sort, stable)
    starts_array = np.zeros(rows + 1, dtype=np.int64)
    order_array = np.empty(max(count, 1), dtype=np.int64)
    cdef int64_t[::1] starts = starts_array, order = order_array
    for k in range(count):
        index = indices[k]
        if index < 0 or index >= rows:
            raise IndexError(f"index {index} is out of bounds for {rows} rows")
        starts[index + 1] += 1
    for r in range(rows):
        starts[r + 1] += starts[r]
    # place each position at the next free slot of its row, then shift the slots back to the row starts
    for k in range(count):
        order[starts[indices[k]]] = k
        starts[indices[k]] += 1
    for r in range(rows, 0, -1):
        starts[r] = starts[r - 1]
    starts[0] = 0
    if size == 0 or rows == 0:  # no row to point into
        return
    cdef const double *factors = NULL
    cdef const floating *first = NULL
    if count:
        first = &values[0, 0]
        if scale is not None:
            factors = &scale[0]
    cdef floating *target = &out[0, 0]
    for r in prange(rows, nogil=True, schedule="static", num_threads=threads):
        p = starts[r]
        stop = starts[r + 1]
        if p == stop:
            memset(target + r * size, 0, size * sizeof(floating))
            continue
        _first_term(first + order[p] * size, factors, order[p], target + r * size, size)
        for q in range(p + 1, stop):
            _add_term(first + order[q] * size, factors, order[q], target + r * size, size)
