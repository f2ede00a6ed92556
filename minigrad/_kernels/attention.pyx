"""Blockwise attention (FlashAttention's online softmax): the row-wise steps between the block matrix products.

The caller splits the keys into blocks; for each block it computes the scores ``S = (Q·scale) Kᵀ + bias`` of a
group of (batch·head) rows with BLAS, and these kernels do the rest of the block's work in place, row by row, so
no (L, S) matrix ever exists. Notation: row ``i`` of a block holds the scores of one query against the block's
keys; ``m`` the running max, ``l`` the running sum of ``exp(s - m)``, ``acc`` the running ``Σ exp(s - m)·v``.

forward_block   p = exp(s - m_new) written over s, with m_new = max(m, max s); l = l·exp(m - m_new) + Σ p;
                acc rows scaled by exp(m - m_new) (the caller then adds p·V_block to acc). After the last block
                ``out = acc / l`` and the log-sum-exp is ``m + log l``.
backward_block  p = exp(s - lse) written over s (the probabilities, recomputed), and
                ds = p·(dp - delta) written over dp, where dp = dO·V_blockᵀ and delta = Σ dO·O per row
                (FlashAttention-2's backward); the caller turns p and ds into dV, dK and dQ.
row_dots        delta = Σ_e dO·O per row, accumulated in float64 (no float64 copy of either).

``diag`` is the causal mask: in block row ``i`` only columns ``j <= i + diag`` are allowed (a column past that is
treated as -inf: probability 0); a non-causal caller passes the block width. A row whose every score is -inf (all
masked) gets probability 0 everywhere, so its output and gradients are 0 (torch's behaviour) and its lse -inf.
The running statistics and lse/delta are float64; scores and acc are float32 or float64 (one dtype).

Example::

    s = np.zeros((1, 1, 2)); m = np.full((1, 1), -np.inf); l = np.zeros((1, 1)); acc = np.zeros((1, 1, 1))
    forward_block(s, m, l, acc, 2, 1)     # s == [[[1, 1]]], m == [[0]], l == [[2]]
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport INFINITY, exp

from minigrad._kernels.simd_exp cimport row_dot, row_exp_shift_sum, row_max, row_scale, threads_for


cdef inline Py_ssize_t _allowed(Py_ssize_t i, Py_ssize_t diag, Py_ssize_t cols) noexcept nogil:
    """How many leading columns of block row i the causal mask allows."""
    cdef Py_ssize_t n = i + diag + 1
    if n < 0:
        return 0
    return cols if n > cols else n


cdef inline void _zero(floating *x, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(n):
        x[j] = 0


def forward_block(floating[:, :, ::1] scores, double[:, ::1] row_max_, double[:, ::1] row_sum,
                  floating[:, :, ::1] acc, Py_ssize_t diag, int num_threads):
    """One key block of the online softmax, in place (see the module docstring). scores (G, R, C), row_max_ and
    row_sum (G, R), acc (G, R, E); C-contiguous arrays (the caller copies a strided block)."""
    cdef Py_ssize_t groups = scores.shape[0], rows = scores.shape[1], cols = scores.shape[2]
    cdef Py_ssize_t width = acc.shape[2], total = groups * rows, r, g, i, n
    cdef double m_old, m_new, alpha
    cdef int nt = threads_for(total, cols + width, num_threads)
    for r in prange(total, nogil=True, schedule="static", num_threads=nt):
        g = r // rows
        i = r % rows
        n = _allowed(i, diag, cols)
        m_old = row_max_[g, i]
        m_new = m_old
        if n > 0:
            m_new = row_max(&scores[g, i, 0], n)
            if m_new < m_old:
                m_new = m_old
        if m_new == -INFINITY:  # nothing allowed so far: probabilities 0, statistics unchanged
            _zero(&scores[g, i, 0], cols)
            continue
        alpha = exp(m_old - m_new)
        row_sum[g, i] = row_sum[g, i] * alpha + row_exp_shift_sum(&scores[g, i, 0], <floating>m_new,
                                                                  &scores[g, i, 0], n)
        _zero(&scores[g, i, 0] + n, cols - n)
        row_max_[g, i] = m_new
        if alpha != 1:
            row_scale(&acc[g, i, 0], <floating>alpha, width)


def backward_block(floating[:, :, ::1] scores, floating[:, :, ::1] dp, const double[:, ::1] lse,
                   const double[:, ::1] delta, Py_ssize_t diag, int num_threads):
    """One key block of the backward, in place: scores → p = exp(s - lse), dp → p·(dp - delta). scores and dp
    (G, R, C), lse and delta (G, R)."""
    cdef Py_ssize_t groups = scores.shape[0], rows = scores.shape[1], cols = scores.shape[2]
    cdef Py_ssize_t total = groups * rows, r, g, i, j, n
    cdef floating d
    cdef floating *p
    cdef floating *q
    cdef int nt = threads_for(total, cols, num_threads)
    for r in prange(total, nogil=True, schedule="static", num_threads=nt):
        g = r // rows
        i = r % rows
        n = _allowed(i, diag, cols)
        p = &scores[g, i, 0]
        q = &dp[g, i, 0]
        if lse[g, i] == -INFINITY:  # an all-masked row
            n = 0
        row_exp_shift_sum(p, <floating>lse[g, i], p, n)
        d = <floating>delta[g, i]
        for j in range(n):
            q[j] = p[j] * (q[j] - d)
        _zero(p + n, cols - n)
        _zero(q + n, cols - n)


def row_dots(const floating[:, :, ::1] a, const floating[:, :, ::1] b, double[:, ::1] out, int num_threads):
    """``out[n, l] = Σ_e a[n, l, e]·b[n, l, e]`` accumulated in float64; a and b (N, L, E), out (N, L)."""
    cdef Py_ssize_t heads = a.shape[0], rows = a.shape[1], width = a.shape[2], total = heads * rows, r
    cdef int nt = threads_for(total, width, num_threads)
    if width == 0:  # (no element to address: &a[..., 0] would be out of bounds)
        out[:, :] = 0
        return
    for r in prange(total, nogil=True, schedule="static", num_threads=nt):
        out[r // rows, r % rows] = row_dot(&a[r // rows, r % rows, 0], &b[r // rows, r % rows, 0], width)
