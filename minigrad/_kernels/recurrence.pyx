"""A recurrent layer's time steps over the batch: the gate nonlinearities and the state update (forward), and their
derivatives (backward through time), each one fused pass over the rows; and the whole time loop of one direction of
one layer in one call without the GIL, each step's hidden product through BLAS (``cblas``). The products over all
steps at once (the input projection, the weight gradients) stay with the caller (``minigrad.ops.recurrence``),
which also keeps a NumPy time loop over the step kernels for when ``cblas`` cannot be bound; the reference twin is
``tests/reference/recurrence.py``.

Notation, per row (σ the sigmoid, ⊙ elementwise): ``gx`` is the step's input projection ``W_ih x + b_ih``, ``gh`` its
hidden projection ``W_hh h_prev`` (without bias), ``bias`` the hidden bias ``b_hh`` (zeros when the layer has none).

lstm_forward    a = gx + gh + bias split as i, f, g, o;  gates = [σ(i), σ(f), tanh(g), σ(o)];
                c = σ(f)·c_prev + σ(i)·tanh(g);  h = σ(o)·tanh(c)
lstm_backward   from dh (gradient of h) and dc (of c, overwritten by that of c_prev): the gradient of a (dgates)
gru_forward     r, z = σ(gx_r + gh_r + b_r), σ(gx_z + gh_z + b_z);  hn = gh_n + b_n;  n = tanh(gx_n + r·hn);
                h = (1 - z)·n + z·h_prev;  gates = [r, z, n]
gru_backward    from dh: the gradients of gx (dgx), of gh (dgh; its n part is r·dgx_n) and the direct part z·dh of
                that of h_prev
rnn_forward     h = tanh(gx + gh + bias) (ReLU when ``relu``)
rnn_backward    the gradient of the pre-activation from dh and h

The ``*_sequence_*`` functions run those steps over a packed sequence: step ``t`` covers rows ``starts[t]`` to
``starts[t] + counts[t]`` of the (S, ·) arrays (in the order the recurrence visits them) and the first ``counts[t]``
rows of the state; per step ``gh = h_prev @ W_hhᵀ`` (forward) and ``dh_prev = dgh @ W_hh`` (backward) are one GEMM.

Arrays are C-contiguous (rows, ·); the caller allocates every output. The per-row loops are C (recurrence_rows.h:
sigmoid and tanh on a vectorised exp); this file splits the rows over threads.

Example::

    gates = np.empty((2, 8)); c = np.empty((2, 2)); h = np.empty((2, 2))
    lstm_forward(gx, gh, bias, c_prev, gates, c, h, 1)
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy

from minigrad._kernels.cblas cimport gemm

cdef extern from "recurrence_rows.h" nogil:
    void mgr_lstm_forward_f32(const float *gx, const float *gh, const float *b, const float *c_prev, float *gates,
                              float *c, float *h, Py_ssize_t n)
    void mgr_lstm_forward_f64(const double *gx, const double *gh, const double *b, const double *c_prev,
                              double *gates, double *c, double *h, Py_ssize_t n)
    void mgr_lstm_backward_f32(const float *dh, float *dc, const float *gates, const float *c, const float *c_prev,
                               float *dgates, Py_ssize_t n)
    void mgr_lstm_backward_f64(const double *dh, double *dc, const double *gates, const double *c,
                               const double *c_prev, double *dgates, Py_ssize_t n)
    void mgr_gru_forward_f32(const float *gx, const float *gh, const float *b, const float *h_prev, float *gates,
                             float *hn, float *h, Py_ssize_t n)
    void mgr_gru_forward_f64(const double *gx, const double *gh, const double *b, const double *h_prev,
                             double *gates, double *hn, double *h, Py_ssize_t n)
    void mgr_gru_backward_f32(const float *dh, const float *gates, const float *hn, const float *h_prev, float *dgx,
                              float *dgh, float *direct, Py_ssize_t n)
    void mgr_gru_backward_f64(const double *dh, const double *gates, const double *hn, const double *h_prev,
                              double *dgx, double *dgh, double *direct, Py_ssize_t n)
    void mgr_rnn_forward_f32(const float *gx, const float *gh, const float *b, int relu, float *h, Py_ssize_t n)
    void mgr_rnn_forward_f64(const double *gx, const double *gh, const double *b, int relu, double *h,
                             Py_ssize_t n)
    void mgr_rnn_backward_f32(const float *dh, const float *h, int relu, float *dpre, Py_ssize_t n)
    void mgr_rnn_backward_f64(const double *dh, const double *h, int relu, double *dpre, Py_ssize_t n)

cdef extern from "thin_gemm.h" nogil:
    int mg_thin_gemm_available()
    Py_ssize_t mg_thin_packed_size_f32(Py_ssize_t k, Py_ssize_t n)
    Py_ssize_t mg_thin_packed_size_f64(Py_ssize_t k, Py_ssize_t n)
    void mg_thin_pack_f32(const float *b, Py_ssize_t ldb, Py_ssize_t k, Py_ssize_t n, float *packed)
    void mg_thin_pack_f64(const double *b, Py_ssize_t ldb, Py_ssize_t k, Py_ssize_t n, double *packed)
    void mg_thin_gemm_f32(Py_ssize_t m, Py_ssize_t n, Py_ssize_t k, const float *a, Py_ssize_t lda,
                          const float *packed, float *c, Py_ssize_t ldc, int accumulate)
    void mg_thin_gemm_f64(Py_ssize_t m, Py_ssize_t n, Py_ssize_t k, const double *a, Py_ssize_t lda,
                          const double *packed, double *c, Py_ssize_t ldc, int accumulate)

cdef enum:
    PARALLEL_MIN_ELEMENTS = 32768  # below this many elements the thread start-up costs more than it saves


cdef inline int _threads(Py_ssize_t rows, Py_ssize_t size, int num_threads) noexcept nogil:
    if rows < 2 or rows * size < PARALLEL_MIN_ELEMENTS:
        return 1
    return num_threads


# The row loops, on raw pointers to C-contiguous rows (so the time loops below can point them at any step's rows).

cdef void _lstm_rows(const floating *gx, const floating *gh, const floating *bias, const floating *c_prev,
                     floating *gates, floating *c, floating *h, Py_ssize_t rows, Py_ssize_t size,
                     int num_threads) noexcept nogil:
    cdef Py_ssize_t n, g = 4 * size
    for n in prange(rows, schedule="static", num_threads=_threads(rows, g, num_threads)):
        if floating is float:
            mgr_lstm_forward_f32(gx + n * g, gh + n * g, bias, c_prev + n * size, gates + n * g, c + n * size,
                                 h + n * size, size)
        else:
            mgr_lstm_forward_f64(gx + n * g, gh + n * g, bias, c_prev + n * size, gates + n * g, c + n * size,
                                 h + n * size, size)


cdef void _lstm_back_rows(const floating *dh, floating *dc, const floating *gates, const floating *c,
                          const floating *c_prev, floating *dgates, Py_ssize_t rows, Py_ssize_t size,
                          int num_threads) noexcept nogil:
    cdef Py_ssize_t n, g = 4 * size
    for n in prange(rows, schedule="static", num_threads=_threads(rows, g, num_threads)):
        if floating is float:
            mgr_lstm_backward_f32(dh + n * size, dc + n * size, gates + n * g, c + n * size, c_prev + n * size,
                                  dgates + n * g, size)
        else:
            mgr_lstm_backward_f64(dh + n * size, dc + n * size, gates + n * g, c + n * size, c_prev + n * size,
                                  dgates + n * g, size)


cdef void _gru_rows(const floating *gx, const floating *gh, const floating *bias, const floating *h_prev,
                    floating *gates, floating *hn, floating *h, Py_ssize_t rows, Py_ssize_t size,
                    int num_threads) noexcept nogil:
    cdef Py_ssize_t n, g = 3 * size
    for n in prange(rows, schedule="static", num_threads=_threads(rows, g, num_threads)):
        if floating is float:
            mgr_gru_forward_f32(gx + n * g, gh + n * g, bias, h_prev + n * size, gates + n * g, hn + n * size,
                                h + n * size, size)
        else:
            mgr_gru_forward_f64(gx + n * g, gh + n * g, bias, h_prev + n * size, gates + n * g, hn + n * size,
                                h + n * size, size)


cdef void _gru_back_rows(const floating *dh, const floating *gates, const floating *hn, const floating *h_prev,
                         floating *dgx, floating *dgh, floating *direct, Py_ssize_t rows, Py_ssize_t size,
                         int num_threads) noexcept nogil:
    cdef Py_ssize_t n, g = 3 * size
    for n in prange(rows, schedule="static", num_threads=_threads(rows, g, num_threads)):
        if floating is float:
            mgr_gru_backward_f32(dh + n * size, gates + n * g, hn + n * size, h_prev + n * size, dgx + n * g,
                                 dgh + n * g, direct + n * size, size)
        else:
            mgr_gru_backward_f64(dh + n * size, gates + n * g, hn + n * size, h_prev + n * size, dgx + n * g,
                                 dgh + n * g, direct + n * size, size)


cdef void _rnn_rows(const floating *gx, const floating *gh, const floating *bias, bint relu, floating *h,
                    Py_ssize_t rows, Py_ssize_t size, int num_threads) noexcept nogil:
    cdef Py_ssize_t n
    for n in prange(rows, schedule="static", num_threads=_threads(rows, size, num_threads)):
        if floating is float:
            mgr_rnn_forward_f32(gx + n * size, gh + n * size, bias, relu, h + n * size, size)
        else:
            mgr_rnn_forward_f64(gx + n * size, gh + n * size, bias, relu, h + n * size, size)


cdef void _rnn_back_rows(const floating *dh, const floating *h, bint relu, floating *dpre, Py_ssize_t rows,
                         Py_ssize_t size, int num_threads) noexcept nogil:
    cdef Py_ssize_t n
    for n in prange(rows, schedule="static", num_threads=_threads(rows, size, num_threads)):
        if floating is float:
            mgr_rnn_backward_f32(dh + n * size, h + n * size, relu, dpre + n * size, size)
        else:
            mgr_rnn_backward_f64(dh + n * size, h + n * size, relu, dpre + n * size, size)


# One time step each, for the NumPy time loop and the tests.

def lstm_forward(const floating[:, ::1] gx, const floating[:, ::1] gh, const floating[::1] bias,
                 const floating[:, ::1] c_prev, floating[:, ::1] gates, floating[:, ::1] c, floating[:, ::1] h,
                 int num_threads):
    """One LSTM step: ``gates`` (rows, 4H) activated, the new cell ``c`` and hidden ``h`` (rows, H)."""
    with nogil:
        _lstm_rows(&gx[0, 0], &gh[0, 0], &bias[0], &c_prev[0, 0], &gates[0, 0], &c[0, 0], &h[0, 0], c.shape[0],
                   c.shape[1], num_threads)


def lstm_backward(const floating[:, ::1] dh, floating[:, ::1] dc, const floating[:, ::1] gates,
                  const floating[:, ::1] c, const floating[:, ::1] c_prev, floating[:, ::1] dgates,
                  int num_threads):
    """Gradient of the pre-activations ``dgates`` (rows, 4H) from ``dh`` and ``dc``; ``dc`` becomes that of
    ``c_prev``."""
    with nogil:
        _lstm_back_rows(&dh[0, 0], &dc[0, 0], &gates[0, 0], &c[0, 0], &c_prev[0, 0], &dgates[0, 0], dh.shape[0],
                        dh.shape[1], num_threads)


def gru_forward(const floating[:, ::1] gx, const floating[:, ::1] gh, const floating[::1] bias,
                const floating[:, ::1] h_prev, floating[:, ::1] gates, floating[:, ::1] hn, floating[:, ::1] h,
                int num_threads):
    """One GRU step: ``gates`` = [r, z, n] (rows, 3H), ``hn`` = W_hn h_prev + b_hn and the new ``h`` (rows, H)."""
    with nogil:
        _gru_rows(&gx[0, 0], &gh[0, 0], &bias[0], &h_prev[0, 0], &gates[0, 0], &hn[0, 0], &h[0, 0], h.shape[0],
                  h.shape[1], num_threads)


def gru_backward(const floating[:, ::1] dh, const floating[:, ::1] gates, const floating[:, ::1] hn,
                 const floating[:, ::1] h_prev, floating[:, ::1] dgx, floating[:, ::1] dgh, floating[:, ::1] dh_prev,
                 int num_threads):
    """Gradients of the input projection ``dgx`` and of the hidden one ``dgh`` (rows, 3H), and the direct part
    ``z·dh`` of the gradient of ``h_prev`` (the caller adds ``dgh W_hh``)."""
    with nogil:
        _gru_back_rows(&dh[0, 0], &gates[0, 0], &hn[0, 0], &h_prev[0, 0], &dgx[0, 0], &dgh[0, 0], &dh_prev[0, 0],
                       dh.shape[0], dh.shape[1], num_threads)


def rnn_forward(const floating[:, ::1] gx, const floating[:, ::1] gh, const floating[::1] bias, bint relu,
                floating[:, ::1] h, int num_threads):
    """One Elman step: ``h = tanh(gx + gh + bias)`` (``max(·, 0)`` with ``relu``)."""
    with nogil:
        _rnn_rows(&gx[0, 0], &gh[0, 0], &bias[0], relu, &h[0, 0], h.shape[0], h.shape[1], num_threads)


def rnn_backward(const floating[:, ::1] dh, const floating[:, ::1] h, bint relu, floating[:, ::1] dpre,
                 int num_threads):
    """Gradient of the pre-activation: ``dh·(1 - h²)`` (``dh·[h > 0]`` with ``relu``)."""
    with nogil:
        _rnn_back_rows(&dh[0, 0], &h[0, 0], relu, &dpre[0, 0], h.shape[0], h.shape[1], num_threads)


# The whole time loop. Only the first ``counts[t]`` rows of a state take part in step t; the saved per-step arrays
# (h_prev, gates, ...) hold each step's rows where the packed input has them. The sequences are independent, so
# ``parts`` threads each run the whole loop over their own share of them (rows ``lo`` to ``hi`` of the batch) with
# no synchronisation between steps; BLAS must then be single-threaded (the caller's business).

cdef inline void _copy(floating *to, const floating *source, Py_ssize_t count) noexcept nogil:
    memcpy(to, source, count * sizeof(floating))


cdef inline void _add(floating *to, const floating *source, Py_ssize_t count) noexcept nogil:
    cdef Py_ssize_t k
    for k in range(count):
        to[k] += source[k]


cdef inline Py_ssize_t _rows(Py_ssize_t count, Py_ssize_t lo, Py_ssize_t hi) noexcept nogil:
    """How many of a step's ``count`` rows fall in the share ``[lo, hi)`` (it starts at ``lo`` when any do)."""
    return (count if count < hi else hi) - lo


cdef floating *_pack(const floating[:, ::1] b, bint thin) except? NULL:
    """``b`` (k, n) packed for mg_thin_gemm (a malloc'd buffer the caller frees), or NULL when not ``thin``."""
    cdef Py_ssize_t k = b.shape[0], n = b.shape[1]
    cdef floating *packed
    if not thin:
        return NULL
    if floating is float:
        packed = <floating *>malloc(mg_thin_packed_size_f32(k, n) * sizeof(floating))
    else:
        packed = <floating *>malloc(mg_thin_packed_size_f64(k, n) * sizeof(floating))
    if packed == NULL:
        raise MemoryError()
    if floating is float:
        mg_thin_pack_f32(&b[0, 0], n, k, n, packed)
    else:
        mg_thin_pack_f64(&b[0, 0], n, k, n, packed)
    return packed


cdef inline void _product(Py_ssize_t m, Py_ssize_t n, Py_ssize_t k, const floating *a, const floating *b,
                          const floating *packed, bint accumulate, floating *c) noexcept nogil:
    """``c (m, n) = a (m, k) @ b (k, n)`` (``+= `` with ``accumulate``), rows contiguous: through the packed thin
    GEMM when ``packed`` (``b`` packed) is given, else through BLAS."""
    if packed != NULL:
        if floating is float:
            mg_thin_gemm_f32(m, n, k, a, k, packed, c, n, accumulate)
        else:
            mg_thin_gemm_f64(m, n, k, a, k, packed, c, n, accumulate)
    else:
        gemm(False, False, m, n, k, <floating>1, a, k, b, n, <floating>(1 if accumulate else 0), c, n)


def thin_gemm_available():
    """Whether the packed thin GEMM (thin_gemm.h: AVX-512) runs on this CPU."""
    return mg_thin_gemm_available() != 0


def thin_matmul(const floating[:, ::1] a, const floating[:, ::1] b, floating[:, ::1] c, bint accumulate):
    """``c = a @ b`` (``c += a @ b`` with ``accumulate``) through the packed thin GEMM, for its tests (the time
    loops call it from C). The caller checks shapes and ``thin_gemm_available()``."""
    cdef floating *packed = _pack(b, True)
    with nogil:
        _product(c.shape[0], c.shape[1], a.shape[1], &a[0, 0], &b[0, 0], packed, accumulate, &c[0, 0])
    free(packed)


cdef void _lstm_loop(const floating *projected, const floating *weight_hh_t, const floating *packed,
                     const floating *bias,
                     const floating *weight_hr, const Py_ssize_t *starts, const Py_ssize_t *counts,
                     Py_ssize_t steps, floating *h, floating *c, floating *h_prev,
                     floating *gates, floating *cells, floating *m, floating *out, floating *hidden, Py_ssize_t size,
                     Py_ssize_t proj, Py_ssize_t lo, Py_ssize_t hi, int num_threads) noexcept nogil:
    cdef Py_ssize_t t, row, rows, width = 4 * size
    for t in range(steps):
        rows = _rows(counts[t], lo, hi)
        if rows <= 0:
            continue
        row = starts[t] + lo
        _copy(h_prev + row * proj, h + lo * proj, rows * proj)
        _product(rows, width, proj, h_prev + row * proj, weight_hh_t, packed, False, hidden + lo * width)
        _lstm_rows(projected + row * width, hidden + lo * width, bias, c + lo * size, gates + row * width,
                   cells + row * size, m + row * size, rows, size, num_threads)
        _copy(c + lo * size, cells + row * size, rows * size)
        if weight_hr != NULL:
            gemm(False, True, rows, proj, size, <floating>1, m + row * size, size, weight_hr, size, <floating>0,
                 out + row * proj, proj)
        _copy(h + lo * proj, out + row * proj, rows * proj)


cdef void _lstm_back_loop(const floating *d_out, const floating *weight_hh, const floating *packed,
                          const floating *weight_hr,
                          const Py_ssize_t *starts, const Py_ssize_t *counts, Py_ssize_t steps, floating *dh,
                          floating *dc, const floating *gates, const floating *cells, const floating *c0,
                          floating *dgates, floating *d_total, floating *dm, Py_ssize_t size, Py_ssize_t proj,
                          Py_ssize_t lo, Py_ssize_t hi, int num_threads) noexcept nogil:
    cdef Py_ssize_t t, row, rows, carried, width = 4 * size
    cdef floating *grad_m
    for t in range(steps - 1, -1, -1):
        rows = _rows(counts[t], lo, hi)
        if rows <= 0:
            continue
        row = starts[t] + lo
        _add(dh + lo * proj, d_out + row * proj, rows * proj)
        grad_m = dh + lo * proj
        if weight_hr != NULL:
            _copy(d_total + row * proj, dh + lo * proj, rows * proj)
            grad_m = dm + lo * size
            gemm(False, False, rows, size, proj, <floating>1, dh + lo * proj, proj, weight_hr, size, <floating>0,
                 grad_m, size)
        # A step's incoming cell state is the previous visited step's cells for the rows that step had (all of them
        # forwards; in reverse the counts grow), the initial state for the others
        carried = 0
        if t > 0:
            carried = _rows(counts[t - 1], lo, hi)
            carried = 0 if carried < 0 else (rows if carried > rows else carried)
        if carried > 0:
            _lstm_back_rows(grad_m, dc + lo * size, gates + row * width, cells + row * size,
                            cells + (starts[t - 1] + lo) * size, dgates + row * width, carried, size, num_threads)
        if carried < rows:
            _lstm_back_rows(grad_m + carried * size, dc + (lo + carried) * size, gates + (row + carried) * width,
                            cells + (row + carried) * size, c0 + (lo + carried) * size,
                            dgates + (row + carried) * width, rows - carried, size, num_threads)
        _product(rows, proj, width, dgates + row * width, weight_hh, packed, False, dh + lo * proj)


cdef void _gru_loop(const floating *projected, const floating *weight_hh_t, const floating *packed,
                    const floating *bias,
                    const Py_ssize_t *starts, const Py_ssize_t *counts, Py_ssize_t steps, floating *h,
                    floating *h_prev, floating *gates, floating *hn, floating *out, floating *hidden, Py_ssize_t size,
                    Py_ssize_t lo, Py_ssize_t hi, int num_threads) noexcept nogil:
    cdef Py_ssize_t t, row, rows, width = 3 * size
    for t in range(steps):
        rows = _rows(counts[t], lo, hi)
        if rows <= 0:
            continue
        row = starts[t] + lo
        _copy(h_prev + row * size, h + lo * size, rows * size)
        _product(rows, width, size, h_prev + row * size, weight_hh_t, packed, False, hidden + lo * width)
        _gru_rows(projected + row * width, hidden + lo * width, bias, h_prev + row * size, gates + row * width,
                  hn + row * size, out + row * size, rows, size, num_threads)
        _copy(h + lo * size, out + row * size, rows * size)


cdef void _gru_back_loop(const floating *d_out, const floating *weight_hh, const floating *packed,
                         const Py_ssize_t *starts,
                         const Py_ssize_t *counts, Py_ssize_t steps, floating *dh, const floating *gates,
                         const floating *hn, const floating *h_prev, floating *dgx, floating *dgh, floating *direct,
                         Py_ssize_t size, Py_ssize_t lo, Py_ssize_t hi, int num_threads) noexcept nogil:
    cdef Py_ssize_t t, row, rows, width = 3 * size
    for t in range(steps - 1, -1, -1):
        rows = _rows(counts[t], lo, hi)
        if rows <= 0:
            continue
        row = starts[t] + lo
        _add(dh + lo * size, d_out + row * size, rows * size)
        _gru_back_rows(dh + lo * size, gates + row * width, hn + row * size, h_prev + row * size, dgx + row * width,
                       dgh + row * width, direct + lo * size, rows, size, num_threads)
        _copy(dh + lo * size, direct + lo * size, rows * size)
        _product(rows, size, width, dgh + row * width, weight_hh, packed, True, dh + lo * size)


cdef void _rnn_loop(const floating *projected, const floating *weight_hh_t, const floating *packed,
                    const floating *bias, bint relu,
                    const Py_ssize_t *starts, const Py_ssize_t *counts, Py_ssize_t steps, floating *h,
                    floating *h_prev, floating *out, floating *hidden, Py_ssize_t size, Py_ssize_t lo, Py_ssize_t hi,
                    int num_threads) noexcept nogil:
    cdef Py_ssize_t t, row, rows
    for t in range(steps):
        rows = _rows(counts[t], lo, hi)
        if rows <= 0:
            continue
        row = starts[t] + lo
        _copy(h_prev + row * size, h + lo * size, rows * size)
        _product(rows, size, size, h_prev + row * size, weight_hh_t, packed, False, hidden + lo * size)
        _rnn_rows(projected + row * size, hidden + lo * size, bias, relu, out + row * size, rows, size, num_threads)
        _copy(h + lo * size, out + row * size, rows * size)


cdef void _rnn_back_loop(const floating *d_out, const floating *weight_hh, const floating *packed,
                         const floating *out, bint relu,
                         const Py_ssize_t *starts, const Py_ssize_t *counts, Py_ssize_t steps, floating *dh,
                         floating *dpre, Py_ssize_t size, Py_ssize_t lo, Py_ssize_t hi, int num_threads) noexcept nogil:
    cdef Py_ssize_t t, row, rows
    for t in range(steps - 1, -1, -1):
        rows = _rows(counts[t], lo, hi)
        if rows <= 0:
            continue
        row = starts[t] + lo
        _add(dh + lo * size, d_out + row * size, rows * size)
        _rnn_back_rows(dh + lo * size, out + row * size, relu, dpre + row * size, rows, size, num_threads)
        _product(rows, size, size, dpre + row * size, weight_hh, packed, False, dh + lo * size)


# The entry points: argument checks are the caller's (minigrad.ops.recurrence); ``parts`` threads split the batch,
# ``num_threads`` split each step's rows inside a part (1 when parts > 1); with ``thin`` the per-step products run
# through thin_gemm.h on the weight packed once here, else through BLAS.

def lstm_sequence_forward(const floating[:, ::1] projected, const floating[:, ::1] weight_hh_t,
                          const floating[::1] bias, const floating[:, ::1] weight_hr,
                          const Py_ssize_t[::1] starts, const Py_ssize_t[::1] counts, floating[:, ::1] h,
                          floating[:, ::1] c, floating[:, ::1] h_prev, floating[:, ::1] gates,
                          floating[:, ::1] cells, floating[:, ::1] m, floating[:, ::1] out,
                          floating[:, ::1] hidden, bint thin, int parts, int num_threads):
    """The LSTM over every step: ``projected`` (S, 4H) is ``x W_ihᵀ + b_ih``, ``weight_hh_t`` (P, 4H) is ``W_hhᵀ``,
    ``weight_hr`` (P, H) the projection (or an empty array: then ``m`` must be ``out``). ``h`` (N, P) and ``c``
    (N, H) hold the initial state and end with the final one. Saved for the backward: ``h_prev`` (each step's
    incoming state), ``gates`` (S, 4H), ``cells`` (S, H) and ``m`` (S, H) = σ(o)·tanh(c) (a step's incoming cell
    state is the previous step's ``cells`` or the initial one: not saved); ``out`` (S, P) is the output,
    ``m @ W_hrᵀ`` when projected. ``hidden`` (N, 4H) is scratch."""
    cdef Py_ssize_t part, batch = h.shape[0], size = cells.shape[1], proj = h.shape[1], steps = starts.shape[0]
    cdef const floating *projection = &weight_hr[0, 0] if weight_hr.shape[0] > 0 else NULL
    cdef floating *packed = _pack(weight_hh_t, thin)
    for part in prange(parts, nogil=True, schedule="static", num_threads=parts):
        _lstm_loop(&projected[0, 0], &weight_hh_t[0, 0], packed, &bias[0], projection, &starts[0], &counts[0], steps,
                   &h[0, 0], &c[0, 0], &h_prev[0, 0], &gates[0, 0], &cells[0, 0], &m[0, 0],
                   &out[0, 0], &hidden[0, 0], size, proj, batch * part // parts, batch * (part + 1) // parts,
                   num_threads)
    free(packed)


def lstm_sequence_backward(const floating[:, ::1] d_out, const floating[:, ::1] weight_hh,
                           const floating[:, ::1] weight_hr, const Py_ssize_t[::1] starts,
                           const Py_ssize_t[::1] counts, floating[:, ::1] dh, floating[:, ::1] dc,
                           const floating[:, ::1] gates, const floating[:, ::1] cells, const floating[:, ::1] c0,
                           floating[:, ::1] dgates, floating[:, ::1] d_total, floating[:, ::1] dm, bint thin,
                           int parts, int num_threads):
    """Back through the LSTM's steps (visited here last to first): ``d_out`` (S, P) is the gradient of the outputs,
    ``dh`` (N, P) and ``dc`` (N, H) that of the final state on entry and of the initial state on return;
    ``dgates`` (S, 4H) receives every step's pre-activation gradient; ``cells`` (S, H) are the forward's cell
    states and ``c0`` (N, H) the initial one (a step's incoming cell state is one of the two). When projecting
    (``weight_hr`` (P, H) not empty) ``d_total`` (S, P) receives each output's whole gradient and ``dm`` (N, H) is
    scratch."""
    cdef Py_ssize_t part, batch = dh.shape[0], size = cells.shape[1], proj = dh.shape[1], steps = starts.shape[0]
    cdef bint projecting = weight_hr.shape[0] > 0
    cdef const floating *projection = &weight_hr[0, 0] if projecting else NULL
    cdef floating *total = &d_total[0, 0] if projecting else NULL
    cdef floating *scratch = &dm[0, 0] if projecting else NULL
    cdef floating *packed = _pack(weight_hh, thin)
    for part in prange(parts, nogil=True, schedule="static", num_threads=parts):
        _lstm_back_loop(&d_out[0, 0], &weight_hh[0, 0], packed, projection, &starts[0], &counts[0], steps, &dh[0, 0],
                        &dc[0, 0], &gates[0, 0], &cells[0, 0], &c0[0, 0], &dgates[0, 0], total, scratch, size,
                        proj, batch * part // parts, batch * (part + 1) // parts, num_threads)
    free(packed)


def gru_sequence_forward(const floating[:, ::1] projected, const floating[:, ::1] weight_hh_t,
                         const floating[::1] bias, const Py_ssize_t[::1] starts, const Py_ssize_t[::1] counts,
                         floating[:, ::1] h, floating[:, ::1] h_prev, floating[:, ::1] gates, floating[:, ::1] hn,
                         floating[:, ::1] out, floating[:, ::1] hidden, bint thin, int parts, int num_threads):
    """The GRU over every step: ``projected`` (S, 3H) is ``x W_ihᵀ + b_ih``, ``weight_hh_t`` (H, 3H) is ``W_hhᵀ``;
    ``h`` (N, H) goes from the initial state to the final one; saved: ``h_prev`` (S, H), ``gates`` (S, 3H),
    ``hn`` (S, H) = W_hn h_prev + b_hn; ``out`` (S, H) the output; ``hidden`` (N, 3H) scratch."""
    cdef Py_ssize_t part, batch = h.shape[0], size = h.shape[1], steps = starts.shape[0]
    cdef floating *packed = _pack(weight_hh_t, thin)
    for part in prange(parts, nogil=True, schedule="static", num_threads=parts):
        _gru_loop(&projected[0, 0], &weight_hh_t[0, 0], packed, &bias[0], &starts[0], &counts[0], steps, &h[0, 0],
                  &h_prev[0, 0], &gates[0, 0], &hn[0, 0], &out[0, 0], &hidden[0, 0], size, batch * part // parts,
                  batch * (part + 1) // parts, num_threads)
    free(packed)


def gru_sequence_backward(const floating[:, ::1] d_out, const floating[:, ::1] weight_hh,
                          const Py_ssize_t[::1] starts, const Py_ssize_t[::1] counts, floating[:, ::1] dh,
                          const floating[:, ::1] gates, const floating[:, ::1] hn, const floating[:, ::1] h_prev,
                          floating[:, ::1] dgx, floating[:, ::1] dgh, floating[:, ::1] direct, bint thin,
                          int parts, int num_threads):
    """Back through the GRU's steps: ``dh`` (N, H) from the final state's gradient to the initial one's; ``dgx``
    and ``dgh`` (S, 3H) receive the gradients of the input and hidden projections; ``direct`` (N, H) scratch."""
    cdef Py_ssize_t part, batch = dh.shape[0], size = dh.shape[1], steps = starts.shape[0]
    cdef floating *packed = _pack(weight_hh, thin)
    for part in prange(parts, nogil=True, schedule="static", num_threads=parts):
        _gru_back_loop(&d_out[0, 0], &weight_hh[0, 0], packed, &starts[0], &counts[0], steps, &dh[0, 0], &gates[0, 0],
                       &hn[0, 0], &h_prev[0, 0], &dgx[0, 0], &dgh[0, 0], &direct[0, 0], size, batch * part // parts,
                       batch * (part + 1) // parts, num_threads)
    free(packed)


def rnn_sequence_forward(const floating[:, ::1] projected, const floating[:, ::1] weight_hh_t,
                         const floating[::1] bias, bint relu, const Py_ssize_t[::1] starts,
                         const Py_ssize_t[::1] counts, floating[:, ::1] h, floating[:, ::1] h_prev,
                         floating[:, ::1] out, floating[:, ::1] hidden, bint thin, int parts, int num_threads):
    """The Elman RNN over every step (``projected``, ``weight_hh_t``, ``h``, ``h_prev``, ``out`` as for the GRU,
    with H columns instead of 3H)."""
    cdef Py_ssize_t part, batch = h.shape[0], size = h.shape[1], steps = starts.shape[0]
    cdef floating *packed = _pack(weight_hh_t, thin)
    for part in prange(parts, nogil=True, schedule="static", num_threads=parts):
        _rnn_loop(&projected[0, 0], &weight_hh_t[0, 0], packed, &bias[0], relu, &starts[0], &counts[0], steps, &h[0, 0],
                  &h_prev[0, 0], &out[0, 0], &hidden[0, 0], size, batch * part // parts,
                  batch * (part + 1) // parts, num_threads)
    free(packed)


def rnn_sequence_backward(const floating[:, ::1] d_out, const floating[:, ::1] weight_hh, const floating[:, ::1] out,
                          bint relu, const Py_ssize_t[::1] starts, const Py_ssize_t[::1] counts,
                          floating[:, ::1] dh, floating[:, ::1] dpre, bint thin, int parts, int num_threads):
    """Back through the Elman RNN's steps: ``dh`` (N, H) from the final state's gradient to the initial one's;
    ``dpre`` (S, H) receives every step's pre-activation gradient."""
    cdef Py_ssize_t part, batch = dh.shape[0], size = dh.shape[1], steps = starts.shape[0]
    cdef floating *packed = _pack(weight_hh, thin)
    for part in prange(parts, nogil=True, schedule="static", num_threads=parts):
        _rnn_back_loop(&d_out[0, 0], &weight_hh[0, 0], packed, &out[0, 0], relu, &starts[0], &counts[0], steps,
                       &dh[0, 0], &dpre[0, 0], size, batch * part // parts, batch * (part + 1) // parts, num_threads)
    free(packed)
