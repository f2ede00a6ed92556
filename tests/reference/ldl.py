"""Plain NumPy twins of the LDLᵀ kernels (``minigrad._kernels.ldl``), written to be read: Bunch-Kaufman pivoting on
one symmetric matrix (its lower triangle), and the solve with the factors. Indices are 0-based; the pivots are
LAPACK's 1-based format (negative on both rows of a 2 × 2 block)."""

import numpy as np

__all__ = ["ldl_factor", "ldl_solve"]

ALPHA = (1 + np.sqrt(17)) / 8  # the growth bound Bunch and Kaufman chose


def _first_argmax(values):
    return int(np.argmax(np.abs(values)))


def _choose_pivot(a, k):
    """``(kp, size)``: the row to bring to ``k`` (or ``k + 1`` for a 2 × 2 block) and the block size; ``size`` is 0
    when column ``k`` is all zero."""
    n = a.shape[0]
    absakk = abs(a[k, k])
    imax, colmax = k, 0.0
    if k < n - 1:
        imax = k + 1 + _first_argmax(a[k + 1 :, k])
        colmax = abs(a[imax, k])
    if max(absakk, colmax) == 0 or np.isnan(absakk):
        return k, 0
    if absakk >= ALPHA * colmax:
        return k, 1
    row = np.concatenate([a[imax, k:imax], a[imax + 1 :, imax]])  # row imax's off-diagonal entries
    rowmax = np.abs(row).max()
    if absakk * rowmax >= ALPHA * colmax * colmax:
        return k, 1
    if abs(a[imax, imax]) >= ALPHA * rowmax:
        return imax, 1
    return imax, 2


def _symmetric_swap(a, k, i, j):
    """Swap rows and columns ``i < j`` of the trailing lower triangle ``a[k:, k:]``."""
    full = np.tril(a[k:, k:]) + np.tril(a[k:, k:], -1).T
    order = np.arange(full.shape[0])
    order[i - k], order[j - k] = j - k, i - k
    a[k:, k:] = np.tril(full[np.ix_(order, order)]) + np.triu(a[k:, k:], 1)


def ldl_factor(A):
    """``(LD, pivots, info)`` of one symmetric matrix (lower triangle read), LD's upper triangle zeroed."""
    a = np.tril(np.array(A, dtype=np.float64))
    n = a.shape[0]
    pivots = np.zeros(n, np.int32)
    info, k = 0, 0
    while k < n:
        kp, size = _choose_pivot(a, k)
        if size == 0:
            info = info or k + 1
            pivots[k] = k + 1
            k += 1
            continue
        last = k + size - 1
        if kp != last:
            _symmetric_swap(a, k, last, kp)
        D = np.tril(a[k : k + size, k : k + size]) + np.tril(a[k : k + size, k : k + size], -1).T
        X = a[k + size :, k : k + size]
        multipliers = X @ np.linalg.inv(D)
        a[k + size :, k + size :] -= np.tril(multipliers @ X.T)
        a[k + size :, k : k + size] = multipliers
        pivots[k : k + size] = kp + 1 if size == 1 else -(kp + 1)
        k += size
    return a, pivots, info


def ldl_solve(LD, pivots, B):
    """``X`` with ``A X = B`` from ``ldl_factor``'s output: the factorisation replayed as ``A = M D Mᵀ`` with
    ``M = P₀ L₀ P₁ L₁ ⋯``, then ``X = M⁻ᵀ D⁻¹ M⁻¹ B``."""
    n = LD.shape[0]
    M, D = np.eye(n), np.zeros((n, n))
    k = 0
    while k < n:
        size = 1 if pivots[k] > 0 else 2
        kp = abs(int(pivots[k])) - 1
        P = np.eye(n)
        P[[k + size - 1, kp]] = P[[kp, k + size - 1]]
        L = np.eye(n)
        L[k + size :, k : k + size] = LD[k + size :, k : k + size]
        M = M @ P @ L
        block = np.tril(LD[k : k + size, k : k + size])
        D[k : k + size, k : k + size] = block + np.tril(block, -1).T
        k += size
    return np.linalg.solve(M.T, np.linalg.solve(D, np.linalg.solve(M, np.asarray(B, np.float64))))
