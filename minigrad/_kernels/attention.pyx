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

flash_forward / flash_backward do a whole attention without a bias, the block products included: each block's
GEMMs go to NumPy's OpenBLAS from C (``cblas.pxd``; the caller checks ``_blas.cblas_ready()`` and keeps OpenBLAS
single-threaded), so a tile of scores is made, used and dropped while it is in cache and no Python runs per block.
The forward splits (head, query tile) pairs over the threads; the backward splits heads (FlashAttention-2's loop
order: a key tile outer, its dK and dV accumulated in place while every query tile below it passes, and dQ
accumulated in the head's own rows, so no thread writes where another does).

For short sequences flash_forward may store the probabilities ``P`` (``probs``) and flash_backward read them
back instead of recomputing them (one GEMM and one exponential per score fewer, for B·H·L·S values of memory).

``diag`` is the causal mask: in block row ``i`` only columns ``j <= i + diag`` are allowed (a column past that is
treated as -inf: probability 0); a non-causal caller passes the block width. A row whose every score is -inf (all
masked) gets probability 0 everywhere, so its output and gradients are 0 (torch's behaviour) and its lse -inf.
The running statistics and lse/delta are float64; scores and acc are float32 or float64 (one dtype).

Example::

    s = np.zeros((1, 1, 2)); m = np.full((1, 1), -np.inf); l = np.zeros((1, 1)); acc = np.zeros((1, 1, 1))
    forward_block(s, m, l, acc, 2, 1)     # s == [[[1, 1]]], m == [[0]], l == [[2]]
"""
from cython cimport floating
from cython.parallel cimport parallel, prange
from libc.math cimport INFINITY, exp, log
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy

from minigrad._kernels.cblas cimport gemm
from minigrad._kernels.simd_exp cimport row_dot, row_exp_shift_sum, row_max, row_scale, threads_for


cdef inline Py_ssize_t _allowed(Py_ssize_t i, Py_ssize_t diag, Py_ssize_t cols) noexcept nogil:
    """How many leading columns of block row i the causal mask allows."""
    cdef Py_ssize_t n = i + diag + 1
    if n < 0:
        return 0
    return cols if n > cols else n


cdef inline void _multiply(floating *x, const floating *factors, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(n):
        x[j] *= factors[j]


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


cdef inline Py_ssize_t _columns(bint causal, Py_ssize_t query, Py_ssize_t key0, Py_ssize_t cols) noexcept nogil:
    """How many leading keys of a tile starting at key ``key0`` query ``query`` may see."""
    return _allowed(query, -key0, cols) if causal else cols


cdef void _forward_tile(const floating *q, Py_ssize_t ldq, const floating *k, Py_ssize_t ldk, const floating *v,
                        Py_ssize_t ldv, floating *out, Py_ssize_t ldo, double *lse, Py_ssize_t i0, Py_ssize_t rows,
                        Py_ssize_t source, Py_ssize_t dim, Py_ssize_t vdim, Py_ssize_t block, bint causal,
                        floating scale, const floating *keep, floating *s, double *m, double *l,
                        floating *probs) noexcept nogil:
    """Queries ``i0:i0+rows`` of one head: ``q``, ``out`` and ``lse`` point at the tile's first row, ``k`` and
    ``v`` at the head's first key, ``ld*`` their row strides; ``keep`` NULL or the tile's first row of the
    head's (L, S) dropout factors; ``s`` is a (rows, block) scratch tile, ``m`` and ``l`` (rows,) scratch.
    ``probs`` NULL, or the tile's first row of the head's (L, S) probabilities to store (undropped, zero where
    masked) for the backward: then ``block`` is ``source`` (one key tile, so each row's max is final when its
    exponentials are taken) and, without ``keep``, ``s`` is ``probs`` itself."""
    cdef Py_ssize_t stop = source, tile, j0, cols, r, n
    cdef double m_new, alpha
    cdef floating *row
    if causal and i0 + rows < stop:  # the keys past the tile's last query are masked for all of it
        stop = i0 + rows
    for r in range(rows):
        m[r] = -INFINITY
        l[r] = 0
        _zero(out + r * ldo, vdim)
    for tile in range((stop + block - 1) // block):
        j0 = tile * block
        cols = block if stop - j0 > block else stop - j0
        gemm(False, True, rows, cols, dim, scale, q, ldq, k + j0 * ldk, ldk, 0, s, block)
        for r in range(rows):
            row = s + r * block
            n = _columns(causal, i0 + r, j0, cols)
            m_new = m[r]
            if n > 0:
                m_new = row_max(row, n)
                if m_new < m[r]:
                    m_new = m[r]
            if m_new == -INFINITY:
                _zero(row, cols)
                continue
            alpha = exp(m[r] - m_new)
            l[r] = l[r] * alpha + row_exp_shift_sum(row, <floating>m_new, row, n)
            _zero(row + n, cols - n)
            if probs != NULL and keep != NULL:  # (without keep, s is probs)
                memcpy(probs + r * source, row, cols * sizeof(floating))
            if keep != NULL:  # dropout after the softmax: its sum l is the undropped one
                _multiply(row, keep + r * source + j0, n)
            m[r] = m_new
            if alpha != 1:
                row_scale(out + r * ldo, <floating>alpha, vdim)
        gemm(False, False, rows, vdim, cols, 1, s, block, v + j0 * ldv, ldv, 1, out, ldo)
    for r in range(rows):
        if l[r] == 0:  # every key masked: output 0 (never written), lse -inf
            lse[r] = -INFINITY
        else:
            row_scale(out + r * ldo, <floating>(1.0 / l[r]), vdim)
            lse[r] = m[r] + log(l[r])
        if probs != NULL:  # exp(s - m) → exp(s - lse); every key past ``stop`` (and an all-masked row) → 0
            if l[r] == 0:
                _zero(probs + r * source, source)
            else:
                row_scale(probs + r * source, <floating>(1.0 / l[r]), stop)
                _zero(probs + r * source + stop, source - stop)


def flash_forward(const floating[:, :, :, :] q, const floating[:, :, :, :] k, const floating[:, :, :, :] v,
                  floating[:, :, :, :] out, double[:, :, ::1] lse, Py_ssize_t row_block, Py_ssize_t col_block,
                  bint causal, double scale, int num_threads, const floating[:, :, :, ::1] keep=None,
                  floating[:, :, :, ::1] probs=None):
    """out (B, H, L, Ev) and lse (B, H, L) of ``softmax(q kᵀ·scale) v`` (top-left causal when ``causal``) from
    q (B, H, L, E), k (B, H, S, E), v (B, H, S, Ev), each with any strides but a contiguous last dim (the
    caller's guarantee: BLAS reads rows; a head split of a sequence-first projection is read in place);
    E, Ev, L, S >= 1. Query tiles of ``row_block`` rows, key tiles of ``col_block``. ``keep`` (B, H, L, S), when
    given, multiplies the probabilities after the softmax (dropout: 0 or 1/(1-p)); lse stays the undropped one.
    ``probs`` (B, H, L, S), when given, receives the (undropped) probabilities for flash_backward to reuse
    instead of recomputing them; the keys are then taken in one tile per query tile."""
    cdef Py_ssize_t batch = q.shape[0], heads = q.shape[1], length = q.shape[2], dim = q.shape[3]
    cdef Py_ssize_t source = k.shape[2], vdim = v.shape[3], tiles = (length + row_block - 1) // row_block
    cdef Py_ssize_t total = batch * heads * tiles, t, b, h, i0, rows
    cdef Py_ssize_t ldq = q.strides[2] // sizeof(floating), ldk = k.strides[2] // sizeof(floating)
    cdef Py_ssize_t ldv = v.strides[2] // sizeof(floating), ldo = out.strides[2] // sizeof(floating)
    cdef floating *s = NULL
    cdef double *stats = NULL
    cdef bint dropped = keep is not None, stored = probs is not None
    cdef Py_ssize_t block = source if stored else col_block
    cdef int nt = num_threads if num_threads < total else <int>total
    with nogil, parallel(num_threads=nt):
        s = <floating *>malloc(row_block * block * sizeof(floating))
        stats = <double *>malloc(2 * row_block * sizeof(double))
        for t in prange(total, schedule="dynamic"):
            b = t // (heads * tiles)
            h = (t // tiles) % heads
            i0 = (t % tiles) * row_block
            rows = row_block if length - i0 > row_block else length - i0
            _forward_tile(&q[b, h, i0, 0], ldq, &k[b, h, 0, 0], ldk, &v[b, h, 0, 0], ldv, &out[b, h, i0, 0], ldo,
                          &lse[b, h, i0], i0, rows, source, dim, vdim, block, causal, <floating>scale,
                          &keep[b, h, i0, 0] if dropped else NULL,
                          &probs[b, h, i0, 0] if stored and not dropped else s, stats, stats + row_block,
                          &probs[b, h, i0, 0] if stored else NULL)
        free(s)
        free(stats)


cdef struct _Rows:
    # one head of a (.., rows, cols) array with a contiguous last dim: its first element and its row stride
    void *data
    Py_ssize_t ld


cdef void _backward_head(_Rows q, _Rows k, _Rows v, _Rows out, _Rows dout, _Rows dq, _Rows dk, _Rows dv,
                         const double *lse, double *delta, Py_ssize_t length, Py_ssize_t source, Py_ssize_t dim,
                         Py_ssize_t vdim, Py_ssize_t row_block, Py_ssize_t col_block, bint causal, floating scale,
                         const floating *keep, floating *p, floating *ds, const floating *probs) noexcept nogil:
    """One head's dq, dk, dv (FlashAttention-2): δ = Σ dO·O per query, then for each key tile, every query tile
    that may see it recomputes its probabilities P = exp(S - lse), then dV += Pᵀ dO, dS = P·(dO Vᵀ - δ),
    dQ += dS K·scale, dK += dSᵀ Q·scale. With dropout factors ``keep`` (the head's (L, S), or NULL) the output
    used P⊙keep: dV takes P⊙keep and dS = P·(dP⊙keep - δ) (δ = Σ dO·O still). ``p`` and ``ds`` are
    (row_block, col_block) scratch tiles, ``delta`` (length,) scratch. ``probs``: NULL, or the head's (L, S)
    probabilities stored by the forward, read in place of the recomputation (never written: a second backward
    reads them again); with ``keep``, P⊙keep then goes to the scratch ``p``."""
    cdef Py_ssize_t j0, i0, first, tile, row_tile, cols, rows, r, c, n, ldp
    cdef floating d
    cdef floating *tile_p
    cdef floating *prow
    cdef floating *drow
    cdef floating *qp = <floating *>q.data
    cdef floating *kp = <floating *>k.data
    cdef floating *vp = <floating *>v.data
    cdef floating *gp = <floating *>dout.data
    cdef floating *dqp = <floating *>dq.data
    cdef floating *dkp = <floating *>dk.data
    cdef floating *dvp = <floating *>dv.data
    for r in range(length):
        delta[r] = row_dot(<floating *>out.data + r * out.ld, gp + r * dout.ld, vdim)
        _zero(dqp + r * dq.ld, dim)
    for r in range(source):
        _zero(dkp + r * dk.ld, dim)
        _zero(dvp + r * dv.ld, vdim)
    for tile in range((source + col_block - 1) // col_block):
        j0 = tile * col_block
        cols = col_block if source - j0 > col_block else source - j0
        # a causal run starts at the query tile holding query j0: the ones above it see none of these keys
        first = j0 // row_block if causal else 0
        for row_tile in range(first, (length + row_block - 1) // row_block):
            i0 = row_tile * row_block
            rows = row_block if length - i0 > row_block else length - i0
            if probs == NULL:
                gemm(False, True, rows, cols, dim, scale, qp + i0 * q.ld, q.ld, kp + j0 * k.ld, k.ld, 0, p,
                     col_block)
                tile_p, ldp = p, col_block
            else:
                tile_p, ldp = <floating *>probs + i0 * source + j0, source
            gemm(False, True, rows, cols, vdim, 1, gp + i0 * dout.ld, dout.ld, vp + j0 * v.ld, v.ld, 0, ds,
                 col_block)
            for r in range(rows):
                prow = tile_p + r * ldp
                drow = ds + r * col_block
                n = _columns(causal, i0 + r, j0, cols)
                if lse[i0 + r] == -INFINITY:  # an all-masked query: no probability, no gradient
                    n = 0
                if probs == NULL:
                    row_exp_shift_sum(prow, <floating>lse[i0 + r], prow, n)
                d = <floating>delta[i0 + r]
                if keep != NULL:
                    _multiply(drow, keep + (i0 + r) * source + j0, n)
                for c in range(n):
                    drow[c] = prow[c] * (drow[c] - d)
                if keep != NULL and probs != NULL:  # the stored P stays as it is: P⊙keep in the scratch
                    for c in range(n):
                        p[r * col_block + c] = prow[c] * keep[(i0 + r) * source + j0 + c]
                    _zero(p + r * col_block + n, cols - n)
                elif probs == NULL:  # (stored probabilities are already 0 past n)
                    if keep != NULL:
                        _multiply(prow, keep + (i0 + r) * source + j0, n)
                    _zero(prow + n, cols - n)
                _zero(drow + n, cols - n)
            if keep != NULL:
                tile_p, ldp = p, col_block
            gemm(True, False, cols, vdim, rows, 1, tile_p, ldp, gp + i0 * dout.ld, dout.ld, 1, dvp + j0 * dv.ld,
                 dv.ld)
            gemm(False, False, rows, dim, cols, scale, ds, col_block, kp + j0 * k.ld, k.ld, 1, dqp + i0 * dq.ld,
                 dq.ld)
            gemm(True, False, cols, dim, rows, scale, ds, col_block, qp + i0 * q.ld, q.ld, 1, dkp + j0 * dk.ld,
                 dk.ld)


cdef inline _Rows _head(const floating *first, Py_ssize_t stride) noexcept nogil:
    cdef _Rows rows
    rows.data = <void *>first
    rows.ld = stride // sizeof(floating)
    return rows


def flash_backward(const floating[:, :, :, :] q, const floating[:, :, :, :] k, const floating[:, :, :, :] v,
                   const floating[:, :, :, :] out, const floating[:, :, :, :] dout, const double[:, :, ::1] lse,
                   floating[:, :, :, :] dq, floating[:, :, :, :] dk, floating[:, :, :, :] dv,
                   Py_ssize_t row_block, Py_ssize_t col_block, bint causal, double scale, int num_threads,
                   const floating[:, :, :, ::1] keep=None, const floating[:, :, :, ::1] probs=None):
    """dq, dk, dv of flash_forward's attention given its out, lse and the output's gradient dout (B, H, L, Ev),
    all (B, H, rows, cols) with a contiguous last dim, the same ``keep`` and, when the forward stored them, its
    ``probs``; the (batch, head) pairs split over the threads."""
    cdef Py_ssize_t batch = q.shape[0], heads = q.shape[1], length = q.shape[2], dim = q.shape[3]
    cdef Py_ssize_t source = k.shape[2], vdim = v.shape[3], total = batch * heads, t, b, h
    cdef floating *p = NULL
    cdef double *delta = NULL
    cdef bint dropped = keep is not None, stored = probs is not None
    cdef int nt = num_threads if num_threads < total else <int>total
    with nogil, parallel(num_threads=nt):
        p = <floating *>malloc(2 * row_block * col_block * sizeof(floating))
        delta = <double *>malloc(length * sizeof(double))
        for t in prange(total, schedule="dynamic"):
            b = t // heads
            h = t % heads
            _backward_head(_head(&q[b, h, 0, 0], q.strides[2]), _head(&k[b, h, 0, 0], k.strides[2]),
                           _head(&v[b, h, 0, 0], v.strides[2]), _head(&out[b, h, 0, 0], out.strides[2]),
                           _head(&dout[b, h, 0, 0], dout.strides[2]), _head(&dq[b, h, 0, 0], dq.strides[2]),
                           _head(&dk[b, h, 0, 0], dk.strides[2]), _head(&dv[b, h, 0, 0], dv.strides[2]),
                           &lse[b, h, 0], delta, length, source, dim, vdim, row_block, col_block, causal,
                           <floating>scale, &keep[b, h, 0, 0] if dropped else NULL, p, p + row_block * col_block,
                           &probs[b, h, 0, 0] if stored else NULL)
        free(p)
        free(delta)
