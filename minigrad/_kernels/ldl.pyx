"""The LDLᵀ factorisation of symmetric matrices with Bunch-Kaufman pivoting, and the solve with its factors: LAPACK's
``sytf2`` and ``sytrs`` (lower triangle), one matrix per loop iteration, the batch split over threads.

Notation (0-based here; the pivots are LAPACK's 1-based): ``A = P₀ L₀ ⋯ D ⋯ L₀ᵀ P₀ᵀ``, built one step at a time.
Step ``k`` picks a 1 × 1 pivot ``A[k, k]`` or a 2 × 2 pivot block from the largest entry of column ``k`` below the
diagonal (``colmax``, in row ``imax``) and the largest off-diagonal entry of row ``imax`` (``rowmax``), with
``α = (1 + √17) / 8``: keep ``k`` when ``|A[k, k]| ≥ α·colmax`` or ``|A[k, k]|·rowmax ≥ α·colmax²``; else swap
``imax`` into place as a 1 × 1 pivot when ``|A[imax, imax]| ≥ α·rowmax``; else pair ``k`` with ``imax`` as a
2 × 2 block. The Schur complement's lower triangle is updated and the multipliers stored below the diagonal.

ldl_factor  ld (in: the matrices, lower triangle read; out: ``L`` below the diagonal and the blocks of ``D`` on it
            and on its first subdiagonal), pivots (``k + 1`` for a 1 × 1 pivot that swapped row ``k`` with row
            ``k``'s ``pivots[k] - 1``; ``-(p + 1)`` on both rows of a 2 × 2 block whose second row was swapped
            with ``p``), info (the 1-based step of the first zero pivot column, 0 when none).
ldl_solve   b (in: the right-hand sides ``(n, k)``; out: ``X`` with ``A X = B``), from ld and pivots.

Example::

    ld = np.array([[[4.0, 0.0], [2.0, 5.0]]]); pivots = np.empty((1, 2), np.int32); info = np.empty(1, np.int32)
    ldl_factor(ld, pivots, info, 1)   # ld == [[[4, 0], [0.5, 4]]], pivots == [[1, 2]], info == [0]
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport fabs, isnan, sqrt

cdef enum:
    PARALLEL_MIN_ELEMENTS = 32768  # below this many elements the thread start-up costs more than it saves


cdef inline int _threads(Py_ssize_t batch, Py_ssize_t size, int num_threads) noexcept nogil:
    if batch < 2 or batch * size < PARALLEL_MIN_ELEMENTS:
        return 1
    return num_threads


cdef inline void _swap(floating *x, floating *y) noexcept nogil:
    cdef floating t = x[0]
    x[0] = y[0]
    y[0] = t


cdef int _factor_one(floating *a, int *ipiv, Py_ssize_t n) noexcept nogil:
    """sytf2 (lower) on the row-major ``n × n`` matrix at ``a``; returns info."""
    cdef double alpha = (1.0 + sqrt(17.0)) / 8.0
    cdef Py_ssize_t k = 0, kstep, kp, kk, imax = 0, jmax, i, j
    cdef double absakk, colmax, rowmax
    cdef floating d11, d21, d22, t, wk, wkp1
    cdef int info = 0
    while k < n:
        kstep = 1
        absakk = fabs(a[k * n + k])
        colmax = 0
        if k < n - 1:
            imax = k + 1
            for i in range(k + 2, n):
                if fabs(a[i * n + k]) > fabs(a[imax * n + k]):
                    imax = i
            colmax = fabs(a[imax * n + k])
        if (absakk if absakk > colmax else colmax) == 0 or isnan(absakk):
            if info == 0:
                info = <int>(k + 1)
            kp = k
        else:
            if absakk >= alpha * colmax:
                kp = k
            else:
                jmax = k  # the largest off-diagonal entry of row imax: left of the diagonal, then below it
                for j in range(k + 1, imax):
                    if fabs(a[imax * n + j]) > fabs(a[imax * n + jmax]):
                        jmax = j
                rowmax = fabs(a[imax * n + jmax])
                if imax < n - 1:
                    jmax = imax + 1
                    for i in range(imax + 2, n):
                        if fabs(a[i * n + imax]) > fabs(a[jmax * n + imax]):
                            jmax = i
                    rowmax = max(rowmax, fabs(a[jmax * n + imax]))
                if absakk >= alpha * colmax * (colmax / rowmax):
                    kp = k
                elif fabs(a[imax * n + imax]) >= alpha * rowmax:
                    kp = imax
                else:
                    kp = imax
                    kstep = 2
            kk = k + kstep - 1
            if kp != kk:  # swap rows and columns kk and kp of the trailing lower triangle
                for i in range(kp + 1, n):
                    _swap(&a[i * n + kk], &a[i * n + kp])
                for j in range(kk + 1, kp):
                    _swap(&a[j * n + kk], &a[kp * n + j])
                _swap(&a[kk * n + kk], &a[kp * n + kp])
                if kstep == 2:
                    _swap(&a[(k + 1) * n + k], &a[kp * n + k])
            if kstep == 1:
                if k < n - 1:  # A₂₂ -= x xᵀ / d, x = the column below the pivot, then x /= d
                    d11 = 1 / a[k * n + k]
                    for j in range(k + 1, n):
                        t = d11 * a[j * n + k]
                        for i in range(j, n):
                            a[i * n + j] = a[i * n + j] - a[i * n + k] * t
                    for i in range(k + 1, n):
                        a[i * n + k] = a[i * n + k] * d11
            elif k < n - 2:  # the same with the 2 × 2 block D: A₂₂ -= X D⁻¹ Xᵀ, then X D⁻¹ stored
                d21 = a[(k + 1) * n + k]
                d11 = a[(k + 1) * n + k + 1] / d21
                d22 = a[k * n + k] / d21
                t = 1 / (d11 * d22 - 1)
                d21 = t / d21
                for j in range(k + 2, n):
                    wk = d21 * (d11 * a[j * n + k] - a[j * n + k + 1])
                    wkp1 = d21 * (d22 * a[j * n + k + 1] - a[j * n + k])
                    for i in range(j, n):
                        a[i * n + j] = a[i * n + j] - a[i * n + k] * wk - a[i * n + k + 1] * wkp1
                    a[j * n + k] = wk
                    a[j * n + k + 1] = wkp1
        if kstep == 1:
            ipiv[k] = <int>(kp + 1)
        else:
            ipiv[k] = <int>(-(kp + 1))
            ipiv[k + 1] = <int>(-(kp + 1))
        k = k + kstep
    return info


def ldl_factor(floating[:, :, ::1] ld, int[:, ::1] pivots, int[::1] info, int num_threads):
    """Factor each ``ld[b]`` in place (see the module docstring); ``pivots (B, n)`` and ``info (B,)`` are written."""
    cdef Py_ssize_t batch = ld.shape[0], n = ld.shape[1], b
    if batch == 0 or n == 0:  # no matrix to point into
        info[:] = 0
        return
    for b in prange(batch, nogil=True, schedule="static", num_threads=_threads(batch, n * n, num_threads)):
        info[b] = _factor_one(&ld[b, 0, 0], &pivots[b, 0], n)


cdef void _solve_one(const floating *a, const int *ipiv, floating *x, Py_ssize_t n, Py_ssize_t m) noexcept nogil:
    """sytrs (lower): ``x (n, m)`` row-major is overwritten with ``A⁻¹ x``."""
    cdef Py_ssize_t k = 0, kp, i, j
    cdef floating akm1k, akm1, ak, denom, bkm1, bk, s
    while k < n:  # L D y = P b, one pivot step at a time
        if ipiv[k] > 0:
            kp = ipiv[k] - 1
            if kp != k:
                for j in range(m):
                    _swap(&x[k * m + j], &x[kp * m + j])
            for i in range(k + 1, n):
                for j in range(m):
                    x[i * m + j] = x[i * m + j] - a[i * n + k] * x[k * m + j]
            for j in range(m):
                x[k * m + j] = x[k * m + j] / a[k * n + k]
            k = k + 1
        else:
            kp = -ipiv[k] - 1
            if kp != k + 1:
                for j in range(m):
                    _swap(&x[(k + 1) * m + j], &x[kp * m + j])
            for i in range(k + 2, n):
                for j in range(m):
                    x[i * m + j] = x[i * m + j] - a[i * n + k] * x[k * m + j] - a[i * n + k + 1] * x[(k + 1) * m + j]
            akm1k = a[(k + 1) * n + k]
            akm1 = a[k * n + k] / akm1k
            ak = a[(k + 1) * n + k + 1] / akm1k
            denom = akm1 * ak - 1
            for j in range(m):
                bkm1 = x[k * m + j] / akm1k
                bk = x[(k + 1) * m + j] / akm1k
                x[k * m + j] = (ak * bkm1 - bk) / denom
                x[(k + 1) * m + j] = (akm1 * bk - bkm1) / denom
            k = k + 2
    k = n - 1
    while k >= 0:  # Lᵀ z = y, undoing the swaps from the last step back
        for j in range(m):
            s = 0
            for i in range(k + 1, n):
                s = s + a[i * n + k] * x[i * m + j]
            x[k * m + j] = x[k * m + j] - s
        if ipiv[k] < 0:  # the block's first row takes the same column pass
            for j in range(m):
                s = 0
                for i in range(k + 1, n):
                    s = s + a[i * n + k - 1] * x[i * m + j]
                x[(k - 1) * m + j] = x[(k - 1) * m + j] - s
        kp = (ipiv[k] if ipiv[k] > 0 else -ipiv[k]) - 1
        if kp != k:
            for j in range(m):
                _swap(&x[k * m + j], &x[kp * m + j])
        k = k - (1 if ipiv[k] > 0 else 2)


def ldl_solve(const floating[:, :, ::1] ld, const int[:, ::1] pivots, floating[:, :, ::1] x, int num_threads):
    """Overwrite each ``x[b] (n, m)`` with ``A_b⁻¹ x[b]`` from ``ldl_factor``'s ``ld[b]`` and ``pivots[b]``."""
    cdef Py_ssize_t batch = x.shape[0], n = x.shape[1], m = x.shape[2], b
    if batch == 0 or n == 0 or m == 0:
        return
    for b in prange(batch, nogil=True, schedule="static", num_threads=_threads(batch, n * (n + m), num_threads)):
        _solve_one(&ld[b, 0, 0], &pivots[b, 0], &x[b, 0, 0], n, m)
